import type { Answer, StatusContext } from "./context";

/**
 * Keeps the answers of the read routes for a short while, and lets concurrent identical reads share
 * one ledger read: bots poll, and a run changes at most every few seconds. Past its time an answer
 * is still given at once while a fresh one loads in the background (stale for at most `maxStaleMs`),
 * so a poller never waits on the ledger. Any write through the API (start, approve, abort) clears
 * it, so a caller sees its own action at once.
 */
export class AnswerCache {
  private readonly entries = new Map<
    string,
    { at: number; answer: Promise<Answer>; settled: Answer | null; refreshing: boolean }
  >();

  constructor(
    readonly ttlMs = 500,
    private readonly clock: () => number = () => performance.now(),
    readonly maxStaleMs = 5_000,
  ) {}

  get(key: string, load: () => Promise<Answer>): Promise<Answer> {
    const now = this.clock();
    const entry = this.entries.get(key);
    if (entry && now - entry.at < this.ttlMs) return entry.answer;
    if (entry?.settled && now - entry.at < this.maxStaleMs) {
      if (!entry.refreshing) {
        entry.refreshing = true;
        this.load(key, load).catch(() => {
          entry.refreshing = false;
        });
      }
      return Promise.resolve(entry.settled);
    }
    return this.load(key, load);
  }

  private load(key: string, load: () => Promise<Answer>): Promise<Answer> {
    const answer = load();
    const entry = { at: this.clock(), answer, settled: null as Answer | null, refreshing: false };
    const previous = this.entries.get(key);
    // A background refresh replaces the entry only once it has its answer.
    if (!previous?.settled) this.entries.set(key, entry);
    answer.then(
      (settled) => {
        entry.settled = settled;
        entry.at = this.clock();
        this.entries.set(key, entry);
      },
      () => {
        // Failures (an unknown run, a ledger error) are not kept.
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    if (this.entries.size > 1000) this.entries.delete(this.entries.keys().next().value as string);
    return answer;
  }

  clear(): void {
    this.entries.clear();
  }
}

/** A read through the context's cache (when it has one): the REST reads and Slack's share it. */
export function cachedRead(
  context: StatusContext,
  key: string,
  load: () => Promise<Answer>,
): Promise<Answer> {
  return context.answers ? context.answers.get(key, load) : load();
}

/** A write: the cache is cleared before and after, so the caller's next read sees it. */
export async function writeThrough<T>(context: StatusContext, work: () => Promise<T>): Promise<T> {
  context.answers?.clear();
  try {
    return await work();
  } finally {
    context.answers?.clear();
  }
}
