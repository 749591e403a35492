import type { LedgerItem, LedgerStore } from "@fleet-upgrade/core/ports";

/**
 * The ledger's single table in memory, keeping the LedgerStore port's documented semantics
 * (conditional writes, ascending queries, newest-first recent runs; callers get copies). For unit
 * tests of the code that uses the port; the simulation keeps its ledger on dynalite instead.
 *
 * Two hooks let a test play another writer: `conflicts` makes that many upcoming conditional puts
 * fail as if someone had won the race (bumping the stored version as they would have), and
 * `afterNextGet` runs once between the next read and the write that follows it.
 */
export class MemoryLedgerStore implements LedgerStore {
  readonly items = new Map<string, LedgerItem>();
  /** Upcoming conditional puts that lose the race. */
  conflicts = 0;
  /** Conditional puts attempted so far. */
  conditionalPuts = 0;
  /** Batch reads so far, counted as DynamoDB's BatchGetItem calls would be (100 keys a call). */
  batchGets = 0;
  /** Runs once between the next read and the write that follows it: another writer's move. */
  afterNextGet: (() => Promise<void>) | null = null;

  private key(pk: string, sk: string): string {
    return `${pk}\u0000${sk}`;
  }

  async put(item: LedgerItem, options: { ifNotExists?: boolean; ifVersion?: number } = {}): Promise<boolean> {
    const key = this.key(item.pk, item.sk);
    const stored = this.items.get(key);
    if (options.ifNotExists === true || options.ifVersion !== undefined) {
      this.conditionalPuts++;
      if (this.conflicts > 0) {
        this.conflicts--;
        if (stored) this.items.set(key, { ...stored, version: (stored.version ?? 0) + 1 });
        return false;
      }
    }
    if (options.ifNotExists && stored) return false;
    if (options.ifVersion !== undefined && (stored?.version ?? 0) !== options.ifVersion) return false;
    this.items.set(key, structuredClone(item));
    return true;
  }

  async putMany(items: LedgerItem[]): Promise<void> {
    for (const item of items) await this.put(item);
  }

  async get(pk: string, sk: string): Promise<LedgerItem | undefined> {
    const item = this.items.get(this.key(pk, sk));
    const between = this.afterNextGet;
    this.afterNextGet = null;
    if (between) await between();
    return item ? structuredClone(item) : undefined;
  }

  async getMany(keys: { pk: string; sk: string }[]): Promise<LedgerItem[]> {
    const unique = new Set(keys.map(({ pk, sk }) => this.key(pk, sk)));
    this.batchGets += Math.ceil(unique.size / 100);
    return [...unique].flatMap((key) => {
      const item = this.items.get(key);
      return item ? [structuredClone(item)] : [];
    });
  }

  async query(pk: string, skPrefix = ""): Promise<LedgerItem[]> {
    return [...this.items.values()]
      .filter((i) => i.pk === pk && i.sk.startsWith(skPrefix))
      .sort((a, b) => (a.sk < b.sk ? -1 : a.sk > b.sk ? 1 : 0))
      .map((i) => structuredClone(i));
  }

  async queryRecent(gsi1pk: string, limit: number): Promise<LedgerItem[]> {
    return [...this.items.values()]
      .filter((i) => i.gsi1pk === gsi1pk && i.gsi1sk !== undefined)
      .sort((a, b) => ((a.gsi1sk ?? "") < (b.gsi1sk ?? "") ? 1 : -1))
      .slice(0, limit)
      .map((i) => structuredClone(i));
  }

  async delete(
    pk: string,
    sk: string,
    options: { ifVersion?: number } = {},
  ): Promise<LedgerItem | undefined> {
    const key = this.key(pk, sk);
    const item = this.items.get(key);
    if (options.ifVersion !== undefined && (!item || (item.version ?? 0) !== options.ifVersion))
      return undefined;
    this.items.delete(key);
    return item;
  }
}
