import { beforeEach, describe, expect, it } from "vitest";
import { bakeWaveTask } from "../../../src/tasks/bake-wave";
import { endWaveTask } from "../../../src/tasks/end-wave";
import { groupProgress, groupRecord, RUN_ID, runRecord, seed, type TaskWorld, taskWorld } from "./task-fakes";

let world: TaskWorld;

const NAMES = ["web-a", "web-b", "web-c"];
const wave = { index: 0, name: "early" };

/** Wave early has three upgraded groups, each watched by its own alarm. */
async function seedBaking(alarms: Record<string, string>) {
  await seed(
    world.ledger,
    runRecord(
      { rollback: { scope: "group" } },
      { waves: [{ name: "early", groups: NAMES, instances: 12, status: "RUNNING" }] },
    ),
    NAMES.map((name) => groupRecord(name, { tags: { "fleet-upgrade:alarms": `${name}-5xx` } })),
    NAMES.map((name) =>
      groupProgress(name, { outcome: "UPGRADED", launchTemplateVersion: { from: 3, to: 4 } }),
    ),
  );
  world.health.alarms = alarms;
  world.rollout.described = { desired: 4, inService: 4, healthyInService: 4, instances: [] };
}

beforeEach(() => {
  world = taskWorld();
});

describe("bakeWave", () => {
  it("marks every group that regressed in one look, and rollback scope group reverts each of them", async () => {
    await seedBaking({ "web-a-5xx": "ALARM", "web-b-5xx": "OK", "web-c-5xx": "ALARM" });

    const baked = await bakeWaveTask({ runId: RUN_ID, wave, bakeSeconds: 900 }, world.deps);

    expect(baked.bake?.done).toBe(true);
    const progress = await world.ledger.listProgress(RUN_ID);
    expect(progress.filter((p) => p.regressed).map((p) => [p.name, p.reason])).toEqual([
      ["web-a", "alarm web-a-5xx is ALARM"],
      ["web-c", "alarm web-c-5xx is ALARM"],
    ]);
    const run = await world.ledger.getRun(RUN_ID);
    expect(run?.halt).toEqual({
      status: "ROLLED_BACK",
      reason: "group web-a while wave early baked: alarm web-a-5xx is ALARM (also regressed: web-c)",
    });
    const ended = await endWaveTask({ runId: RUN_ID, wave, mode: "rollout" }, world.deps);
    expect(ended).toMatchObject({ mode: "revert", groups: ["web-a", "web-c"], revertCount: 2 });
  });

  it("counts a health read that fails while baking as a regression, naming the call", async () => {
    await seedBaking({ "web-a-5xx": "OK", "web-b-5xx": "OK", "web-c-5xx": "OK" });
    world.health.faults.alarmStates = Object.assign(new Error("Rate exceeded"), { name: "Throttling" });

    await bakeWaveTask({ runId: RUN_ID, wave, bakeSeconds: 900 }, world.deps);

    const progress = await world.ledger.listProgress(RUN_ID);
    expect(progress.every((p) => p.regressed)).toBe(true);
    expect(progress[0]?.reason).toContain("cloudwatch:DescribeAlarms failed (Throttling: Rate exceeded)");
    expect((await world.ledger.getRun(RUN_ID))?.halt?.status).toBe("ROLLED_BACK");
  });

  it("goes on baking while every group stays healthy", async () => {
    await seedBaking({ "web-a-5xx": "OK", "web-b-5xx": "OK", "web-c-5xx": "OK" });

    const baked = await bakeWaveTask({ runId: RUN_ID, wave, bakeSeconds: 900 }, world.deps);

    expect(baked.bake).toEqual({ done: false, waitSeconds: 300, remainingSeconds: 600 });
    expect((await world.ledger.getRun(RUN_ID))?.halt).toBeNull();
  });
});
