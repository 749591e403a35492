import { beforeEach, describe, expect, it, vi } from "vitest";
import { bakeWaveTask } from "../../../src/tasks/bake-wave";
import { endWaveTask } from "../../../src/tasks/end-wave";
import type { WaveState } from "../../../src/tasks/shared/state";
import { groupProgress, groupRecord, RUN_ID, runRecord, seed, type TaskWorld, taskWorld } from "./task-fakes";

let world: TaskWorld;

const NAMES = ["web-a", "web-b", "web-c"];
const wave = { index: 0, name: "early" };

/** Wave early has upgraded groups (three unless named), each watched by its own alarm. */
async function seedBaking(alarms: Record<string, string>, names = NAMES) {
  await seed(
    world.ledger,
    runRecord(
      { rollback: { scope: "group" } },
      { waves: [{ name: "early", groups: names, instances: 4 * names.length, status: "RUNNING" }] },
    ),
    names.map((name) => groupRecord(name, { tags: { "fleet-upgrade:alarms": `${name}-5xx` } })),
    names.map((name) =>
      groupProgress(name, { outcome: "UPGRADED", launchTemplateVersion: { from: 3, to: 4 } }),
    ),
  );
  world.health.alarms = alarms;
  world.rollout.described = { desired: 4, inService: 4, healthyInService: 4, instances: [] };
}

beforeEach(() => {
  world = taskWorld();
});

/** One whole look, as the state machine runs it: the task again at once while it answers a cursor. */
async function lookOnce(state: WaveState): Promise<{ last: WaveState; pages: WaveState[] }> {
  const pages: WaveState[] = [];
  let last = await bakeWaveTask(state, world.deps);
  while (last.bake?.cursor !== undefined) {
    pages.push(last);
    last = await bakeWaveTask(last, world.deps);
  }
  return { last, pages };
}

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

describe("bakeWave: how long, and whom it looks at", () => {
  /** Wave early with the given groups, upgraded unless said otherwise, each with an alarm in ALARM. */
  async function seedAlarming(names: string[], over: { halted?: boolean; skipped?: string[] } = {}) {
    const halt = over.halted ? { status: "FAILED" as const, reason: "group api: the refresh failed" } : null;
    await seed(
      world.ledger,
      runRecord({}, { waves: [{ name: "early", groups: names, instances: 4, status: "RUNNING" }], halt }),
      names.map((name) => groupRecord(name, { tags: { "fleet-upgrade:alarms": `${name}-5xx` } })),
      names.map((name) =>
        groupProgress(name, {
          outcome: over.skipped?.includes(name) ? "SKIPPED" : "UPGRADED",
          launchTemplateVersion: { from: 3, to: 4 },
        }),
      ),
    );
    world.health.alarms = Object.fromEntries(names.map((name) => [`${name}-5xx`, "ALARM"]));
    world.rollout.described = { desired: 4, inService: 4, healthyInService: 4, instances: [] };
  }

  it("counts down what is left of the bake, waiting at most five minutes between looks", async () => {
    await seedBaking({ "web-a-5xx": "OK", "web-b-5xx": "OK", "web-c-5xx": "OK" });
    const baking = { runId: RUN_ID, wave, bakeSeconds: 900 };

    const last = await bakeWaveTask(
      { ...baking, bake: { done: false, waitSeconds: 300, remainingSeconds: 200 } },
      world.deps,
    );
    expect(last.bake).toEqual({ done: false, waitSeconds: 200, remainingSeconds: 0 });
    const over = await bakeWaveTask(
      { ...baking, bake: { done: false, waitSeconds: 200, remainingSeconds: 0 } },
      world.deps,
    );
    expect(over.bake).toEqual({ done: true, waitSeconds: 0, remainingSeconds: 0 });
  });

  it("ends at once without a bake time", async () => {
    await seedBaking({ "web-a-5xx": "OK", "web-b-5xx": "OK", "web-c-5xx": "OK" });

    const baked = await bakeWaveTask({ runId: RUN_ID, wave, bakeSeconds: 0 }, world.deps);

    expect(baked.bake).toEqual({ done: true, waitSeconds: 0, remainingSeconds: 0 });
  });

  it("looks at nothing and ends the bake once the run is halted", async () => {
    await seedAlarming(["web-a"], { halted: true });

    const baked = await bakeWaveTask({ runId: RUN_ID, wave, bakeSeconds: 900 }, world.deps);

    expect(baked.bake).toEqual({ done: true, waitSeconds: 0, remainingSeconds: 0 });
    expect((await world.ledger.getProgress(RUN_ID, "web-a")).regressed).toBe(false);
    expect((await world.ledger.getRun(RUN_ID))?.halt?.reason).toBe("group api: the refresh failed");
  });

  it("judges only the groups that were upgraded", async () => {
    await seedAlarming(["web-a", "web-b"], { skipped: ["web-a"] });

    await bakeWaveTask({ runId: RUN_ID, wave, bakeSeconds: 900 }, world.deps);

    const progress = await world.ledger.listProgress(RUN_ID);
    expect(progress.map((p) => [p.name, p.regressed])).toEqual([
      ["web-a", false],
      ["web-b", true],
    ]);
  });

  it("looks at every group of a wave wider than ten and names five of the others that regressed", async () => {
    const names = Array.from({ length: 12 }, (_, i) => `web-${String(i + 1).padStart(2, "0")}`);
    await seedAlarming(names);

    await lookOnce({ runId: RUN_ID, wave, bakeSeconds: 900 });

    expect((await world.ledger.listProgress(RUN_ID)).filter((p) => p.regressed)).toHaveLength(12);
    expect((await world.ledger.getRun(RUN_ID))?.halt?.reason).toBe(
      "group web-01 while wave early baked: alarm web-01-5xx is ALARM " +
        "(also regressed: web-02, web-03, web-04, web-05, web-06 and 6 more)",
    );
  });
});

describe("bakeWave in pages of bounded calls", () => {
  const names = Array.from({ length: 12 }, (_, i) => `web-${String(i + 1).padStart(2, "0")}`);
  /** Twelve upgraded groups, each with its own alarm; only the alarms named are in ALARM. */
  async function seedWide(alarming: string[]) {
    await seedBaking(
      Object.fromEntries(names.map((name) => [`${name}-5xx`, alarming.includes(name) ? "ALARM" : "OK"])),
      names,
    );
    world.deps = { ...world.deps, settings: { ...world.deps.settings, callsPerInvocation: 20 } };
  }

  it("halts the run on the last page for regressions found on earlier and later pages, and reverts each", async () => {
    await seedWide(["web-02", "web-11"]);

    const { last, pages } = await lookOnce({ runId: RUN_ID, wave, bakeSeconds: 900 });

    expect(pages.length).toBeGreaterThan(1);
    // The pages of one look come at once: no wait, and the bake's clock does not move.
    for (const page of pages)
      expect(page.bake).toMatchObject({ done: false, waitSeconds: 0, remainingSeconds: 900 });
    // What an earlier page found rides along until the last page halts the run.
    expect(pages.find((p) => p.bake?.found)?.bake?.found).toEqual({
      count: 1,
      first: { name: "web-02", verdict: "alarm web-02-5xx is ALARM" },
      also: [],
    });
    expect(last.bake).toEqual({ done: true, waitSeconds: 0, remainingSeconds: 0 });
    expect((await world.ledger.getRun(RUN_ID))?.halt).toEqual({
      status: "ROLLED_BACK",
      reason: "group web-02 while wave early baked: alarm web-02-5xx is ALARM (also regressed: web-11)",
    });
    const progress = await world.ledger.listProgress(RUN_ID);
    expect(progress.filter((p) => p.regressed).map((p) => p.name)).toEqual(["web-02", "web-11"]);
    const ended = await endWaveTask({ runId: RUN_ID, wave, mode: "rollout" }, world.deps);
    expect(ended).toMatchObject({ mode: "revert", groups: ["web-02", "web-11"], revertCount: 2 });
  });

  it("halts on a regression found only on the last page, which no page before it saw", async () => {
    await seedWide(["web-12"]);

    const { pages } = await lookOnce({ runId: RUN_ID, wave, bakeSeconds: 900 });

    expect(pages.length).toBeGreaterThan(1);
    expect(pages.every((p) => p.bake?.found === undefined)).toBe(true);
    expect((await world.ledger.getRun(RUN_ID))?.halt?.reason).toBe(
      "group web-12 while wave early baked: alarm web-12-5xx is ALARM",
    );
  });

  it("keeps the bake's timing when every page is healthy: the last page waits as one look would", async () => {
    await seedWide([]);

    const { last } = await lookOnce({ runId: RUN_ID, wave, bakeSeconds: 900 });

    expect(last.bake).toEqual({ done: false, waitSeconds: 300, remainingSeconds: 600 });
    expect((await world.ledger.getRun(RUN_ID))?.halt).toBeNull();
  });

  it("reads the alarms of a page's groups in one call, not one per group", async () => {
    await seedWide(["web-05"]);
    world.deps = { ...world.deps, settings: { ...world.deps.settings, callsPerInvocation: 40 } };
    const alarmReads = vi.spyOn(world.health, "alarmStates");

    const { pages } = await lookOnce({ runId: RUN_ID, wave, bakeSeconds: 900 });

    expect(alarmReads).toHaveBeenCalledTimes(pages.length + 1);
    expect(alarmReads.mock.calls.length).toBeLessThan(names.length);
    expect((await world.ledger.getRun(RUN_ID))?.halt?.reason).toBe(
      "group web-05 while wave early baked: alarm web-05-5xx is ALARM",
    );
  });

  it("counts a group an earlier attempt of the page marked regressed, without looking at it again", async () => {
    await seedWide([]);
    await world.ledger.updateProgress(RUN_ID, "web-03", (p) => ({
      ...p,
      regressed: true,
      reason: "alarm web-03-5xx is ALARM",
    }));

    await lookOnce({ runId: RUN_ID, wave, bakeSeconds: 900 });

    expect((await world.ledger.getRun(RUN_ID))?.halt?.reason).toBe(
      "group web-03 while wave early baked: alarm web-03-5xx is ALARM",
    );
  });
});
