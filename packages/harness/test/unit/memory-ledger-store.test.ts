import { describe, expect, it } from "vitest";
import { MemoryLedgerStore } from "../../src/memory-ledger-store";

const item = (sk: string, extra: Record<string, unknown> = {}) => ({
  pk: "RUN#1",
  sk,
  data: { sk },
  ...extra,
});

describe("MemoryLedgerStore keeps the LedgerStore port's semantics", () => {
  it("refuses a put ifNotExists over an existing item and leaves the item as it was", async () => {
    const store = new MemoryLedgerStore();
    expect(await store.put(item("A", { data: "first" }), { ifNotExists: true })).toBe(true);
    expect(await store.put(item("A", { data: "second" }), { ifNotExists: true })).toBe(false);
    expect((await store.get("RUN#1", "A"))?.data).toBe("first");
  });

  it("writes ifVersion only when the stored version matches (0 for an item without one)", async () => {
    const store = new MemoryLedgerStore();
    await store.put(item("A"));
    expect(await store.put(item("A", { version: 1 }), { ifVersion: 1 })).toBe(false);
    expect(await store.put(item("A", { version: 1 }), { ifVersion: 0 })).toBe(true);
    expect(await store.delete("RUN#1", "A", { ifVersion: 0 })).toBeUndefined();
    expect((await store.delete("RUN#1", "A", { ifVersion: 1 }))?.version).toBe(1);
    expect(store.items.size).toBe(0);
  });

  it("queries one partition by prefix in ascending order and recent runs newest first", async () => {
    const store = new MemoryLedgerStore();
    await store.putMany([item("W#2"), item("G#x"), item("W#1"), { pk: "RUN#2", sk: "W#0", data: null }]);
    expect((await store.query("RUN#1", "W#")).map((i) => i.sk)).toEqual(["W#1", "W#2"]);
    await store.putMany([
      { pk: "RUN#a", sk: "RUN", data: 1, gsi1pk: "RUNS", gsi1sk: "2026-01-01" },
      { pk: "RUN#b", sk: "RUN", data: 2, gsi1pk: "RUNS", gsi1sk: "2026-03-01" },
      { pk: "RUN#c", sk: "RUN", data: 3, gsi1pk: "RUNS", gsi1sk: "2026-02-01" },
    ]);
    expect((await store.queryRecent("RUNS", 2)).map((i) => i.pk)).toEqual(["RUN#b", "RUN#c"]);
  });

  it("hands out copies: changing what get returned does not change the table", async () => {
    const store = new MemoryLedgerStore();
    await store.put(item("A", { data: { count: 1 } }));
    const read = await store.get("RUN#1", "A");
    (read?.data as { count: number }).count = 2;
    expect((await store.get("RUN#1", "A"))?.data).toEqual({ count: 1 });
  });

  it("plays a writer that wins the race: a conflicting conditional put fails and bumps the version", async () => {
    const store = new MemoryLedgerStore();
    await store.put(item("A", { version: 3 }));
    store.conflicts = 1;
    expect(await store.put(item("A", { version: 4 }), { ifVersion: 3 })).toBe(false);
    expect((await store.get("RUN#1", "A"))?.version).toBe(4);
    expect(store.conditionalPuts).toBe(1);
  });
});
