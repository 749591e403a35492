import type { RunRequestInput } from "@fleet-upgrade/core";
import { beforeEach, describe, expect, it } from "vitest";
import { bakeWaveTask } from "../../../src/tasks/bake-wave";
import { evaluateHealthTask } from "../../../src/tasks/evaluate-health";
import { verifyGroupTask } from "../../../src/tasks/verify-group";
import {
  groupProgress,
  groupRecord,
  NOW,
  RUN_ID,
  runRecord,
  seed,
  serviceFault,
  type TaskWorld,
  taskWorld,
} from "./task-fakes";

/** The regression judge in the tasks: evaluateHealth (two looks per checkpoint), verifyGroup, bakeWave. */

let world: TaskWorld;

const OLD = ["i-1", "i-2", "i-3", "i-4", "i-5", "i-6", "i-7", "i-8"];
const NEW = ["i-n1", "i-n2"];
const REACHED = new Date(NOW.getTime() - 540_000).toISOString();

const checkpointEvent = {
  kind: "checkpoint",
  instanceRefreshId: "ir-1",
  checkpoint: 20,
  percentage: 20,
  source: "event",
  reason: null,
};
const atCheckpoint = {
  runId: RUN_ID,
  wave: "canary",
  group: "web",
  phase: "waiting",
  event: checkpointEvent,
};
/** The second look, 540 s after the checkpoint was reached. */
const judging = { ...atCheckpoint, analysisWait: { checkpoint: 20, from: REACHED, waitSeconds: 540 } };

const inService = (ids: string[], version: string) =>
  ids.map((instanceId) => ({
    instanceId,
    launchTemplateVersion: version,
    healthy: true,
    lifecycleState: "InService",
  }));

/** web (10 instances) refreshing to version 4: 8 old at CPU 30, 2 new at `newLevel`; no SSM or alarm checks. */
async function seedGroup(newLevel: number, request: RunRequestInput = {}, described = [...OLD, ...NEW]) {
  await seed(
    world.ledger,
    runRecord({ health: { ssmOnline: false, verifyCompliance: false }, ...request }),
    [groupRecord("web", { desired: 10, instanceIds: OLD })],
    [
      groupProgress("web", {
        outcome: "RUNNING",
        launchTemplateVersion: { from: 3, to: 4 },
        instanceRefreshIds: ["ir-1"],
        refreshStartedAt: new Date(NOW.getTime() - 3_600_000).toISOString(),
      }),
    ],
  );
  world.rollout.described = {
    desired: 10,
    inService: 10,
    healthyInService: 10,
    instances: [
      ...inService(
        described.filter((id) => OLD.includes(id)),
        "3",
      ),
      ...inService(
        described.filter((id) => !OLD.includes(id)),
        "4",
      ),
    ],
  };
  for (const id of OLD) world.metrics.levels[id] = 30;
  for (const id of described.filter((i) => !OLD.includes(i))) world.metrics.levels[id] = newLevel;
}

beforeEach(() => {
  world = taskWorld();
});

describe("evaluateHealth runs the regression judge at every checkpoint", () => {
  it("asks to look again near the end of the checkpoint's delay, reading nothing yet", async () => {
    await seedGroup(30);

    const first = await evaluateHealthTask(atCheckpoint, world.deps);

    expect(first.health).toEqual({ healthy: true, verdict: null });
    // checkpointDelaySeconds 600: look again after 540 s, 60 s before the refresh goes on.
    expect(first.analysisWait).toEqual({ checkpoint: 20, from: NOW.toISOString(), waitSeconds: 540 });
    expect(world.metrics.reads).toEqual([]);
  });

  it("rolls back on a FAIL, naming the metric, both medians, the change and the p-value, and records it", async () => {
    await seedGroup(50);

    const second = await evaluateHealthTask(judging, world.deps);

    expect(second.health?.healthy).toBe(false);
    expect(second.health?.verdict).toMatch(
      /^AWS\/EC2 CPUUtilization regressed at checkpoint 20%: median [\d.]+ on 2 new instance\(s\) against [\d.]+ on 8 old \(\+\d+%, tolerance 25%, higher is worse\), p = /,
    );
    expect(second.analysisWait?.waitSeconds).toBe(0);
    // One read for both sides, over [reached, now).
    expect(world.metrics.reads).toHaveLength(1);
    expect(world.metrics.reads[0]).toMatchObject({ from: new Date(REACHED), to: NOW });
    const progress = await world.ledger.getProgress(RUN_ID, "web");
    expect(progress.analysis).toEqual([
      expect.objectContaining({
        at: "checkpoint 20%",
        metric: "AWS/EC2 CPUUtilization",
        baseline: expect.objectContaining({ instances: 8 }),
        canary: expect.objectContaining({ instances: 2 }),
        verdict: "FAIL",
      }),
    ]);
  });

  it("goes on after a PASS, and an INCONCLUSIVE (too few new instances) never fails the group", async () => {
    await seedGroup(31);
    const passed = await evaluateHealthTask(judging, world.deps);
    expect(passed.health).toEqual({ healthy: true, verdict: null });
    expect(passed.analysisWait?.waitSeconds).toBe(0);

    world = taskWorld();
    await seedGroup(90, {}, [...OLD, "i-n1"]);
    const inconclusive = await evaluateHealthTask(judging, world.deps);
    expect(inconclusive.health).toEqual({ healthy: true, verdict: null });
    expect((await world.ledger.getProgress(RUN_ID, "web")).analysis?.map((a) => a.verdict)).toEqual([
      "INCONCLUSIVE",
    ]);
  });

  it("judges nothing with health.analysis.enabled false: no wait, no read", async () => {
    await seedGroup(90, { health: { ssmOnline: false, analysis: { enabled: false } } });

    const first = await evaluateHealthTask(atCheckpoint, world.deps);

    expect(first.health).toEqual({ healthy: true, verdict: null });
    expect(first.analysisWait).toBeUndefined();
    expect(world.metrics.reads).toEqual([]);
  });

  it("fails closed, naming GetMetricData, when the series cannot be read", async () => {
    await seedGroup(30);
    world.metrics.fault = serviceFault("Throttling", "Rate exceeded");

    const second = await evaluateHealthTask(judging, world.deps);

    expect(second.health).toEqual({
      healthy: false,
      verdict:
        "health could not be judged, so it fails closed: cloudwatch:GetMetricData failed (Throttling: Rate exceeded)",
    });
  });
});

describe("verifyGroup and bakeWave judge the new instances against the pre-upgrade figures", () => {
  it("verifyGroup fails a group whose new instances all run hotter than its old ones did before the refresh", async () => {
    await seedGroup(50, {}, ["i-n1", "i-n2", "i-n3", "i-n4"]);
    const succeeded = { ...atCheckpoint, event: { ...checkpointEvent, kind: "succeeded", checkpoint: null } };

    const verified = await verifyGroupTask(succeeded, world.deps);

    expect(verified.verify?.done).toBe(true);
    expect(verified.health?.healthy).toBe(false);
    expect(verified.health?.verdict).toContain("AWS/EC2 CPUUtilization regressed at verify");
    // The baseline is read before the refresh started, the new instances over the last ten minutes.
    const started = NOW.getTime() - 3_600_000;
    expect(world.metrics.reads.map((r) => [r.instanceIds, r.from.getTime(), r.to.getTime()])).toEqual([
      [OLD, started - 600_000, started],
      [["i-n1", "i-n2", "i-n3", "i-n4"], NOW.getTime() - 600_000, NOW.getTime()],
    ]);
  });

  it("bakeWave halts the run and marks the group regressed when the judge FAILs it", async () => {
    await seedGroup(50, {}, ["i-n1", "i-n2", "i-n3", "i-n4"]);
    await world.ledger.updateProgress(RUN_ID, "web", (p) => ({ ...p, outcome: "UPGRADED" }));

    const baked = await bakeWaveTask(
      { runId: RUN_ID, wave: { index: 0, name: "canary" }, bakeSeconds: 900 },
      world.deps,
    );

    expect(baked.bake?.done).toBe(true);
    const run = await world.ledger.getRun(RUN_ID);
    expect(run?.halt?.status).toBe("ROLLED_BACK");
    expect(run?.halt?.reason).toContain(
      "group web while wave canary baked: AWS/EC2 CPUUtilization regressed at bake",
    );
    const progress = await world.ledger.getProgress(RUN_ID, "web");
    expect(progress.regressed).toBe(true);
    expect(progress.analysis?.map((a) => `${a.at} ${a.verdict}`)).toEqual(["bake FAIL"]);
  });
});
