/** One scheduled callback. */
interface ClockEntry {
  at: number;
  seq: number;
  id: number;
  fn: () => void;
  label: string | undefined;
}

/**
 * A discrete-event clock: nothing sleeps. Callbacks are queued at virtual instants and run in
 * (time, insertion) order when the clock advances; `now` jumps straight to the next instant.
 * The queue is a binary min-heap with lazy cancellation, so 10,000 instances stay cheap.
 */
export class VirtualClock {
  private current: number;
  private readonly heap: ClockEntry[] = [];
  private readonly live = new Map<number, ClockEntry>();
  private nextId = 1;
  private nextSeq = 0;

  constructor(startMs: number) {
    if (!Number.isFinite(startMs))
      throw new RangeError(`VirtualClock start must be a finite epoch ms, got ${startMs}`);
    this.current = startMs;
  }

  /** Virtual now, epoch milliseconds. */
  now(): number {
    return this.current;
  }

  /** Queues `fn` at `atMs` (clamped to now when in the past) and returns an id for `cancel`. */
  schedule(atMs: number, fn: () => void, label?: string): number {
    const at = Number.isFinite(atMs) ? Math.max(atMs, this.current) : this.current;
    const entry: ClockEntry = { at, seq: this.nextSeq++, id: this.nextId++, fn, label };
    this.live.set(entry.id, entry);
    this.push(entry);
    return entry.id;
  }

  /** Forgets a scheduled callback; unknown or already-run ids are ignored. Returns whether it was pending. */
  cancel(id: number): boolean {
    return this.live.delete(id);
  }

  /** Time of the earliest pending callback, or undefined when nothing is queued. */
  nextAt(): number | undefined {
    this.dropCancelled();
    return this.heap[0]?.at;
  }

  /** Number of pending callbacks. */
  pending(): number {
    return this.live.size;
  }

  /** Labels of pending callbacks in run order (for debugging and tests). */
  pendingLabels(): string[] {
    return [...this.live.values()].sort(compare).map((e) => e.label ?? `#${e.id}`);
  }

  /**
   * Moves `now` to the earliest scheduled time and runs every callback due then, including those that
   * the callbacks themselves schedule at that same time. Returns false when the queue is empty.
   */
  advance(): boolean {
    const at = this.nextAt();
    if (at === undefined) return false;
    this.current = Math.max(this.current, at);
    for (;;) {
      this.dropCancelled();
      const top = this.heap[0];
      if (top === undefined || top.at > this.current) break;
      this.pop();
      this.live.delete(top.id);
      top.fn();
    }
    return true;
  }

  /** Runs everything due up to `atMs` and then sets now to `atMs` (never backwards). */
  advanceTo(atMs: number): void {
    for (;;) {
      const next = this.nextAt();
      if (next === undefined || next > atMs) break;
      this.advance();
    }
    this.current = Math.max(this.current, atMs);
  }

  /** Advances until the queue is empty or `maxSteps` instants have run; returns the number of instants. */
  runUntilIdle(maxSteps = 1_000_000): number {
    let steps = 0;
    while (steps < maxSteps && this.advance()) steps++;
    return steps;
  }

  private dropCancelled(): void {
    for (;;) {
      const top = this.heap[0];
      if (top === undefined || this.live.has(top.id)) return;
      this.pop();
    }
  }

  private push(entry: ClockEntry): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as ClockEntry;
      if (compare(p, entry) <= 0) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = entry;
  }

  private pop(): ClockEntry | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    let i = 0;
    const n = heap.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const left = heap[l] as ClockEntry;
      const right = heap[r];
      const child = right !== undefined && compare(right, left) < 0 ? r : l;
      const c = heap[child] as ClockEntry;
      if (compare(last, c) <= 0) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}

function compare(a: ClockEntry, b: ClockEntry): number {
  return a.at - b.at || a.seq - b.seq;
}
