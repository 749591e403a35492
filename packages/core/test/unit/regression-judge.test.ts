import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  clusteredRankSum,
  type InstanceSamples,
  type JudgeInput,
  judgeMetric,
  upperNormalTail,
} from "../../src/regression-judge";

/** A small seeded generator (mulberry32) so every rate below is measured on the same draws. */
function seeded(seed: number) {
  let state = seed | 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  return { next, gauss };
}

type Rng = ReturnType<typeof seeded>;

/**
 * Instances of one image: each has its own level (a share `icc` of the variance lies between
 * instances), samples vary around it; the metric is `mean * (1 + shift)` with coefficient of variation cv.
 */
function fleet(
  rng: Rng,
  instances: number,
  samples: number,
  options: { mean?: number; cv?: number; icc?: number; shift?: number } = {},
): InstanceSamples[] {
  const { mean = 30, cv = 0.15, icc = 0, shift = 0 } = options;
  const centre = mean * (1 + shift);
  return Array.from({ length: instances }, (_, i) => {
    const level = centre * (1 + cv * Math.sqrt(icc) * rng.gauss());
    return {
      instanceId: `i-${i}`,
      values: Array.from({ length: samples }, () =>
        Math.max(0, level + centre * cv * Math.sqrt(1 - icc) * rng.gauss()),
      ),
    };
  });
}

const DEFAULTS = { worse: "higher", tolerance: 0.25, confidence: 0.99, minInstances: 2 } as const;

function failRate(trials: number, seed: number, draw: (rng: Rng) => JudgeInput): number {
  const rng = seeded(seed);
  let fails = 0;
  for (let t = 0; t < trials; t++) if (judgeMetric(draw(rng)).verdict === "FAIL") fails++;
  return fails / trials;
}

/** The nominal rate plus three binomial standard deviations: a bound a correct test stays under. */
const ceiling = (alpha: number, trials: number) => alpha + 3 * Math.sqrt((alpha * (1 - alpha)) / trials);

describe("judgeMetric: identical images never FAIL above the nominal rate", () => {
  const TRIALS = 2000;

  it.each([0.99, 0.95])("independent samples, no tolerance, confidence %s", (confidence) => {
    const rate = failRate(TRIALS, 1, (rng) => ({
      ...DEFAULTS,
      tolerance: 0,
      confidence,
      baseline: fleet(rng, 8, 10),
      canary: fleet(rng, 2, 10),
    }));
    expect(rate).toBeLessThanOrEqual(ceiling(1 - confidence, TRIALS));
  });

  it("instances with their own levels (pseudo-replication), default tolerance", () => {
    const rate = failRate(TRIALS, 2, (rng) => ({
      ...DEFAULTS,
      baseline: fleet(rng, 8, 10, { icc: 0.5 }),
      canary: fleet(rng, 2, 10, { icc: 0.5 }),
    }));
    expect(rate).toBeLessThanOrEqual(0.01);
  });

  it("counts instances, not samples: a naive rank-sum test would FAIL clustered data ten times too often", () => {
    const rng = seeded(3);
    let corrected = 0;
    let naive = 0;
    for (let t = 0; t < TRIALS; t++) {
      const baseline = fleet(rng, 8, 10, { icc: 0.5 }).map((i) => i.values);
      const canary = fleet(rng, 2, 10, { icc: 0.5 }).map((i) => i.values);
      const test = clusteredRankSum(baseline, canary);
      if (test.pValue <= 0.01) corrected++;
      // The same statistic with the variance of independent samples (80 x 20, no ties).
      const z = (test.u - (80 * 20) / 2 - 0.5) / Math.sqrt(((80 * 20) / 12) * 101);
      if (upperNormalTail(z) <= 0.01) naive++;
    }
    expect(naive / TRIALS).toBeGreaterThan(0.1);
    // Close to nominal: the instance effect is estimated from 8 degrees of freedom, so a little above.
    expect(corrected / TRIALS).toBeLessThanOrEqual(0.03);
  });
});

describe("judgeMetric: a large shift FAILs", () => {
  it("FAILs a 60% hotter canary of 2 instances against 8, whatever the seed", () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const rng = seeded(seed);
        const judgement = judgeMetric({
          ...DEFAULTS,
          baseline: fleet(rng, 8, 10, { icc: 0.1 }),
          canary: fleet(rng, 2, 10, { icc: 0.1, shift: 0.6 }),
        });
        expect(judgement.verdict).toBe("FAIL");
        expect(judgement.pValue).toBeLessThan(0.01);
      }),
      // Fixed seed: a 60% shift misses about once in 25,000 draws, so 200 random draws would fail a
      // run now and then; these 200 are the same every run.
      { numRuns: 200, seed: 20261128 },
    );
  });

  it("FAILs a 40% lower throughput when lower is worse", () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const rng = seeded(seed);
        expect(
          judgeMetric({
            ...DEFAULTS,
            worse: "lower",
            baseline: fleet(rng, 5, 20, { mean: 1000, cv: 0.1 }),
            canary: fleet(rng, 5, 20, { mean: 1000, cv: 0.1, shift: -0.4 }),
          }).verdict,
        ).toBe("FAIL");
      }),
      { numRuns: 100, seed: 20261128 },
    );
  });

  it("PASSes a large shift in the better direction", () => {
    const rng = seeded(9);
    const judgement = judgeMetric({
      ...DEFAULTS,
      baseline: fleet(rng, 8, 10),
      canary: fleet(rng, 2, 10, { shift: -0.5 }),
    });
    expect(judgement.verdict).toBe("PASS");
    expect(judgement.pValue).toBeGreaterThan(0.99);
    expect(judgement.change).toBeLessThan(-0.4);
  });

  it("PASSes a significant shift inside the tolerance", () => {
    const rng = seeded(10);
    const judgement = judgeMetric({
      ...DEFAULTS,
      baseline: fleet(rng, 20, 60, { cv: 0.05 }),
      canary: fleet(rng, 20, 60, { cv: 0.05, shift: 0.1 }),
    });
    expect(judgement.pValue).toBeLessThan(1e-6);
    expect(judgement.verdict).toBe("PASS");
    expect(judgement.explanation).toBe("significant but within the tolerance");
  });
});

describe("judgeMetric: the verdict does not depend on sample order", () => {
  const samples = fc.array(fc.double({ min: 0, max: 100, noNaN: true }), { minLength: 1, maxLength: 12 });
  const side = (min: number) =>
    fc
      .array(samples, { minLength: min, maxLength: 6 })
      .map((lists) => lists.map((values, i) => ({ instanceId: `i-${i}`, values })));
  const reshuffle = (instances: InstanceSamples[], keys: number[]): InstanceSamples[] => {
    let k = 0;
    const key = () => keys[k++ % keys.length] ?? 0;
    return instances
      .map((i) => ({
        instanceId: `x-${key()}`,
        values: i.values
          .map((v) => ({ v, key: key() }))
          .sort((a, b) => a.key - b.key)
          .map((x) => x.v),
      }))
      .map((i) => ({ i, key: key() }))
      .sort((a, b) => a.key - b.key)
      .map((x) => x.i);
  };

  it("gives the same judgement whatever the order of samples and instances", () => {
    fc.assert(
      fc.property(
        side(1),
        side(0),
        fc.array(fc.integer(), { minLength: 1, maxLength: 50 }),
        fc.constantFrom(0, 0.1, 0.25),
        (baseline, canary, keys, tolerance) => {
          const input = { ...DEFAULTS, tolerance, baseline, canary };
          const shuffled = { ...input, baseline: reshuffle(baseline, keys), canary: reshuffle(canary, keys) };
          expect(judgeMetric(shuffled)).toEqual(judgeMetric(input));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("judgeMetric: edge cases", () => {
  const base = (values: number[][]) => values.map((v, i) => ({ instanceId: `b-${i}`, values: v }));
  const can = (values: number[][]) => values.map((v, i) => ({ instanceId: `c-${i}`, values: v }));

  it("is INCONCLUSIVE with fewer new instances than minInstances, and says so", () => {
    const judgement = judgeMetric({
      ...DEFAULTS,
      baseline: base([
        [1, 2, 3],
        [4, 5, 6],
      ]),
      canary: can([[90, 91, 92, 93, 94]]),
    });
    expect(judgement.verdict).toBe("INCONCLUSIVE");
    expect(judgement.pValue).toBeNull();
    expect(judgement.canary).toEqual({ instances: 1, samples: 5, median: 92 });
    expect(judgement.explanation).toContain("fewer than minInstances (2)");
  });

  it("does not count an instance without samples (nor non-finite values) as an instance", () => {
    const judgement = judgeMetric({
      ...DEFAULTS,
      baseline: base([
        [1, 2, 3],
        [4, 5, 6],
      ]),
      canary: can([[90, 91, 92], [Number.NaN, Number.POSITIVE_INFINITY], []]),
    });
    expect(judgement.verdict).toBe("INCONCLUSIVE");
    expect(judgement.canary.instances).toBe(1);
  });

  it("is INCONCLUSIVE with too few samples on a side, or no baseline at all", () => {
    expect(judgeMetric({ ...DEFAULTS, baseline: base([[1, 2, 3]]), canary: can([[9], [9]]) }).verdict).toBe(
      "INCONCLUSIVE",
    );
    const empty = judgeMetric({
      ...DEFAULTS,
      baseline: [],
      canary: can([
        [9, 9],
        [9, 9],
      ]),
    });
    expect(empty).toMatchObject({ verdict: "INCONCLUSIVE", change: null, baseline: { median: null } });
    expect(judgeMetric({ ...DEFAULTS, baseline: [], canary: [] }).verdict).toBe("INCONCLUSIVE");
  });

  it("PASSes when every sample is equal (no variance, p = 1)", () => {
    const judgement = judgeMetric({
      ...DEFAULTS,
      tolerance: 0,
      baseline: base([
        [5, 5, 5],
        [5, 5, 5],
        [5, 5, 5],
      ]),
      canary: can([
        [5, 5, 5],
        [5, 5, 5],
      ]),
    });
    expect(judgement).toMatchObject({ verdict: "PASS", change: 0, pValue: 1 });
  });

  it("handles heavy ties with midranks: a canary stuck at the top FAILs, one tied with the baseline PASSes", () => {
    const baseline = base(Array.from({ length: 8 }, () => [1, 1, 2, 2, 2, 1, 1, 2, 2, 2]));
    const hot = judgeMetric({
      ...DEFAULTS,
      baseline,
      canary: can(Array.from({ length: 4 }, () => [3, 3, 3, 3, 3, 3, 3, 3, 3, 3])),
    });
    expect(hot.verdict).toBe("FAIL");
    const tied = judgeMetric({
      ...DEFAULTS,
      tolerance: 0,
      baseline,
      canary: can([
        [2, 2, 2, 2],
        [2, 2, 2, 2],
      ]),
    });
    expect(tied.verdict).toBe("PASS");
  });

  it("counts any rise from a baseline median of 0 as beyond the tolerance (change null)", () => {
    const judgement = judgeMetric({
      ...DEFAULTS,
      baseline: base(Array.from({ length: 8 }, () => [0, 0, 0, 0, 0, 0, 0, 0, 0, 1])),
      canary: can(Array.from({ length: 4 }, () => [3, 4, 5, 6, 3, 4, 5, 6, 3, 4])),
    });
    expect(judgement).toMatchObject({ verdict: "FAIL", change: null, baseline: { median: 0 } });
  });

  it("cannot tell an image from an instance with one instance a side: it counts each once and PASSes", () => {
    const judgement = judgeMetric({
      ...DEFAULTS,
      minInstances: 1,
      baseline: base([[10, 11, 12, 10, 11, 12, 10, 11]]),
      canary: can([[20, 21, 22, 20, 21, 22, 20, 21]]),
    });
    expect(judgement.designEffect).toBeGreaterThan(7);
    expect(judgement.verdict).toBe("PASS");
  });
});

describe("upperNormalTail", () => {
  it("matches the standard normal tail at known points, with relative precision far out", () => {
    expect(upperNormalTail(0)).toBeCloseTo(0.5, 7);
    expect(upperNormalTail(1.959964)).toBeCloseTo(0.025, 6);
    expect(upperNormalTail(2.326348)).toBeCloseTo(0.01, 6);
    expect(upperNormalTail(-2.326348)).toBeCloseTo(0.99, 6);
    expect(upperNormalTail(6) / 9.865876e-10).toBeCloseTo(1, 5);
  });
});
