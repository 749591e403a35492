import { beforeEach, describe, expect, it } from "vitest";
import { startRefreshTask } from "../../../src/tasks/start-refresh";
import {
  groupProgress,
  groupRecord,
  NEW_IMAGE,
  NOW,
  OLD_IMAGE,
  RUN_ID,
  refreshState,
  runRecord,
  seed,
  serviceFault,
  type TaskWorld,
  taskWorld,
} from "./task-fakes";

const state = { runId: RUN_ID, wave: "canary", group: "web", mode: "rollout" };

let world: TaskWorld;

beforeEach(() => {
  world = taskWorld();
});

describe("startRefresh", () => {
  it("starts one refresh on a new numbered launch template version with the request's preferences", async () => {
    const request = {
      rollout: {
        checkpoints: [30, 60],
        checkpointDelaySeconds: 120,
        minHealthyPercentage: 75,
        maxHealthyPercentage: 150,
        instanceWarmupSeconds: 90,
      },
      health: { alarms: ["fleet-5xx"] },
    };
    await seed(
      world.ledger,
      runRecord(request),
      [groupRecord("web", { tags: { "fleet-upgrade:alarms": "web-latency" } })],
      [groupProgress("web")],
    );

    const next = await startRefreshTask(state, world.deps);

    expect(world.rollout.created).toEqual([
      expect.objectContaining({ launchTemplateId: "lt-web", sourceVersion: 3, imageId: NEW_IMAGE }),
    ]);
    expect(world.rollout.started).toEqual([
      {
        groupName: "web",
        launchTemplateId: "lt-web",
        version: 4,
        minHealthyPercentage: 75,
        maxHealthyPercentage: 150,
        instanceWarmupSeconds: 90,
        checkpointPercentages: [30, 60],
        checkpointDelaySeconds: 120,
        alarmNames: ["fleet-5xx", "web-latency"],
        onAlarmsNote: expect.any(Function),
      },
    ]);
    expect(next).toMatchObject({ phase: "waiting", instanceRefreshId: "ir-started-1", lastCheckpoint: null });
    expect(next.pollAfterSeconds).toBeGreaterThan(0);
    const progress = await world.ledger.getProgress(RUN_ID, "web");
    expect(progress).toMatchObject({
      outcome: "RUNNING",
      launchTemplateVersion: { from: 3, to: 4 },
      instanceRefreshIds: ["ir-started-1"],
      refreshStartedAt: NOW.toISOString(),
    });
  });

  it("waits on the refresh its crashed first attempt started instead of starting a second", async () => {
    await seed(
      world.ledger,
      runRecord(),
      [groupRecord("web")],
      [
        groupProgress("web", {
          outcome: "RUNNING",
          launchTemplateVersion: { from: 3, to: 4 },
          instanceRefreshIds: ["ir-first"],
        }),
      ],
    );
    // The first attempt took the lock too; a retry must not see it as another run's.
    await world.ledger.acquireLock("web", RUN_ID, NOW, 3600);
    world.rollout.refreshes = [refreshState("ir-first", "web", "InProgress", "4")];

    const next = await startRefreshTask(state, world.deps);

    expect(world.rollout.started).toEqual([]);
    expect(world.rollout.created).toEqual([]);
    expect(next).toMatchObject({ phase: "waiting", instanceRefreshId: "ir-first" });
    expect(await world.ledger.getProgress(RUN_ID, "web")).toMatchObject({
      outcome: "RUNNING",
      instanceRefreshIds: ["ir-first"],
    });
  });

  it("counts a refresh already in progress with the run's desired version as its own", async () => {
    await seed(world.ledger, runRecord(), [groupRecord("web")], [groupProgress("web")]);
    // The earlier attempt's refresh was not listed yet when this one looked, so its start collides.
    world.rollout.startFault = {
      error: serviceFault("InstanceRefreshInProgressFault", "An Instance Refresh is already in progress"),
      appearing: [refreshState("ir-earlier", "web", "InProgress", "4")],
    };

    const next = await startRefreshTask(state, world.deps);

    expect(world.rollout.started).toHaveLength(1);
    expect(next).toMatchObject({ phase: "waiting", instanceRefreshId: "ir-earlier" });
    expect(await world.ledger.getProgress(RUN_ID, "web")).toMatchObject({
      outcome: "RUNNING",
      instanceRefreshIds: ["ir-earlier"],
    });
  });

  it("skips the group, naming the refresh, when a refresh this run did not start holds it", async () => {
    await seed(world.ledger, runRecord(), [groupRecord("web")], [groupProgress("web")]);
    world.rollout.refreshes = [refreshState("ir-someone-else", "web", "InProgress", "9")];

    const next = await startRefreshTask(state, world.deps);

    expect(world.rollout.started).toEqual([]);
    expect(world.rollout.created).toEqual([]);
    expect(next.phase).toBe("done");
    const progress = await world.ledger.getProgress(RUN_ID, "web");
    expect(progress.outcome).toBe("SKIPPED");
    expect(progress.reason).toContain("ir-someone-else");
  });

  it("skips the group, naming the other run, when that run holds the group's lock", async () => {
    await seed(world.ledger, runRecord(), [groupRecord("web")], [groupProgress("web")]);
    await world.ledger.acquireLock("web", "run-0", new Date("2026-11-21T08:00:00.000Z"), 3600 * 24);

    const next = await startRefreshTask(state, world.deps);

    expect(next.phase).toBe("done");
    expect(world.rollout.order).toEqual([]);
    const progress = await world.ledger.getProgress(RUN_ID, "web");
    expect(progress.outcome).toBe("SKIPPED");
    expect(progress.reason).toContain("run run-0");
  });

  it("builds a $Latest group's new version from the number it resolves to (plan pinned the group)", async () => {
    const group = groupRecord("web");
    group.launchTemplate = { ...group.launchTemplate, versionSpec: "$Latest", resolvedVersion: 7 };
    world.rollout.nextVersion = 8;
    await seed(
      world.ledger,
      runRecord(),
      [group],
      [groupProgress("web", { launchTemplateVersion: { from: 7, to: null } })],
    );

    await startRefreshTask(state, world.deps);

    expect(world.rollout.pinned).toEqual([]);
    expect(world.rollout.started[0]?.version).toBe(8);
  });

  it("starts nothing once the run is halted, saying why", async () => {
    await seed(
      world.ledger,
      runRecord({}, { halt: { status: "ROLLED_BACK", reason: "group api: alarm api-5xx is ALARM" } }),
      [groupRecord("web")],
      [groupProgress("web")],
    );

    const next = await startRefreshTask(state, world.deps);

    expect(next.phase).toBe("done");
    expect(world.rollout.order).toEqual([]);
    const progress = await world.ledger.getProgress(RUN_ID, "web");
    expect(progress.outcome).toBe("NOT_STARTED");
    expect(progress.reason).toBe("not started: group api: alarm api-5xx is ALARM");
  });

  it("marks a group already on the target image UPGRADED without a refresh", async () => {
    await seed(
      world.ledger,
      runRecord(),
      [groupRecord("web", { imageId: NEW_IMAGE })],
      [groupProgress("web", { fromImageId: NEW_IMAGE })],
    );

    const next = await startRefreshTask(state, world.deps);

    expect(next.phase).toBe("done");
    expect(world.rollout.order).toEqual([]);
    const progress = await world.ledger.getProgress(RUN_ID, "web");
    expect(progress.outcome).toBe("UPGRADED");
    expect(progress.notes.join(" ")).toContain(NEW_IMAGE);
  });

  it("leaves a group on the old image alone in a revert pass unless it was upgraded", async () => {
    await seed(
      world.ledger,
      runRecord({}, { halt: { status: "ROLLED_BACK", reason: "group api: alarm" } }),
      [groupRecord("web", { imageId: OLD_IMAGE })],
      [groupProgress("web", { outcome: "SKIPPED", reason: "locked" })],
    );

    const next = await startRefreshTask({ ...state, mode: "revert" }, world.deps);

    expect(next.phase).toBe("done");
    expect(world.rollout.order).toEqual([]);
  });

  describe("a revert pass (rollback scope wave or run)", () => {
    const halted = { halt: { status: "ROLLED_BACK" as const, reason: "group api: alarm api-5xx is ALARM" } };
    const upgraded = groupProgress("web", {
      outcome: "UPGRADED",
      toImageId: NEW_IMAGE,
      launchTemplateVersion: { from: 3, to: 4 },
      instanceRefreshIds: ["ir-1"],
    });

    it("takes the group's lock again before reverting, so no other run can take the group meanwhile", async () => {
      await seed(
        world.ledger,
        runRecord({ rollback: { scope: "wave" } }, halted),
        [groupRecord("web")],
        [upgraded],
      );
      world.rollout.refreshes = [refreshState("ir-1", "web", "Successful", "4")];

      const next = await startRefreshTask({ ...state, mode: "revert" }, world.deps);

      expect(next).toMatchObject({ phase: "waiting", rollingBack: true });
      expect(world.rollout.started.map((s) => s.version)).toEqual([3]);
      expect((await world.ledger.acquireLock("web", "run-2", NOW, 60))?.runId).toBe(RUN_ID);
    });

    it("reverts nothing and says so when another run took the group after it was upgraded", async () => {
      await seed(
        world.ledger,
        runRecord({ rollback: { scope: "wave" } }, halted),
        [groupRecord("web")],
        [upgraded],
      );
      await world.ledger.acquireLock("web", "run-2", NOW, 3600);

      const next = await startRefreshTask({ ...state, mode: "revert" }, world.deps);

      expect(next.phase).toBe("done");
      expect(world.rollout.started).toEqual([]);
      expect(world.rollout.rolledBack).toEqual([]);
      const progress = await world.ledger.getProgress(RUN_ID, "web");
      expect(progress.outcome).toBe("FAILED");
      expect(progress.reason).toContain("run run-2 took the group's lock");
      expect(progress.reason).toContain(`still runs ${NEW_IMAGE}`);
      expect((await world.ledger.acquireLock("web", "run-3", NOW, 60))?.runId).toBe("run-2");
    });

    it("names the group's own regression when it regressed while its wave baked", async () => {
      await seed(
        world.ledger,
        runRecord({}, halted),
        [groupRecord("web")],
        [{ ...upgraded, regressed: true, reason: "alarm web-5xx is ALARM" }],
      );
      world.rollout.refreshes = [refreshState("ir-1", "web", "Successful", "4")];

      await startRefreshTask({ ...state, mode: "revert" }, world.deps);

      expect((await world.ledger.getProgress(RUN_ID, "web")).reason).toBe(
        "rolled back: regressed while its wave baked: alarm web-5xx is ALARM",
      );
    });
  });
});

describe("startRefresh: what a retry, a second architecture or a failed start must not do", () => {
  const ARM_IMAGE = "ami-0newarm";
  const mixedRun = () => {
    const run = runRecord();
    const images = [
      ...(run.target?.images ?? []),
      {
        architecture: "arm64",
        sourceImageId: "ami-0sourcearm",
        sourceImageName: "al2023-ami-2023.9.20261110.0-kernel-6.1-arm64",
        imageId: ARM_IMAGE,
      },
    ];
    return runRecord({}, { target: { kernel: "6.1", kernelVersion: null, images } });
  };

  it("gives an arm64 group the arm64 image and an x86_64 group the x86_64 image", async () => {
    await seed(
      world.ledger,
      mixedRun(),
      [groupRecord("graviton", { architecture: "arm64" }), groupRecord("web")],
      [groupProgress("graviton"), groupProgress("web")],
    );

    await startRefreshTask({ ...state, group: "graviton" }, world.deps);
    await startRefreshTask(state, world.deps);

    expect(world.rollout.created.map((c) => [c.launchTemplateId, c.imageId])).toEqual([
      ["lt-graviton", ARM_IMAGE],
      ["lt-web", NEW_IMAGE],
    ]);
  });

  it("refuses, naming the run and the architecture, a group whose architecture has no target image", async () => {
    await seed(
      world.ledger,
      runRecord(),
      [groupRecord("graviton", { architecture: "arm64" })],
      [groupProgress("graviton")],
    );

    await expect(startRefreshTask({ ...state, group: "graviton" }, world.deps)).rejects.toThrow(
      `run ${RUN_ID} has no target image for arm64`,
    );
    expect(world.rollout.created).toEqual([]);
    expect(world.rollout.started).toEqual([]);
  });

  it.each(["UPGRADED", "SKIPPED", "FAILED", "ROLLED_BACK"] as const)(
    "starts no new refresh when a retried task finds the group already %s",
    async (outcome) => {
      const before = groupProgress("web", { outcome, reason: outcome === "UPGRADED" ? null : "earlier" });
      await seed(world.ledger, runRecord(), [groupRecord("web")], [before]);

      const next = await startRefreshTask(state, world.deps);

      expect(next.phase).toBe("done");
      expect(world.rollout.order).toEqual([]);
      expect(await world.ledger.getLock("web")).toBeUndefined();
      expect(await world.ledger.getProgress(RUN_ID, "web")).toEqual(before);
    },
  );

  it("takes the group's lock for a week, so it outlives any rollout yet frees itself if the run dies", async () => {
    await seed(world.ledger, runRecord(), [groupRecord("web")], [groupProgress("web")]);

    await startRefreshTask(state, world.deps);

    expect(await world.ledger.getLock("web")).toEqual({
      runId: RUN_ID,
      acquiredAt: NOW.toISOString(),
      expiresAt: NOW.getTime() / 1000 + 7 * 24 * 3600,
    });
  });

  it("lets a StartInstanceRefresh error other than a refresh in progress fail the task", async () => {
    await seed(world.ledger, runRecord(), [groupRecord("web")], [groupProgress("web")]);
    const limit = serviceFault("LimitExceededFault", "You have reached the limit of instance refreshes");
    world.rollout.startFault = { error: limit, appearing: [] };

    await expect(startRefreshTask(state, world.deps)).rejects.toBe(limit);
    const progress = await world.ledger.getProgress(RUN_ID, "web");
    expect(progress.outcome).toBe("RUNNING");
    expect(progress.reason).toBeNull();
  });

  it("skips the group, naming the refresh that won, when another start beat this one", async () => {
    await seed(world.ledger, runRecord(), [groupRecord("web")], [groupProgress("web")]);
    world.rollout.startFault = {
      error: serviceFault("InstanceRefreshInProgressFault", "An Instance Refresh is already in progress"),
      appearing: [refreshState("ir-racer", "web", "InProgress", "9")],
    };

    const next = await startRefreshTask(state, world.deps);

    expect(next.phase).toBe("done");
    expect(await world.ledger.getProgress(RUN_ID, "web")).toMatchObject({
      outcome: "SKIPPED",
      reason: "another instance refresh (ir-racer) started on the group first; the group was left alone",
    });
  });

  it("skips the group without naming a refresh when the one in progress has already gone", async () => {
    await seed(world.ledger, runRecord(), [groupRecord("web")], [groupProgress("web")]);
    world.rollout.startFault = {
      error: serviceFault("InstanceRefreshInProgressFault", "An Instance Refresh is already in progress"),
      appearing: [],
    };

    await startRefreshTask(state, world.deps);

    expect((await world.ledger.getProgress(RUN_ID, "web")).reason).toBe(
      "another instance refresh started on the group first; the group was left alone",
    );
  });
});
