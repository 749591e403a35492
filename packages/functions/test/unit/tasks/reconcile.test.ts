import { describe, expect, it } from "vitest";
import { finishTask, RunNotSettledError } from "../../../src/tasks/finish";
import { reconcileTask } from "../../../src/tasks/reconcile";
import {
  groupProgress,
  groupRecord,
  NOW,
  RUN_ID,
  refreshState,
  runRecord,
  seed,
  serviceFault,
  taskWorld,
} from "./task-fakes";

/** A run whose group web was left mid-refresh (r-1, template version 3 -> 4) when its execution ended. */
async function worldWithRefreshLeftRunning() {
  const world = taskWorld();
  await seed(
    world.ledger,
    runRecord(),
    [groupRecord("web")],
    [
      groupProgress("web", {
        outcome: "RUNNING",
        instanceRefreshIds: ["r-1"],
        launchTemplateVersion: { from: 3, to: 4 },
      }),
    ],
  );
  world.rollout.refreshes = [refreshState("r-1", "web", "InProgress", "4")];
  return world;
}

const stopped = { runId: RUN_ID, executionStatus: "ABORTED" as const, error: null };

describe("Finish", () => {
  it("releases the locks the run still holds, and no other run's", async () => {
    const world = taskWorld();
    const run = runRecord(
      {},
      { waves: [{ name: "canary", groups: ["web", "api"], instances: 8, status: "RUNNING" }] },
    );
    await seed(
      world.ledger,
      run,
      [groupRecord("web"), groupRecord("api")],
      [groupProgress("web", { outcome: "UPGRADED" }), groupProgress("api", { outcome: "UPGRADED" })],
    );
    await world.ledger.acquireLock("web", RUN_ID, NOW, 3600);
    await world.ledger.acquireLock("api", "another-run", NOW, 3600);
    await finishTask({ runId: RUN_ID }, world.deps);
    expect(await world.ledger.getLock("web")).toBeUndefined();
    expect((await world.ledger.getLock("api"))?.runId).toBe("another-run");
  });

  it("refuses to close a run with a group still running: the reconcile path takes over", async () => {
    const world = taskWorld();
    await seed(
      world.ledger,
      runRecord(),
      [groupRecord("web")],
      [groupProgress("web", { outcome: "RUNNING" })],
    );
    await expect(finishTask({ runId: RUN_ID }, world.deps)).rejects.toBeInstanceOf(RunNotSettledError);
    expect((await world.ledger.getRun(RUN_ID))?.endedAt).toBeNull();
  });

  it("still closes the record when writing it in full fails", async () => {
    const world = taskWorld();
    await seed(
      world.ledger,
      runRecord(),
      [groupRecord("web")],
      [groupProgress("web", { outcome: "UPGRADED" })],
    );
    const update = world.ledger.updateRun.bind(world.ledger);
    let calls = 0;
    world.ledger.updateRun = async (runId, change) => {
      calls++;
      if (calls === 1) throw new Error("Item size has exceeded the maximum allowed size");
      return update(runId, change);
    };
    await finishTask({ runId: RUN_ID }, world.deps);
    const run = await world.ledger.getRun(RUN_ID);
    expect(run?.status).toBe("SUCCEEDED");
    expect(run?.endedAt).not.toBeNull();
    expect(run?.groupOutcomes).toBeNull();
  });
});

describe("the reconcile path", () => {
  it("rolls back a refresh the run left running, waits, then closes ABORTED, unlocked and notified", async () => {
    const world = await worldWithRefreshLeftRunning();
    await world.ledger.acquireLock("web", RUN_ID, NOW, 3600);
    const first = await reconcileTask(
      { detail: { name: RUN_ID, status: "ABORTED", error: null, cause: null } },
      world.deps,
    );
    expect(first).toMatchObject({ done: false, runId: RUN_ID, executionStatus: "ABORTED" });
    expect(world.rollout.rolledBack).toEqual(["web"]);
    expect((await world.ledger.getRun(RUN_ID))?.endedAt).toBeNull();

    const [refresh] = world.rollout.refreshes;
    if (refresh) refresh.status = "RollbackSuccessful";
    const second = await reconcileTask(first, world.deps);
    expect(second).toMatchObject({ done: true, status: "ABORTED" });
    expect(world.rollout.rolledBack).toEqual(["web"]);
    const run = await world.ledger.getRun(RUN_ID);
    expect(run?.status).toBe("ABORTED");
    expect(run?.reason).toContain("stopped (StopExecution)");
    expect((await world.ledger.getProgress(RUN_ID, "web")).outcome).toBe("ROLLED_BACK");
    expect(await world.ledger.getLock("web")).toBeUndefined();
    expect(world.notifier.sent.map((n) => n.type)).toEqual(["RunFinished"]);
  });

  it("cancels a refresh that cannot be rolled back, and never calls a group UPGRADED", async () => {
    const world = await worldWithRefreshLeftRunning();
    world.rollout.rollbackFault = serviceFault("IrreversibleInstanceRefreshFault");
    await reconcileTask({ runId: RUN_ID, executionStatus: "TIMED_OUT" }, world.deps);
    expect(world.rollout.cancelled).toEqual(["web"]);
    const [refresh] = world.rollout.refreshes;
    if (refresh) refresh.status = "Cancelled";
    const done = await reconcileTask({ runId: RUN_ID, executionStatus: "TIMED_OUT" }, world.deps);
    expect(done).toMatchObject({ done: true, status: "FAILED" });
    expect((await world.ledger.getRun(RUN_ID))?.reason).toContain("timed out");
    const web = await world.ledger.getProgress(RUN_ID, "web");
    expect(web.outcome).toBe("FAILED");
    expect(web.reason).toContain("cancelled part-way");
  });

  it("leaves a run Finish closed as its execution ended as it is", async () => {
    const world = taskWorld();
    await seed(
      world.ledger,
      runRecord({}, { status: "ROLLED_BACK", reason: "group web: alarm", endedAt: NOW.toISOString() }),
      [groupRecord("web")],
      [groupProgress("web", { outcome: "ROLLED_BACK" })],
    );
    const done = await reconcileTask({ ...stopped, executionStatus: "FAILED" }, world.deps);
    expect(done).toMatchObject({ done: true, status: "ROLLED_BACK" });
    expect((await world.ledger.getRun(RUN_ID))?.reason).toBe("group web: alarm");
    expect(world.notifier.sent).toEqual([]);
  });
});
