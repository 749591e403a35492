import { refreshEventFromEventBridge, refreshEventFromState } from "@fleet-upgrade/core";
import { beforeEach, describe, expect, it } from "vitest";
import { RecordingMetricsSink } from "../../../src/runtime/metrics";
import { finishGroupTask } from "../../../src/tasks/finish-group";
import { reconcileTask } from "../../../src/tasks/reconcile";
import {
  groupProgress,
  groupRecord,
  NOW,
  RUN_ID,
  refreshState,
  runRecord,
  seed,
  type TaskWorld,
  taskWorld,
} from "./task-fakes";

/** Thirty minutes before the fakes' clock. */
const STARTED_AT = "2026-11-21T09:30:00.000Z";
const waiting = { runId: RUN_ID, wave: "canary", group: "web", phase: "waiting", instanceRefreshId: "ir-1" };

let world: TaskWorld;
let sink: RecordingMetricsSink;

beforeEach(async () => {
  world = taskWorld();
  sink = new RecordingMetricsSink();
  world.deps = { ...world.deps, metricsSink: sink };
  await seed(
    world.ledger,
    runRecord(),
    [groupRecord("web", { desired: 0 })],
    [
      groupProgress("web", {
        outcome: "RUNNING",
        launchTemplateVersion: { from: 3, to: 4 },
        instanceRefreshIds: ["ir-1"],
        refreshStartedAt: STARTED_AT,
      }),
    ],
  );
  await world.ledger.acquireLock("web", RUN_ID, NOW, 3600);
});

describe("the metrics operators chart", () => {
  it("a group whose refresh succeeded counts one group upgraded and its refresh minutes", async () => {
    const event = refreshEventFromEventBridge("EC2 Auto Scaling Instance Refresh Succeeded", {
      InstanceRefreshId: "ir-1",
    });
    await finishGroupTask({ ...waiting, event, health: { healthy: true, verdict: null } }, world.deps);
    expect(sink.recorded).toEqual([
      { metric: "GroupsUpgraded", value: 1 },
      { metric: "RefreshMinutes", value: 30 },
    ]);
  });

  it("a group whose refresh rolled itself back counts one group rolled back, not upgraded", async () => {
    const rolledBack = refreshState("ir-1", "web", "RollbackSuccessful", "4");
    world.rollout.refreshes = [rolledBack];
    const event = refreshEventFromState(rolledBack, [20, 50], [], false);
    const result = await finishGroupTask({ ...waiting, event }, world.deps);
    expect(result.outcome).toBe("ROLLED_BACK");
    expect(sink.recorded).toEqual([
      { metric: "GroupsRolledBack", value: 1 },
      { metric: "RefreshMinutes", value: 30 },
    ]);
  });

  it("a failed group counts neither, only its refresh minutes", async () => {
    const failed = refreshState("ir-1", "web", "Failed", "4", "capacity");
    world.rollout.refreshes = [failed];
    const event = refreshEventFromState(failed, [20, 50], [], false);
    await finishGroupTask({ ...waiting, event }, world.deps);
    expect(sink.recorded).toEqual([{ metric: "RefreshMinutes", value: 30 }]);
  });

  it("a group the reconcile path finds rolled back counts one group rolled back", async () => {
    world.rollout.refreshes = [refreshState("ir-1", "web", "RollbackSuccessful", "4")];
    const done = await reconcileTask(
      { detail: { name: RUN_ID, status: "ABORTED", error: null, cause: null } },
      world.deps,
    );
    expect(done).toMatchObject({ done: true, status: "ABORTED" });
    expect(sink.recorded).toEqual([
      { metric: "GroupsRolledBack", value: 1 },
      { metric: "RefreshMinutes", value: 30 },
    ]);
  });
});
