import type { AddressInfo } from "node:net";
import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { LedgerItem } from "@fleet-upgrade/core";
import dynalite from "dynalite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoLedgerStore, ensureLedgerTable, LEDGER_TABLE_DEFINITION } from "../../src/dynamo-ledger-store";

/** The real adapter against dynalite, a DynamoDB implementation, on a loopback port: no mock. */
const server = dynalite({ createTableMs: 0 });
let dynamodb: DynamoDBClient;
let store: DynamoLedgerStore;
const tableName = "fleet-upgrade-ledger";
/** Calls per command name, counted on the wire, to see pages happen. */
const sent = new Map<string, number>();

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  dynamodb = new DynamoDBClient({
    region: "us-east-1",
    endpoint: `http://127.0.0.1:${port}`,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  dynamodb.middlewareStack.add(
    (next, context) => (args) => {
      sent.set(context.commandName ?? "?", (sent.get(context.commandName ?? "?") ?? 0) + 1);
      return next(args);
    },
    { step: "initialize", name: "countCommands" },
  );
  await ensureLedgerTable(dynamodb, tableName);
  store = new DynamoLedgerStore({ dynamodb, tableName });
});

afterAll(async () => {
  dynamodb?.destroy();
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
});

describe("ensureLedgerTable on dynalite", () => {
  it("creates an ACTIVE on-demand table with the byRecent index", async () => {
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));

    expect(Table?.TableStatus).toBe("ACTIVE");
    expect(Table?.BillingModeSummary?.BillingMode).toBe("PAY_PER_REQUEST");
    expect(Table?.KeySchema).toEqual([
      { AttributeName: "pk", KeyType: "HASH" },
      { AttributeName: "sk", KeyType: "RANGE" },
    ]);
    const index = Table?.GlobalSecondaryIndexes?.find(
      (gsi) => gsi.IndexName === LEDGER_TABLE_DEFINITION.recentIndex.name,
    );
    expect(index?.KeySchema).toEqual([
      { AttributeName: "gsi1pk", KeyType: "HASH" },
      { AttributeName: "gsi1sk", KeyType: "RANGE" },
    ]);
    expect(index?.Projection?.ProjectionType).toBe("ALL");
  });

  it("leaves an existing table as it is when called again", async () => {
    await store.put({ pk: "KEEP", sk: "1", data: { kept: true } });

    await ensureLedgerTable(dynamodb, tableName);

    expect(await store.get("KEEP", "1")).toEqual({ pk: "KEEP", sk: "1", data: { kept: true } });
  });
});

describe("DynamoLedgerStore on dynalite", () => {
  it("round-trips an item with nested data, TTL and index keys", async () => {
    const item: LedgerItem = {
      pk: "RUN#rt",
      sk: "META",
      data: { status: "Running", waves: [{ groups: ["web", "api"], percent: 10 }], note: "", nothing: null },
      expiresAt: 1_790_000_000,
      gsi1pk: "RUNS",
      gsi1sk: "2026-10-01T10:00:00Z#rt",
    };

    await store.put(item);

    expect(await store.get("RUN#rt", "META")).toEqual(item);
    expect(await store.get("RUN#rt", "MISSING")).toBeUndefined();
  });

  it("reads only the data members asked for, with the keys and version, even ones named like reserved words", async () => {
    await store.put({
      pk: "RUN#projected",
      sk: "META",
      data: { status: "RUNNING", halt: null, request: { big: "x".repeat(1000) }, size: 3 },
      version: 4,
    });

    const item = await store.get("RUN#projected", "META", { fields: ["status", "halt", "size", "absent"] });

    expect(item).toEqual({
      pk: "RUN#projected",
      sk: "META",
      data: { status: "RUNNING", halt: null, size: 3 },
      version: 4,
    });
  });

  it("stores data as JSON would carry it: dates as ISO strings, undefined members dropped", async () => {
    await store.put({
      pk: "RUN#json",
      sk: "META",
      data: { at: new Date("2026-10-01T10:00:00Z"), gone: undefined },
    });

    expect((await store.get("RUN#json", "META"))?.data).toEqual({ at: "2026-10-01T10:00:00.000Z" });
  });

  it("takes a lock once: a second conditional put returns false and keeps the first holder", async () => {
    const first = await store.put(
      { pk: "LOCK#web", sk: "LOCK", data: { runId: "run-1" } },
      { ifNotExists: true },
    );
    const second = await store.put(
      { pk: "LOCK#web", sk: "LOCK", data: { runId: "run-2" } },
      { ifNotExists: true },
    );

    expect([first, second]).toEqual([true, false]);
    expect((await store.get("LOCK#web", "LOCK"))?.data).toEqual({ runId: "run-1" });
  });

  it("writes 60 items with putMany and reads them all back in sort-key order", async () => {
    const many = Array.from({ length: 60 }, (_, i) => ({
      pk: "RUN#many",
      sk: `GROUP#${String(i).padStart(2, "0")}`,
      data: { index: i },
    }));

    await store.putMany(many);

    expect(await store.query("RUN#many")).toEqual(many);
  });

  it("follows query pages when one page cannot hold every item", async () => {
    // ~40 KB each: DynamoDB (and dynalite) stop a query page at 1 MB, so 60 items take several pages.
    const big = Array.from({ length: 60 }, (_, i) => ({
      pk: "RUN#big",
      sk: `EVENT#${String(i).padStart(2, "0")}`,
      data: { blob: "x".repeat(40_000) },
    }));
    await store.putMany(big);
    const queriesBefore = sent.get("QueryCommand") ?? 0;

    const found = await store.query("RUN#big", "EVENT#");

    expect((sent.get("QueryCommand") ?? 0) - queriesBefore).toBeGreaterThanOrEqual(3);
    expect(found).toHaveLength(60);
    expect(found.map((item) => item.sk)).toEqual(big.map((item) => item.sk));
  });

  it("limits a query to sort keys with the prefix", async () => {
    await store.putMany([
      { pk: "RUN#prefix", sk: "GROUP#a", data: 1 },
      { pk: "RUN#prefix", sk: "EVENT#1", data: 2 },
      { pk: "RUN#prefix", sk: "GROUP#b", data: 3 },
    ]);

    expect((await store.query("RUN#prefix", "GROUP#")).map((item) => item.sk)).toEqual([
      "GROUP#a",
      "GROUP#b",
    ]);
  });

  it("lists recent runs newest first, at most the limit", async () => {
    for (const day of ["03", "01", "04", "02"]) {
      await store.put({
        pk: `RUN#day${day}`,
        sk: "META",
        data: { day },
        gsi1pk: "RECENT",
        gsi1sk: `2026-10-${day}T00:00:00Z`,
      });
    }

    const recent = await store.queryRecent("RECENT", 3);

    expect(recent.map((item) => item.gsi1sk)).toEqual([
      "2026-10-04T00:00:00Z",
      "2026-10-03T00:00:00Z",
      "2026-10-02T00:00:00Z",
    ]);
  });

  it("deletes an item and returns it, and returns undefined when there was none", async () => {
    await store.put({ pk: "TOKEN#1", sk: "TOKEN", data: { taskToken: "abc" }, expiresAt: 1_790_000_000 });

    expect(await store.delete("TOKEN#1", "TOKEN")).toEqual({
      pk: "TOKEN#1",
      sk: "TOKEN",
      data: { taskToken: "abc" },
      expiresAt: 1_790_000_000,
    });
    expect(await store.get("TOKEN#1", "TOKEN")).toBeUndefined();
    expect(await store.delete("TOKEN#1", "TOKEN")).toBeUndefined();
  });

  it("deletes a lock only as it was read: a lock another run took over stays", async () => {
    const mine = { pk: "LOCK#race", sk: "LOCK", data: { runId: "run-1" }, version: 1 };
    await store.put(mine);
    // run-2 takes it over (a conditional put on the version run-1 read) before run-1 deletes.
    expect(await store.put({ ...mine, data: { runId: "run-2" }, version: 2 }, { ifVersion: 1 })).toBe(true);

    expect(await store.delete("LOCK#race", "LOCK", { ifVersion: 1 })).toBeUndefined();
    expect((await store.get("LOCK#race", "LOCK"))?.data).toEqual({ runId: "run-2" });
    expect(await store.delete("LOCK#race", "LOCK", { ifVersion: 2 })).toMatchObject({
      data: { runId: "run-2" },
    });
  });
});
