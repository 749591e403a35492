import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  batchSize,
  groupLowerBoundSeconds,
  type RefreshPacing,
  refreshSegments,
  runLowerBoundSeconds,
  waveLowerBoundSeconds,
} from "../../src/lower-bound";

const PACING: RefreshPacing = {
  checkpoints: [20, 50],
  checkpointDelaySeconds: 600,
  minHealthyPercentage: 90,
  maxHealthyPercentage: 110,
  instanceWarmupSeconds: null,
};
const HARDENING = {
  builderLaunchSeconds: 90,
  stigSeconds: 600,
  fipsSeconds: 60,
  rebootSeconds: 60,
  imageSeconds: 300,
};

describe("refreshSegments", () => {
  it("splits the replacements at each checkpoint, then at N", () => {
    expect(refreshSegments(10, [20, 50])).toEqual([
      { size: 2, checkpoint: 20 },
      { size: 3, checkpoint: 50 },
      { size: 5, checkpoint: null },
    ]);
  });

  it("rounds checkpoint ends up and drops empty segments with their pause", () => {
    expect(refreshSegments(1, [20, 50])).toEqual([{ size: 1, checkpoint: 20 }]);
    expect(refreshSegments(3, [20, 21, 50])).toEqual([
      { size: 1, checkpoint: 20 },
      { size: 1, checkpoint: 50 },
      { size: 1, checkpoint: null },
    ]);
  });

  it("has no segment for an empty group and one without checkpoints", () => {
    expect(refreshSegments(0, [20, 50])).toEqual([]);
    expect(refreshSegments(7, [])).toEqual([{ size: 7, checkpoint: null }]);
  });

  it("refuses a negative or fractional desired count", () => {
    expect(() => refreshSegments(-1, [])).toThrow(RangeError);
    expect(() => refreshSegments(1.5, [])).toThrow(RangeError);
  });
});

describe("batchSize", () => {
  it("replaces N * (max - min) / 100 instances at once, at least one", () => {
    expect(batchSize(10, 90, 110)).toBe(2);
    expect(batchSize(4, 90, 110)).toBe(1);
    expect(batchSize(100, 90, 110)).toBe(20);
    expect(batchSize(10, 100, 100)).toBe(1);
    expect(batchSize(7, 0, 100)).toBe(7);
    expect(batchSize(0, 90, 110)).toBe(1);
  });
});

describe("groupLowerBoundSeconds", () => {
  it("adds batches of launch plus warmup and a pause after each checkpoint", () => {
    // segments 2, 3, 5 with batch 2: 1 + 2 + 3 batches of 180 s, plus two pauses of 600 s.
    expect(groupLowerBoundSeconds({ desired: 10, launchSeconds: 60, warmupSeconds: 120 }, PACING)).toBe(
      6 * 180 + 2 * 600,
    );
  });

  it("uses the request's warmup when set, longer or shorter than the group's (it overrides, as in AWS)", () => {
    const pacing = { ...PACING, checkpoints: [], instanceWarmupSeconds: 300 };
    expect(groupLowerBoundSeconds({ desired: 1, launchSeconds: 60, warmupSeconds: 120 }, pacing)).toBe(360);
    const shorter = { ...pacing, instanceWarmupSeconds: 10 };
    expect(groupLowerBoundSeconds({ desired: 1, launchSeconds: 60, warmupSeconds: 120 }, shorter)).toBe(70);
    const unset = { ...pacing, instanceWarmupSeconds: null };
    expect(groupLowerBoundSeconds({ desired: 1, launchSeconds: 60, warmupSeconds: 120 }, unset)).toBe(180);
  });

  it("is zero for an empty group", () => {
    expect(groupLowerBoundSeconds({ desired: 0, launchSeconds: 60, warmupSeconds: 120 }, PACING)).toBe(0);
  });

  it("can shrink as desired grows, because the batch grows with N", () => {
    // N=9: batch 1, 9 batches; N=10: batch 2, 6 batches. The contract's arithmetic, pinned.
    const at = (desired: number) =>
      groupLowerBoundSeconds(
        { desired, launchSeconds: 60, warmupSeconds: 120 },
        { ...PACING, checkpoints: [] },
      );
    expect(at(9)).toBe(9 * 180);
    expect(at(10)).toBe(5 * 180);
  });
});

describe("waveLowerBoundSeconds and runLowerBoundSeconds", () => {
  it("bounds a wave by its longest group or the total over the parallel lanes", () => {
    expect(waveLowerBoundSeconds([100, 100, 100], 2)).toBe(150);
    expect(waveLowerBoundSeconds([500, 100], 10)).toBe(500);
    expect(waveLowerBoundSeconds([], 10)).toBe(0);
  });

  it("adds bakes between consecutive non-empty waves and one hardening bake", () => {
    const rollout = { maxParallelGroups: 10, bakeSeconds: 900 };
    const waves = [[100], [], [200, 50], []];
    expect(runLowerBoundSeconds({ waves, rollout, hardening: HARDENING, hardens: true })).toBe(
      100 + 200 + 900 + 1110,
    );
    expect(runLowerBoundSeconds({ waves, rollout, hardening: HARDENING, hardens: false })).toBe(
      100 + 200 + 900,
    );
  });

  it("counts a wave of empty groups as non-empty for the bake", () => {
    const rollout = { maxParallelGroups: 1, bakeSeconds: 60 };
    expect(runLowerBoundSeconds({ waves: [[0], [10]], rollout, hardening: HARDENING, hardens: false })).toBe(
      70,
    );
  });

  it("is zero for a run with no groups and no hardening", () => {
    const rollout = { maxParallelGroups: 10, bakeSeconds: 900 };
    expect(runLowerBoundSeconds({ waves: [[], []], rollout, hardening: HARDENING, hardens: false })).toBe(0);
  });
});

const pacingArb: fc.Arbitrary<RefreshPacing> = fc
  .record({
    checkpoints: fc
      .uniqueArray(fc.integer({ min: 1, max: 99 }), { maxLength: 5 })
      .map((c) => c.sort((a, b) => a - b)),
    checkpointDelaySeconds: fc.integer({ min: 0, max: 3600 }),
    minHealthyPercentage: fc.integer({ min: 0, max: 100 }),
    spread: fc.integer({ min: 0, max: 100 }),
    instanceWarmupSeconds: fc.option(fc.integer({ min: 0, max: 3600 }), { nil: null }),
  })
  .map(({ spread, ...rest }) => ({
    ...rest,
    maxHealthyPercentage: Math.max(100, rest.minHealthyPercentage + spread),
  }));
const groupArb = fc.record({
  desired: fc.integer({ min: 0, max: 500 }),
  launchSeconds: fc.integer({ min: 0, max: 600 }),
  warmupSeconds: fc.integer({ min: 0, max: 600 }),
});

/** The refresh replayed one batch at a time, as the contract describes it. */
function simulateRefresh(
  group: { desired: number; launchSeconds: number; warmupSeconds: number },
  pacing: RefreshPacing,
): number {
  const n = group.desired;
  const batch = Math.max(
    1,
    Math.floor((n * (pacing.maxHealthyPercentage - pacing.minHealthyPercentage)) / 100),
  );
  const batchSeconds = group.launchSeconds + (pacing.instanceWarmupSeconds ?? group.warmupSeconds);
  const stops = [
    ...pacing.checkpoints.map((c) => ({ end: Math.ceil((n * c) / 100), pause: true })),
    { end: n, pause: false },
  ];
  let replaced = 0;
  let clock = 0;
  for (const stop of stops) {
    const start = replaced;
    while (replaced < stop.end) {
      replaced += Math.min(batch, stop.end - replaced);
      clock += batchSeconds;
    }
    if (stop.pause && replaced > start) clock += pacing.checkpointDelaySeconds;
  }
  return clock;
}

describe("lower bound properties", () => {
  it("equals a batch-by-batch replay of the refresh", () => {
    fc.assert(
      fc.property(groupArb, pacingArb, (group, pacing) => {
        expect(groupLowerBoundSeconds(group, pacing)).toBe(simulateRefresh(group, pacing));
      }),
    );
  });

  it("segments always add up to desired, each non-empty", () => {
    fc.assert(
      fc.property(groupArb, pacingArb, (group, pacing) => {
        const segments = refreshSegments(group.desired, pacing.checkpoints);
        expect(segments.reduce((s, x) => s + x.size, 0)).toBe(group.desired);
        for (const segment of segments) expect(segment.size).toBeGreaterThan(0);
      }),
    );
  });

  it("is zero for desired 0, whatever the pacing", () => {
    fc.assert(
      fc.property(groupArb, pacingArb, (group, pacing) => {
        expect(groupLowerBoundSeconds({ ...group, desired: 0 }, pacing)).toBe(0);
      }),
    );
  });

  it("is monotone in desired when one instance is replaced at a time and there is at most one checkpoint", () => {
    // With a batch that grows with N, or several close checkpoints, more instances can take less time
    // (see "can shrink as desired grows"); this is where the bound must grow.
    fc.assert(
      fc.property(
        groupArb,
        pacingArb,
        fc.integer({ min: 0, max: 50 }),
        fc.option(fc.integer({ min: 1, max: 99 }), { nil: undefined }),
        (group, pacing, extra, checkpoint) => {
          const oneAtATime = {
            ...pacing,
            checkpoints: checkpoint === undefined ? [] : [checkpoint],
            maxHealthyPercentage: 100,
            minHealthyPercentage: 100,
          };
          const smaller = groupLowerBoundSeconds(group, oneAtATime);
          const larger = groupLowerBoundSeconds({ ...group, desired: group.desired + extra }, oneAtATime);
          expect(larger).toBeGreaterThanOrEqual(smaller);
        },
      ),
    );
  });

  it("without checkpoints takes ceil(N / batch) batches", () => {
    fc.assert(
      fc.property(groupArb, pacingArb, (group, pacing) => {
        const noPause = { ...pacing, checkpoints: [], checkpointDelaySeconds: 0 };
        const n = group.desired;
        const batchSeconds = group.launchSeconds + (pacing.instanceWarmupSeconds ?? group.warmupSeconds);
        const bound = groupLowerBoundSeconds(group, noPause);
        const batch = batchSize(n, pacing.minHealthyPercentage, pacing.maxHealthyPercentage);
        expect(bound).toBe(Math.ceil(n / batch) * batchSeconds);
      }),
    );
  });

  it("a wave is never faster than its longest group nor than perfect parallelism", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 10_000 })),
        fc.integer({ min: 1, max: 1000 }),
        (bounds, lanes) => {
          const wave = waveLowerBoundSeconds(bounds, lanes);
          for (const b of bounds) expect(wave).toBeGreaterThanOrEqual(b);
          expect(wave * lanes).toBeGreaterThanOrEqual(bounds.reduce((s, b) => s + b, 0) - 1e-9);
        },
      ),
    );
  });
});

describe("lower bounds refuse counts that have no meaning", () => {
  it.each([0, -1, 1.5, Number.NaN])(
    "refuses maxParallelGroups %s rather than answering Infinity",
    (lanes) => {
      expect(() => waveLowerBoundSeconds([100, 200], lanes)).toThrow(
        new RangeError(`maxParallelGroups must be a positive integer, got ${lanes}`),
      );
      expect(() =>
        runLowerBoundSeconds({
          waves: [[100]],
          rollout: { maxParallelGroups: lanes, bakeSeconds: 0 },
          hardening: HARDENING,
          hardens: false,
        }),
      ).toThrow(RangeError);
    },
  );

  it("takes one lane as the smallest meaningful width: the groups run one after another", () => {
    expect(waveLowerBoundSeconds([100, 200], 1)).toBe(300);
  });

  it("names the count and its value when a group's size is not a count", () => {
    expect(() => refreshSegments(-1, [20])).toThrow("desired must be a non-negative integer, got -1");
    expect(() => batchSize(2.5, 90, 110)).toThrow("desired must be a non-negative integer, got 2.5");
  });
});
