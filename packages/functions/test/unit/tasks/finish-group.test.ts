import { refreshEventFromEventBridge, refreshEventFromState } from "@fleet-upgrade/core";
import { beforeEach, describe, expect, it } from "vitest";
import { finishGroupTask } from "../../../src/tasks/finish-group";
import {
  groupProgress,
  groupRecord,
  NOW,
  RUN_ID,
  refreshState,
  runRecord,
  seed,
  serviceFault,
  type TaskWorld,
  taskWorld,
} from "./task-fakes";

const STARTED_AT = "2026-11-21T09:30:00.000Z";
const CAPACITY = "Launching a new EC2 instance failed. Status Reason: InsufficientInstanceCapacity";

let world: TaskWorld;

/** The group was refreshing on version 4 with refresh ir-1, holding its lock. */
async function seedRefreshing(desired = 4): Promise<void> {
  await seed(
    world.ledger,
    runRecord(),
    [groupRecord("web", { desired })],
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
}

/** Whether another run could take the group now (null: the lock is free). */
const lockHolder = async () => (await world.ledger.acquireLock("web", "run-2", NOW, 60))?.runId ?? null;

const waiting = { runId: RUN_ID, wave: "canary", group: "web", phase: "waiting", instanceRefreshId: "ir-1" };

beforeEach(() => {
  world = taskWorld();
});

describe("finishGroup", () => {
  it("records a succeeded refresh UPGRADED with the lowest in-service share seen, to one decimal", async () => {
    await seedRefreshing(6);
    world.health.lowestInService = 5;
    world.rollout.described = {
      desired: 6,
      inService: 6,
      healthyInService: 6,
      instances: ["i-a", "i-b"].map((instanceId) => ({
        instanceId,
        launchTemplateVersion: "4",
        healthy: true,
        lifecycleState: "InService",
      })),
    };
    const event = refreshEventFromEventBridge("EC2 Auto Scaling Instance Refresh Succeeded", {
      InstanceRefreshId: "ir-1",
    });

    const result = await finishGroupTask(
      { ...waiting, event, health: { healthy: true, verdict: null } },
      world.deps,
    );

    expect(result).toEqual({ group: "web", outcome: "UPGRADED" });
    const progress = await world.ledger.getProgress(RUN_ID, "web");
    expect(progress).toMatchObject({ outcome: "UPGRADED", reason: null, minHealthyPercentObserved: 83.3 });
    expect(progress.notes).toEqual([]);
    expect(world.health.minInServiceAsked).toEqual([
      { groupName: "web", from: new Date(STARTED_AT), to: NOW },
    ]);
    expect((await world.ledger.getRun(RUN_ID))?.halt).toBeNull();
  });

  it("names instances left on the previous version after a succeeded refresh", async () => {
    await seedRefreshing();
    world.rollout.described = {
      desired: 4,
      inService: 4,
      healthyInService: 4,
      instances: [
        { instanceId: "i-new", launchTemplateVersion: "4", healthy: true, lifecycleState: "InService" },
        { instanceId: "i-standby", launchTemplateVersion: "3", healthy: true, lifecycleState: "Standby" },
      ],
    };
    const event = refreshEventFromEventBridge("EC2 Auto Scaling Instance Refresh Succeeded", {
      InstanceRefreshId: "ir-1",
    });

    await finishGroupTask({ ...waiting, event }, world.deps);

    const progress = await world.ledger.getProgress(RUN_ID, "web");
    expect(progress.outcome).toBe("UPGRADED");
    expect(progress.notes.join(" ")).toContain("i-standby");
    expect(progress.notes.join(" ")).not.toContain("i-new");
  });

  it("records a refresh a poll found failed as FAILED naming its StatusReason, and halts the run", async () => {
    await seedRefreshing();
    const failed = refreshState("ir-1", "web", "Failed", "4", CAPACITY);
    world.rollout.refreshes = [failed];
    const event = refreshEventFromState(failed, [20, 50], [], false);

    const result = await finishGroupTask({ ...waiting, event }, world.deps);

    expect(result.outcome).toBe("FAILED");
    const progress = await world.ledger.getProgress(RUN_ID, "web");
    expect(progress.outcome).toBe("FAILED");
    expect(progress.reason).toContain(CAPACITY);
    const run = await world.ledger.getRun(RUN_ID);
    expect(run?.halt?.status).toBe("FAILED");
    expect(run?.halt?.reason).toMatch(/^group web: /);
    expect(run?.halt?.reason).toContain(CAPACITY);
  });

  // Fails today: the EventBridge event carries a generic reason ("the instance refresh failed"), so
  // finishGroup's reasonOf never asks DescribeInstanceRefreshes for the refresh's StatusReason.
  // Remove `.fails` once the src names it.
  it("records a refresh its event reported failed as FAILED naming the refresh's StatusReason", async () => {
    await seedRefreshing();
    world.rollout.refreshes = [refreshState("ir-1", "web", "Failed", "4", CAPACITY)];
    const event = refreshEventFromEventBridge("EC2 Auto Scaling Instance Refresh Failed", {
      InstanceRefreshId: "ir-1",
    });

    await finishGroupTask({ ...waiting, event }, world.deps);

    const progress = await world.ledger.getProgress(RUN_ID, "web");
    expect(progress.outcome).toBe("FAILED");
    expect(progress.reason).toContain(CAPACITY);
  });

  it("rolls back the refresh still in progress when a step failed, so it never finishes unwatched", async () => {
    await seedRefreshing();
    world.rollout.refreshes = [refreshState("ir-1", "web", "InProgress", "4")];
    const error = {
      Error: "Lambda.Unknown",
      Cause: JSON.stringify({ errorMessage: "Task timed out after 30.00 seconds" }),
    };

    const result = await finishGroupTask({ ...waiting, error }, world.deps);

    expect(result.outcome).toBe("FAILED");
    expect(world.rollout.rolledBack).toEqual(["web"]);
    expect(world.rollout.refreshes[0]?.status).toBe("RollbackInProgress");
    const progress = await world.ledger.getProgress(RUN_ID, "web");
    expect(progress.reason).toContain("Task timed out after 30.00 seconds");
    expect(progress.reason).toContain("its refresh ir-1 was rolled back (RollbackInstanceRefresh)");
    const run = await world.ledger.getRun(RUN_ID);
    expect(run?.halt).toEqual({ status: "FAILED", reason: `group web: ${progress.reason}` });
    expect(await lockHolder()).toBeNull();
  });

  it("rolls back a refresh whose start was never recorded, found by the run's desired version", async () => {
    await seed(
      world.ledger,
      runRecord(),
      [groupRecord("web")],
      [groupProgress("web", { outcome: "RUNNING", launchTemplateVersion: { from: 3, to: 4 } })],
    );
    world.rollout.refreshes = [refreshState("ir-9", "web", "InProgress", "4")];

    await finishGroupTask({ ...waiting, error: { Error: "Sandbox.Timedout" } }, world.deps);

    expect(world.rollout.rolledBack).toEqual(["web"]);
    expect((await world.ledger.getProgress(RUN_ID, "web")).reason).toContain(
      "its refresh ir-9 was rolled back",
    );
  });

  it("cancels the refresh when it cannot be rolled back, and says the replaced instances keep the new version", async () => {
    await seedRefreshing();
    world.rollout.refreshes = [refreshState("ir-1", "web", "InProgress", "4")];
    world.rollout.rollbackFault = serviceFault("IrreversibleInstanceRefreshFault");

    await finishGroupTask({ ...waiting, error: { Error: "States.TaskFailed" } }, world.deps);

    expect(world.rollout.cancelled).toEqual(["web"]);
    const progress = await world.ledger.getProgress(RUN_ID, "web");
    expect(progress.outcome).toBe("FAILED");
    expect(progress.reason).toContain("could not be rolled back, so it was cancelled");
  });

  it("leaves a rollback in progress to end when the failure came while reverting", async () => {
    await seedRefreshing();
    world.rollout.refreshes = [refreshState("ir-1", "web", "RollbackInProgress", "4")];

    await finishGroupTask(
      { ...waiting, rollingBack: true, error: { Error: "States.TaskFailed" } },
      world.deps,
    );

    expect(world.rollout.rolledBack).toEqual([]);
    expect(world.rollout.cancelled).toEqual([]);
    expect((await world.ledger.getProgress(RUN_ID, "web")).reason).toContain("was already rolling back");
  });

  it("keeps a successful refresh UPGRADED and releases the lock when the in-service figure cannot be read", async () => {
    await seedRefreshing();
    world.health.faults.minInService = serviceFault("Throttling", "Rate exceeded");
    world.rollout.described = { desired: 4, inService: 4, healthyInService: 4, instances: [] };
    const event = refreshEventFromEventBridge("EC2 Auto Scaling Instance Refresh Succeeded", {
      InstanceRefreshId: "ir-1",
    });

    const result = await finishGroupTask(
      { ...waiting, event, health: { healthy: true, verdict: null } },
      world.deps,
    );

    expect(result.outcome).toBe("UPGRADED");
    const progress = await world.ledger.getProgress(RUN_ID, "web");
    expect(progress.minHealthyPercentObserved).toBeNull();
    expect(progress.notes).toEqual([
      "lowest in-service share unknown: cloudwatch:GetMetricStatistics failed (Throttling: Rate exceeded)",
    ]);
    expect((await world.ledger.getRun(RUN_ID))?.halt).toBeNull();
    expect(await lockHolder()).toBeNull();
  });

  it("keeps the first halt when a later group fails too", async () => {
    await seedRefreshing();
    await world.ledger.updateRun(RUN_ID, (r) => ({
      ...r,
      halt: { status: "ROLLED_BACK", reason: "group api: alarm api-5xx is ALARM" },
    }));

    await finishGroupTask({ ...waiting, error: { Error: "States.TaskFailed" } }, world.deps);

    expect((await world.ledger.getRun(RUN_ID))?.halt).toEqual({
      status: "ROLLED_BACK",
      reason: "group api: alarm api-5xx is ALARM",
    });
  });

  it("releases the group's lock after a failure", async () => {
    await seedRefreshing();
    expect(await lockHolder()).toBe(RUN_ID);

    await finishGroupTask({ ...waiting, error: { Error: "States.TaskFailed" } }, world.deps);

    expect(await lockHolder()).toBeNull();
  });

  it("releases the group's lock when the group was already done, keeping its outcome", async () => {
    await seedRefreshing();
    await world.ledger.updateProgress(RUN_ID, "web", (p) => ({ ...p, outcome: "SKIPPED", reason: "held" }));

    const result = await finishGroupTask({ ...waiting, phase: "done" }, world.deps);

    expect(result).toEqual({ group: "web", outcome: "SKIPPED" });
    expect(await lockHolder()).toBeNull();
  });
});

describe("finishGroup: an unhealthy success is no upgrade", () => {
  it("records a refresh that succeeded onto instances judged unhealthy as FAILED, naming the verdict", async () => {
    await seedRefreshing();
    const event = refreshEventFromEventBridge("EC2 Auto Scaling Instance Refresh Succeeded", {
      InstanceRefreshId: "ir-1",
    });

    const result = await finishGroupTask(
      { ...waiting, event, health: { healthy: false, verdict: "alarm web-5xx is ALARM" } },
      world.deps,
    );

    const reason =
      "the instance refresh succeeded, but the group was judged unhealthy: alarm web-5xx is ALARM";
    expect(result).toEqual({ group: "web", outcome: "FAILED" });
    expect(await world.ledger.getProgress(RUN_ID, "web")).toMatchObject({ outcome: "FAILED", reason });
    expect((await world.ledger.getRun(RUN_ID))?.halt).toEqual({
      status: "FAILED",
      reason: `group web: ${reason}`,
    });
    expect(await lockHolder()).toBeNull();
  });
});
