import { MemoryLedgerStore } from "@fleet-upgrade/harness/memory-ledger-store";
import { describe, expect, it } from "vitest";
import type { GroupRecord } from "../../src/fleet";
import type { LedgerItem } from "../../src/ports";
import { type GroupProgress, RunLedger, type RunRecord } from "../../src/run-ledger";

const runRecord = (runId: string, over: Partial<RunRecord> = {}): RunRecord => ({
  runId,
  status: "RUNNING",
  reason: "running",
  request: { dryRun: false },
  startedAt: "2026-11-21T09:00:00.000Z",
  endedAt: null,
  inventory: null,
  target: null,
  waves: [{ name: "canary", groups: ["web-canary"], instances: 2, status: "RUNNING" }],
  halt: null,
  groupOutcomes: null,
  abortRequested: null,
  ...over,
});

const groupRecord = (name: string): GroupRecord => ({
  name,
  arn: `arn:aws:autoscaling:eu-west-1:111122223333:autoScalingGroup:uuid:autoScalingGroupName/${name}`,
  desired: 2,
  min: 1,
  max: 4,
  launchTemplate: {
    launchTemplateId: "lt-1",
    launchTemplateName: name,
    versionSpec: "$Latest",
    resolvedVersion: 3,
    imageRef: "ami-al2",
  },
  imageId: "ami-al2",
  architecture: "x86_64",
  tags: { app: "web" },
  instanceIds: ["i-1", "i-2"],
  targetGroupArns: [],
  defaultInstanceWarmup: null,
});

const progress = (name: string, over: Partial<GroupProgress> = {}): GroupProgress => ({
  name,
  wave: "canary",
  outcome: "RUNNING",
  reason: null,
  fromImageId: "ami-al2",
  toImageId: "ami-hardened",
  launchTemplateVersion: { from: 3, to: 4 },
  minHealthyPercentObserved: null,
  instanceRefreshIds: [],
  refreshStartedAt: null,
  checkpointsEvaluated: [],
  notes: [],
  regressed: false,
  ...over,
});

const setup = () => {
  const store = new MemoryLedgerStore();
  return { store, ledger: new RunLedger(store) };
};

describe("RunLedger runs", () => {
  it("gives back the run it stored", async () => {
    const { ledger } = setup();
    await ledger.putRun(runRecord("run-1"));
    expect(await ledger.getRun("run-1")).toEqual(runRecord("run-1"));
  });

  it("finds no run that was never stored", async () => {
    const { ledger } = setup();
    await ledger.putRun(runRecord("run-1"));
    expect(await ledger.getRun("run-2")).toBeUndefined();
  });

  it("refuses to store a run that is not a run record", async () => {
    const { ledger, store } = setup();
    await expect(
      ledger.putRun({ ...runRecord("run-1"), status: "DONE" } as unknown as RunRecord),
    ).rejects.toThrow();
    expect(store.items.size).toBe(0);
  });

  it("applies an update to the stored run and returns the new record", async () => {
    const { ledger } = setup();
    await ledger.putRun(runRecord("run-1"));
    const next = await ledger.updateRun("run-1", (r) => ({ ...r, status: "SUCCEEDED", reason: "done" }));
    expect(next).toMatchObject({ status: "SUCCEEDED", reason: "done" });
    expect(await ledger.getRun("run-1")).toEqual(next);
  });

  it("keeps both of two updates made one after the other", async () => {
    const { ledger } = setup();
    await ledger.putRun(runRecord("run-1"));
    await ledger.updateRun("run-1", (r) => ({ ...r, reason: "baking" }));
    await ledger.updateRun("run-1", (r) => ({ ...r, endedAt: "2026-11-21T10:00:00.000Z" }));
    expect(await ledger.getRun("run-1")).toMatchObject({
      reason: "baking",
      endedAt: "2026-11-21T10:00:00.000Z",
    });
  });

  it("reads again and reapplies its change when another writer changed the run in between", async () => {
    const { ledger, store } = setup();
    await ledger.putRun(runRecord("run-1"));
    let reads = 0;
    const realPut = store.put.bind(store);
    // The other writer lands its change after our read, before our conditional write.
    store.put = async (item, options) => {
      if (options?.ifVersion !== undefined && reads === 1) {
        const stored = await store.get("RUN#run-1", "META");
        const other = {
          ...(stored?.data as RunRecord),
          halt: { status: "FAILED" as const, reason: "arm64 bake failed" },
        };
        await realPut({ ...(stored as LedgerItem), data: other, version: (stored?.version ?? 0) + 1 });
      }
      return realPut(item, options);
    };
    const next = await ledger.updateRun("run-1", (r) => {
      reads++;
      return { ...r, target: { kernel: "6.1", kernelVersion: "6.1.1", images: [] } };
    });
    expect(reads).toBe(2);
    expect(next.halt).toEqual({ status: "FAILED", reason: "arm64 bake failed" });
    expect(await ledger.getRun("run-1")).toMatchObject({
      halt: { status: "FAILED", reason: "arm64 bake failed" },
      target: { kernelVersion: "6.1.1" },
    });
  });

  it("retries when a conditional write fails once", async () => {
    const { ledger, store } = setup();
    await ledger.putRun(runRecord("run-1"));
    store.conflicts = 1;
    let calls = 0;
    await ledger.updateRun("run-1", (r) => {
      calls++;
      return { ...r, reason: "updated" };
    });
    expect(calls).toBe(2);
    expect((await ledger.getRun("run-1"))?.reason).toBe("updated");
  });

  it("gives up, naming the run, when writers keep conflicting", async () => {
    const { ledger, store } = setup();
    await ledger.putRun(runRecord("run-1"));
    store.conflicts = Number.POSITIVE_INFINITY;
    await expect(ledger.updateRun("run-1", (r) => ({ ...r, reason: "lost" }))).rejects.toThrow(
      "run run-1 is updated by too many writers at once",
    );
    expect(store.conditionalPuts).toBe(50);
    expect((await ledger.getRun("run-1"))?.reason).toBe("running");
  });

  it("refuses to update a run that is not in the ledger", async () => {
    const { ledger } = setup();
    await expect(ledger.updateRun("run-9", (r) => r)).rejects.toThrow("run run-9 is not in the ledger");
  });

  it("lists runs newest first, up to the limit", async () => {
    const { ledger } = setup();
    await ledger.putRun(runRecord("run-b", { startedAt: "2026-11-21T10:00:00.000Z" }));
    await ledger.putRun(runRecord("run-c", { startedAt: "2026-11-22T08:00:00.000Z" }));
    await ledger.putRun(runRecord("run-a", { startedAt: "2026-11-20T12:00:00.000Z" }));
    expect((await ledger.listRuns(10)).map((r) => r.runId)).toEqual(["run-c", "run-b", "run-a"]);
    expect((await ledger.listRuns(2)).map((r) => r.runId)).toEqual(["run-c", "run-b"]);
  });

  it("keeps an updated run in the list once, in its place", async () => {
    const { ledger } = setup();
    await ledger.putRun(runRecord("run-a", { startedAt: "2026-11-20T12:00:00.000Z" }));
    await ledger.putRun(runRecord("run-b", { startedAt: "2026-11-21T10:00:00.000Z" }));
    await ledger.updateRun("run-a", (r) => ({ ...r, status: "SUCCEEDED" }));
    const runs = await ledger.listRuns(10);
    expect(runs.map((r) => [r.runId, r.status])).toEqual([
      ["run-b", "RUNNING"],
      ["run-a", "SUCCEEDED"],
    ]);
  });
});

describe("RunLedger groups and progress", () => {
  it("gives back the groups stored for a run, and only those", async () => {
    const { ledger } = setup();
    await ledger.putGroups("run-1", [groupRecord("web-b"), groupRecord("web-a")]);
    await ledger.putGroups("run-2", [groupRecord("other")]);
    expect(await ledger.getGroups("run-1")).toEqual([groupRecord("web-a"), groupRecord("web-b")]);
    expect(await ledger.getGroup("run-1", "web-b")).toEqual(groupRecord("web-b"));
  });

  it("reads a group's inventory from the store once, gives it back unchangeable, and reads it again once rewritten", async () => {
    const { store, ledger } = setup();
    await ledger.putGroups("run-1", [groupRecord("web-a")]);
    let reads = 0;
    const get = store.get.bind(store);
    store.get = (pk, sk) => {
      reads++;
      return get(pk, sk);
    };

    const first = await ledger.getGroup("run-1", "web-a");
    const again = await ledger.getGroup("run-1", "web-a");
    expect(reads).toBe(1);
    expect(again).toEqual(groupRecord("web-a"));
    expect(() => first.instanceIds.push("i-3")).toThrow(TypeError);

    await ledger.putGroups("run-1", [{ ...groupRecord("web-a"), instanceIds: ["i-9"] }]);
    expect((await ledger.getGroup("run-1", "web-a")).instanceIds).toEqual(["i-9"]);
    expect(reads).toBe(2);
  });

  it("names the group and the run when a group is missing", async () => {
    const { ledger } = setup();
    await expect(ledger.getGroup("run-1", "web-x")).rejects.toThrow(
      "group web-x of run run-1 is not in the ledger",
    );
  });

  it("keeps group progress apart from the group inventory of the same run", async () => {
    const { ledger } = setup();
    await ledger.putGroups("run-1", [groupRecord("web-a")]);
    await ledger.putProgress("run-1", [progress("web-a"), progress("web-b", { outcome: "NOT_STARTED" })]);
    expect(await ledger.listProgress("run-1")).toEqual([
      progress("web-a"),
      progress("web-b", { outcome: "NOT_STARTED" }),
    ]);
    expect(await ledger.getGroups("run-1")).toEqual([groupRecord("web-a")]);
  });

  it("stores the progress of a single group and replaces it on the next write", async () => {
    const { ledger } = setup();
    await ledger.putProgress("run-1", [progress("web-a")]);
    await ledger.putProgress("run-1", [progress("web-a", { outcome: "UPGRADED" })]);
    expect(await ledger.getProgress("run-1", "web-a")).toEqual(progress("web-a", { outcome: "UPGRADED" }));
    expect(await ledger.listProgress("run-1")).toHaveLength(1);
  });

  it("applies a change to one group's progress", async () => {
    const { ledger } = setup();
    await ledger.putProgress("run-1", [progress("web-a"), progress("web-b")]);
    const next = await ledger.updateProgress("run-1", "web-a", (p) => ({ ...p, checkpointsEvaluated: [20] }));
    expect(next.checkpointsEvaluated).toEqual([20]);
    expect((await ledger.getProgress("run-1", "web-a")).checkpointsEvaluated).toEqual([20]);
    expect((await ledger.getProgress("run-1", "web-b")).checkpointsEvaluated).toEqual([]);
  });

  it("names the group and the run when its progress is missing", async () => {
    const { ledger } = setup();
    await expect(ledger.getProgress("run-1", "web-x")).rejects.toThrow(
      "progress of group web-x in run run-1 is not in the ledger",
    );
  });
});

describe("RunLedger wait tokens", () => {
  const token = { token: "tok-1", runId: "run-1", group: "web-a" };

  it("hands a filed token to the first taker only", async () => {
    const { ledger } = setup();
    await ledger.putWaitToken("r-1", token, 1_900_000_000);
    expect(await ledger.takeWaitToken("r-1")).toEqual(token);
    expect(await ledger.takeWaitToken("r-1")).toBeUndefined();
  });

  it("finds no token under a key nothing was filed under", async () => {
    const { ledger } = setup();
    await ledger.putWaitToken("r-1", token, 1_900_000_000);
    expect(await ledger.takeWaitToken("r-2")).toBeUndefined();
    expect(await ledger.takeWaitToken("r-1")).toEqual(token);
  });

  it("files the token with its expiry so the table's TTL removes a forgotten one", async () => {
    const { ledger, store } = setup();
    await ledger.putWaitToken("r-1", token, 1_900_000_000);
    expect((await store.get("WAIT#r-1", "TOKEN"))?.expiresAt).toBe(1_900_000_000);
  });
});

describe("RunLedger group locks", () => {
  const t0 = new Date("2026-11-21T09:00:00.000Z");
  const later = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

  it("gives a free lock to the run that asks", async () => {
    const { ledger } = setup();
    expect(await ledger.acquireLock("web-a", "run-1", t0, 3600)).toBeNull();
  });

  it("lets the holding run take its lock again", async () => {
    const { ledger } = setup();
    await ledger.acquireLock("web-a", "run-1", t0, 3600);
    expect(await ledger.acquireLock("web-a", "run-1", later(60), 3600)).toBeNull();
  });

  it("answers another run with the holder", async () => {
    const { ledger } = setup();
    await ledger.acquireLock("web-a", "run-1", t0, 3600);
    expect(await ledger.acquireLock("web-a", "run-2", later(60), 3600)).toEqual({
      runId: "run-1",
      acquiredAt: "2026-11-21T09:00:00.000Z",
      expiresAt: Math.floor(t0.getTime() / 1000) + 3600,
    });
  });

  it("locks each group on its own", async () => {
    const { ledger } = setup();
    await ledger.acquireLock("web-a", "run-1", t0, 3600);
    expect(await ledger.acquireLock("web-b", "run-2", t0, 3600)).toBeNull();
  });

  it("lets another run take over an expired lock, which then holds it", async () => {
    const { ledger } = setup();
    await ledger.acquireLock("web-a", "run-1", t0, 3600);
    expect(await ledger.acquireLock("web-a", "run-2", later(3601), 3600)).toBeNull();
    expect(await ledger.acquireLock("web-a", "run-1", later(3700), 3600)).toMatchObject({ runId: "run-2" });
  });

  it("keeps the holder's original lock when it takes it again", async () => {
    const { ledger } = setup();
    await ledger.acquireLock("web-a", "run-1", t0, 3600);
    await ledger.acquireLock("web-a", "run-1", later(3000), 3600);
    expect(await ledger.acquireLock("web-a", "run-2", later(3500), 3600)).toEqual({
      runId: "run-1",
      acquiredAt: "2026-11-21T09:00:00.000Z",
      expiresAt: Math.floor(t0.getTime() / 1000) + 3600,
    });
  });

  it("takes a free lock after losing the race for it to a run that then released it", async () => {
    const { ledger, store } = setup();
    store.conflicts = 1;
    expect(await ledger.acquireLock("web-a", "run-1", t0, 3600)).toBeNull();
    expect(await ledger.acquireLock("web-a", "run-2", t0, 3600)).toMatchObject({ runId: "run-1" });
  });

  it("frees the lock when its holder releases it", async () => {
    const { ledger } = setup();
    await ledger.acquireLock("web-a", "run-1", t0, 3600);
    await ledger.releaseLock("web-a", "run-1");
    expect(await ledger.acquireLock("web-a", "run-2", later(60), 3600)).toBeNull();
  });

  it("keeps the lock when a run that does not hold it releases it", async () => {
    const { ledger } = setup();
    await ledger.acquireLock("web-a", "run-1", t0, 3600);
    await ledger.releaseLock("web-a", "run-2");
    expect(await ledger.acquireLock("web-a", "run-2", later(60), 3600)).toMatchObject({ runId: "run-1" });
  });

  it("never deletes a lock another run took over between its read and its delete", async () => {
    const { ledger, store } = setup();
    await ledger.acquireLock("web-a", "run-1", t0, 60);
    // run-1 reads its own (expired) lock; before it deletes, run-2 takes the lock over.
    store.afterNextGet = async () => {
      store.afterNextGet = null;
      expect(await ledger.acquireLock("web-a", "run-2", later(120), 3600)).toBeNull();
    };
    await ledger.releaseLock("web-a", "run-1");
    expect(await ledger.acquireLock("web-a", "run-3", later(180), 3600)).toMatchObject({ runId: "run-2" });
  });

  it("does nothing when releasing a lock nobody holds", async () => {
    const { ledger, store } = setup();
    await ledger.releaseLock("web-a", "run-1");
    expect(store.items.size).toBe(0);
  });

  it("gives up, naming the group, when the lock stays contended", async () => {
    const { ledger, store } = setup();
    store.conflicts = Number.POSITIVE_INFINITY;
    await expect(ledger.acquireLock("web-a", "run-1", t0, 3600)).rejects.toThrow(
      "the lock of group web-a is contended by too many writers",
    );
  });
});

describe("RunLedger group locks: expiry and takeover", () => {
  const t0 = new Date("2026-11-21T09:00:00.000Z");
  const later = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

  it("holds a lock up to the second before it expires and lets another run take it at that second", async () => {
    const { ledger } = setup();
    await ledger.acquireLock("web-a", "run-1", t0, 3600);
    expect(await ledger.acquireLock("web-a", "run-2", later(3599), 3600)).toMatchObject({ runId: "run-1" });
    expect(await ledger.acquireLock("web-a", "run-2", later(3600), 3600)).toBeNull();
    expect(await ledger.getLock("web-a")).toMatchObject({
      runId: "run-2",
      expiresAt: t0.getTime() / 1000 + 7200,
    });
  });

  it("loses a takeover to the run that took the expired lock over between its read and its write", async () => {
    const { ledger, store } = setup();
    await ledger.acquireLock("web-a", "run-1", t0, 60);
    // run-2 reads run-1's expired lock; before it writes, run-3 takes the lock over.
    store.afterNextGet = async () => {
      expect(await ledger.acquireLock("web-a", "run-3", later(120), 3600)).toBeNull();
    };
    expect(await ledger.acquireLock("web-a", "run-2", later(120), 3600)).toMatchObject({ runId: "run-3" });
    expect(await ledger.getLock("web-a")).toMatchObject({ runId: "run-3" });
  });
});

describe("RunLedger readiness (issue 11: an item per group, never in the run record)", () => {
  const entry = (group: string | null, level: "READY" | "WARN" = "READY") => ({
    group,
    level,
    findings: level === "WARN" ? [{ code: "WAVE_EMPTY" as const, message: "m", remedy: "r" }] : [],
  });

  it("answers nothing until the run-level entries are written, then every group by name and the run's entries last", async () => {
    const { ledger } = setup();
    await ledger.putRun(runRecord("run-r"));
    await ledger.putJudgedChunk("run-r", {
      offset: 0,
      entries: [entry("web"), entry("Api"), entry("api")],
      plannable: [{ name: "web", instances: 2, tags: {} }],
    });
    expect(await ledger.listReadiness("run-r")).toBeUndefined();
    await ledger.putRunReadiness("run-r", [entry(null, "WARN")]);
    const listed = await ledger.listReadiness("run-r");
    expect(listed?.map((e) => e.group)).toEqual(["Api", "api", "web", null]);
    const record = await ledger.getRun("run-r");
    expect(record?.readiness).toBeUndefined();
    expect(await ledger.listReadinessPlannable("run-r")).toEqual([{ name: "web", instances: 2, tags: {} }]);
  });

  it("reads a record written before issue 11 from the record itself", async () => {
    const { ledger } = setup();
    const old = runRecord("run-old", { readiness: [entry("web")] });
    await ledger.putRun(old);
    expect(await ledger.listReadiness("run-old", old)).toEqual([entry("web")]);
  });

  it("reads the inventory items of the groups named, leaving out a name without one", async () => {
    const { ledger } = setup();
    await ledger.putGroups("run-g", [groupRecord("a"), groupRecord("b")]);
    const found = await ledger.getGroupsNamed("run-g", ["b", "missing", "a"]);
    expect(found.map((g) => g.name).sort()).toEqual(["a", "b"]);
  });
});
