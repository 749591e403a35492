import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoLedgerStore, ensureLedgerTable } from "@fleet-upgrade/aws";
import { RunLedger } from "@fleet-upgrade/core";
import { startLedgerServer } from "@fleet-upgrade/harness";
import { SIMULATED_CREDENTIALS } from "@fleet-upgrade/simulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

describe("group locks in the DynamoDB ledger", () => {
  let server: Awaited<ReturnType<typeof startLedgerServer>>;
  let ledger: RunLedger;
  const now = new Date("2026-11-21T09:00:00Z");

  beforeAll(async () => {
    server = await startLedgerServer();
    const dynamodb = new DynamoDBClient({
      region: "us-east-1",
      endpoint: server.endpoint,
      credentials: SIMULATED_CREDENTIALS,
    });
    await ensureLedgerTable(dynamodb, "locks");
    ledger = new RunLedger(new DynamoLedgerStore({ dynamodb, tableName: "locks" }));
  });
  afterAll(async () => server.close());

  it("lets one run hold a group and names the holder to any other", async () => {
    expect(await ledger.acquireLock("web", "run-a", now, 3600)).toBeNull();
    expect(await ledger.acquireLock("web", "run-a", now, 3600)).toBeNull();
    expect(await ledger.acquireLock("web", "run-b", now, 3600)).toMatchObject({ runId: "run-a" });
  });

  it("gives the lock to exactly one of many runs racing for it", async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => ledger.acquireLock("api", `run-${i}`, now, 3600)),
    );
    expect(results.filter((holder) => holder === null)).toHaveLength(1);
  });

  it("takes over a lock whose holder's time ran out, and releases only its own", async () => {
    expect(await ledger.acquireLock("batch", "run-a", now, 60)).toBeNull();
    const later = new Date(now.getTime() + 120_000);
    expect(await ledger.acquireLock("batch", "run-b", later, 60)).toBeNull();
    await ledger.releaseLock("batch", "run-a");
    expect(await ledger.acquireLock("batch", "run-c", later, 60)).toMatchObject({ runId: "run-b" });
    await ledger.releaseLock("batch", "run-b");
    expect(await ledger.acquireLock("batch", "run-c", later, 60)).toBeNull();
  });

  it("keeps concurrent run updates: none is lost", async () => {
    await ledger.putRun({
      runId: "r1",
      status: "RUNNING",
      reason: "test",
      request: {},
      startedAt: now.toISOString(),
      endedAt: null,
      inventory: null,
      target: null,
      waves: ["a", "b", "c", "d", "e"].map((name) => ({
        name,
        groups: [],
        instances: 0,
        status: "NOT_STARTED",
      })),
      halt: null,
      groupOutcomes: null,
      abortRequested: null,
    });
    await Promise.all(
      ["a", "b", "c", "d", "e"].map((name) =>
        ledger.updateRun("r1", (run) => ({
          ...run,
          waves: run.waves.map((w) => (w.name === name ? { ...w, status: "SUCCEEDED" } : w)),
        })),
      ),
    );
    const run = await ledger.getRun("r1");
    expect(run?.waves.every((w) => w.status === "SUCCEEDED")).toBe(true);
  });
});
