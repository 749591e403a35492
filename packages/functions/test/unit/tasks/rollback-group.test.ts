import { abortEvent, refreshEventFromEventBridge } from "@fleet-upgrade/core";
import { beforeEach, describe, expect, it } from "vitest";
import { rollbackGroupTask } from "../../../src/tasks/rollback-group";
import type { GroupState } from "../../../src/tasks/shared/state";
import {
  groupProgress,
  groupRecord,
  RUN_ID,
  refreshState,
  runRecord,
  seed,
  serviceFault,
  type TaskWorld,
  taskWorld,
} from "./task-fakes";

const VERDICT = "alarm web-5xx is ALARM";

let world: TaskWorld;

/** The group refreshes from version 3 to 4 with ir-1, which is in the given status. */
async function seedRefresh(status: "InProgress" | "Successful", outcome: "RUNNING" | "UPGRADED" = "RUNNING") {
  await seed(
    world.ledger,
    runRecord({ rollout: { minHealthyPercentage: 80, maxHealthyPercentage: 120 } }),
    [groupRecord("web")],
    [
      groupProgress("web", {
        outcome,
        launchTemplateVersion: { from: 3, to: 4 },
        instanceRefreshIds: ["ir-1"],
        refreshStartedAt: "2026-11-21T09:30:00.000Z",
      }),
    ],
  );
  world.rollout.refreshes = [refreshState("ir-1", "web", status, "4")];
}

const unhealthy: GroupState = {
  runId: RUN_ID,
  wave: "canary",
  group: "web",
  phase: "waiting",
  instanceRefreshId: "ir-1",
  lastCheckpoint: 20,
  health: { healthy: false, verdict: VERDICT },
};

beforeEach(() => {
  world = taskWorld();
});

describe("rollbackGroup", () => {
  it("halts the run ROLLED_BACK naming the group and the verdict, and tells subscribers", async () => {
    await seedRefresh("InProgress");

    await rollbackGroupTask(unhealthy, world.deps);

    expect((await world.ledger.getRun(RUN_ID))?.halt).toEqual({
      status: "ROLLED_BACK",
      reason: `group web: ${VERDICT}`,
    });
    expect(world.notifier.sent).toEqual([
      expect.objectContaining({
        type: "GroupRolledBack",
        runId: RUN_ID,
        group: "web",
        status: "ROLLED_BACK",
      }),
    ]);
    expect(world.notifier.sent[0]?.summary).toContain(VERDICT);
  });

  it("names the operator's reason when an abort woke the group", async () => {
    await seedRefresh("InProgress");
    await world.ledger.updateRun(RUN_ID, (r) => ({
      ...r,
      halt: { status: "ABORTED", reason: "aborted by an operator: wrong image" },
    }));

    await rollbackGroupTask(
      { ...unhealthy, health: undefined, event: abortEvent("ir-1", "aborted by an operator: wrong image") },
      world.deps,
    );

    expect((await world.ledger.getRun(RUN_ID))?.halt?.status).toBe("ABORTED");
    expect((await world.ledger.getProgress(RUN_ID, "web")).reason).toBe(
      "rolled back: aborted by an operator: wrong image",
    );
    expect(world.rollout.rolledBack).toEqual(["web"]);
  });

  it("rolls back a refresh still in progress in place and waits for it", async () => {
    await seedRefresh("InProgress");

    const next = await rollbackGroupTask(unhealthy, world.deps);

    expect(world.rollout.rolledBack).toEqual(["web"]);
    expect(world.rollout.started).toEqual([]);
    expect(next).toMatchObject({ phase: "waiting", rollingBack: true, instanceRefreshId: "ir-1" });
    expect(next.event).toBeUndefined();
    expect(await world.ledger.getProgress(RUN_ID, "web")).toMatchObject({
      outcome: "RUNNING",
      reason: `rolled back: ${VERDICT}`,
    });
  });

  it("cancels a refresh that cannot roll back, then reverses to the previous version once the cancel settled", async () => {
    await seedRefresh("InProgress");
    world.rollout.rollbackFault = serviceFault(
      "IrreversibleInstanceRefreshFault",
      "The rollback could not be started: the launch template uses resolve:ssm",
    );

    const cancelling = await rollbackGroupTask(unhealthy, world.deps);

    expect(world.rollout.cancelled).toEqual(["web"]);
    expect(world.rollout.started).toEqual([]);
    expect(cancelling).toMatchObject({ phase: "waiting", rollingBack: true, instanceRefreshId: "ir-1" });

    // Woken while Auto Scaling still cancels: nothing new starts yet.
    const stillCancelling = await rollbackGroupTask(cancelling, world.deps);
    expect(world.rollout.started).toEqual([]);
    expect(stillCancelling).toMatchObject({ phase: "waiting", instanceRefreshId: "ir-1" });

    world.rollout.settle("ir-1", "Cancelled");
    const cancelled = refreshEventFromEventBridge("EC2 Auto Scaling Instance Refresh Cancelled", {
      InstanceRefreshId: "ir-1",
    });
    const reversing = await rollbackGroupTask(
      { ...stillCancelling, event: cancelled ?? undefined },
      world.deps,
    );

    expect(world.rollout.started).toEqual([expect.objectContaining({ groupName: "web", version: 3 })]);
    expect(world.rollout.cancelled).toEqual(["web"]);
    expect(reversing).toMatchObject({
      phase: "waiting",
      rollingBack: true,
      instanceRefreshId: "ir-started-1",
    });
    const progress = await world.ledger.getProgress(RUN_ID, "web");
    expect(progress.instanceRefreshIds).toEqual(["ir-1", "ir-started-1"]);
    expect(progress.notes.join(" ")).toContain("cancelled, then reversed");
  });

  it("reverses a finished refresh to the previous version with no checkpoints", async () => {
    await seedRefresh("Successful");
    const failedVerify: GroupState = {
      ...unhealthy,
      health: { healthy: false, verdict: "i-9 is not FIPS-enabled" },
    };

    const next = await rollbackGroupTask(failedVerify, world.deps);

    expect(world.rollout.rolledBack).toEqual([]);
    expect(world.rollout.started).toEqual([
      {
        groupName: "web",
        launchTemplateId: "lt-web",
        version: 3,
        minHealthyPercentage: 80,
        maxHealthyPercentage: 120,
        instanceWarmupSeconds: null,
        checkpointPercentages: [],
        checkpointDelaySeconds: 0,
        alarmNames: [],
        autoRollback: false,
      },
    ]);
    expect(next).toMatchObject({ phase: "waiting", rollingBack: true, instanceRefreshId: "ir-started-1" });
  });

  it("fails the group, touching nothing, when a refresh this run did not start holds it", async () => {
    await seedRefresh("Successful");
    world.rollout.refreshes.unshift(refreshState("ir-foreign", "web", "InProgress", "12"));

    const next = await rollbackGroupTask(unhealthy, world.deps);

    expect(next.phase).toBe("done");
    expect(world.rollout.rolledBack).toEqual([]);
    expect(world.rollout.started).toEqual([]);
    const progress = await world.ledger.getProgress(RUN_ID, "web");
    expect(progress.outcome).toBe("FAILED");
    expect(progress.reason).toContain("ir-foreign");
  });
});
