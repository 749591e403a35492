import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_HARDENING_ESTIMATE,
  type EstimateGroup,
  type EstimateRollout,
  estimateGroupsOf,
  estimateRunSeconds,
  type GroupRefreshProgress,
  timeLeftSeconds,
} from "../../src/estimate";
import { groupLowerBoundSeconds } from "../../src/lower-bound";

const ROLLOUT: EstimateRollout = {
  checkpoints: [20, 50],
  checkpointDelaySeconds: 600,
  minHealthyPercentage: 90,
  maxHealthyPercentage: 110,
  instanceWarmupSeconds: null,
  maxParallelGroups: 10,
  bakeSeconds: 900,
};
const GROUPS: Record<string, EstimateGroup> = {
  canary: { desired: 2, launchSeconds: 60, warmupSeconds: 120 },
  web: { desired: 10, launchSeconds: 60, warmupSeconds: 120 },
  api: { desired: 4, launchSeconds: 60, warmupSeconds: 300 },
};
const WAVES = [["canary"], ["web", "api"]];
const bound = (name: string): number => groupLowerBoundSeconds(GROUPS[name] as EstimateGroup, ROLLOUT);
const HARDEN = 90 + 600 + 60 + 60 + 300;

describe("estimateRunSeconds", () => {
  it("is the plan's lower bound plus the bake between waves plus the hardening bake", () => {
    const expected = bound("canary") + Math.max(bound("web"), bound("api")) + 900 + HARDEN;
    expect(
      estimateRunSeconds({
        waves: WAVES,
        groups: GROUPS,
        rollout: ROLLOUT,
        hardening: DEFAULT_HARDENING_ESTIMATE,
        hardens: true,
      }),
    ).toBe(expected);
  });

  it("is not zero for a plan with groups (a dry run used to say 00:00:00)", () => {
    expect(
      estimateRunSeconds({
        waves: [["web"]],
        groups: GROUPS,
        rollout: ROLLOUT,
        hardening: DEFAULT_HARDENING_ESTIMATE,
        hardens: false,
      }),
    ).toBe(bound("web"));
    expect(bound("web")).toBeGreaterThan(0);
  });

  it("empty waves add no bake", () => {
    const seconds = estimateRunSeconds({
      waves: [[], ["web"], []],
      groups: GROUPS,
      rollout: ROLLOUT,
      hardening: DEFAULT_HARDENING_ESTIMATE,
      hardens: false,
    });
    expect(seconds).toBe(bound("web"));
  });
});

const progress = (over: Record<string, Partial<GroupRefreshProgress>> = {}): GroupRefreshProgress[][] =>
  WAVES.map((names) => names.map((name) => ({ name, done: false, percentReplaced: 0, ...over[name] })));

const left = (
  waves: GroupRefreshProgress[][],
  extra: { hardeningDone?: boolean; bakeElapsedSeconds?: number } = {},
) =>
  timeLeftSeconds({
    waves,
    groups: GROUPS,
    rollout: ROLLOUT,
    hardening: DEFAULT_HARDENING_ESTIMATE,
    hardens: true,
    hardeningDone: extra.hardeningDone ?? false,
    ...(extra.bakeElapsedSeconds === undefined ? {} : { bakeElapsedSeconds: extra.bakeElapsedSeconds }),
  });

describe("timeLeftSeconds", () => {
  it("with no progress equals the estimate", () => {
    expect(left(progress())).toBe(
      estimateRunSeconds({
        waves: WAVES,
        groups: GROUPS,
        rollout: ROLLOUT,
        hardening: DEFAULT_HARDENING_ESTIMATE,
        hardens: true,
      }),
    );
  });

  it("counts what is left: canary done, bake half over, second wave not started", () => {
    const seconds = left(progress({ canary: { done: true } }), {
      hardeningDone: true,
      bakeElapsedSeconds: 450,
    });
    expect(seconds).toBe(450 + Math.max(bound("web"), bound("api")));
  });

  it("scales a running group by the share it still has to replace", () => {
    const seconds = left(
      progress({ canary: { done: true }, web: { percentReplaced: 50 }, api: { done: true } }),
      {
        hardeningDone: true,
      },
    );
    expect(seconds).toBe(bound("web") / 2);
  });

  it("is 0 once every group is done", () => {
    expect(
      left(progress({ canary: { done: true }, web: { done: true }, api: { done: true } }), {
        hardeningDone: true,
      }),
    ).toBe(0);
  });

  it("property: more progress never adds time", () => {
    const step = fc.record({
      done: fc.boolean(),
      percentReplaced: fc.integer({ min: 0, max: 100 }),
    });
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 3, maxLength: 3 }),
        fc.array(fc.nat(100), { minLength: 3, maxLength: 3 }),
        (a, more) => {
          const names = ["canary", "web", "api"];
          const before: Record<string, Partial<GroupRefreshProgress>> = {};
          const after: Record<string, Partial<GroupRefreshProgress>> = {};
          names.forEach((name, i) => {
            const s = a[i] as { done: boolean; percentReplaced: number };
            before[name] = s;
            after[name] = {
              done: s.done,
              percentReplaced: Math.min(100, s.percentReplaced + (more[i] ?? 0)),
            };
          });
          expect(left(progress(after), { hardeningDone: true })).toBeLessThanOrEqual(
            left(progress(before), { hardeningDone: true }),
          );
        },
      ),
    );
  });
});

describe("estimateGroupsOf", () => {
  it("takes the group's own warmup, else the stage's estimate", () => {
    const tuning = { launchEstimateSeconds: 60, warmupEstimateSeconds: 300 };
    expect(
      estimateGroupsOf(
        [
          { name: "web", desired: 4, defaultInstanceWarmup: 90 },
          { name: "api", desired: 2, defaultInstanceWarmup: null },
        ],
        tuning,
      ),
    ).toEqual({
      web: { desired: 4, launchSeconds: 60, warmupSeconds: 90 },
      api: { desired: 2, launchSeconds: 60, warmupSeconds: 300 },
    });
  });
});
