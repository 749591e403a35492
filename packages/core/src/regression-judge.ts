// Over 300 lines on purpose: one statistical test, with the reasoning behind each choice written next to it.
/**
 * The regression judge: are the new-image instances (the canary) worse than the old-image ones (the
 * baseline) on one metric, over the same window? Pure: numbers in, a verdict out.
 *
 * The test. A one-sided Wilcoxon-Mann-Whitney rank-sum test (Mann & Whitney 1947, Ann. Math.
 * Statist. 18:50-60): nonparametric, so a skewed metric (CPU, latency, memory) needs no normality,
 * and one noisy minute cannot dominate it the way it dominates a t-test. Ties get midranks and the
 * usual tie-corrected variance; the p-value comes from the normal approximation with a continuity
 * correction (Hollander, Wolfe & Chicken, "Nonparametric Statistical Methods", 3rd ed., 4.1).
 *
 * The unit. Samples of one instance are not independent: an instance has its own level (its share
 * of the load balancer, its neighbours, its own processes), so ten samples of one instance carry
 * much less than ten instances' worth of information. Ranking the samples as if they were
 * independent (pseudo-replication, Hurlbert 1984, Ecol. Monogr. 54:187-211) makes the test far too
 * confident: with the instance level holding half the variance, a naive rank-sum test on two new
 * instances of ten samples each FAILs identical images many times more often than its nominal rate
 * (see the clustered property test). Testing per-instance aggregates instead is valid but cannot
 * judge early: with 2 new and 8 old instances, the smallest p-value any rank test can give is
 * 1/C(10,2) = 0.022, never below 0.01. So the sample is the unit of ranking and the instance the unit
 * of replication: the rank-sum variance is inflated by the design effect (Kish 1965, "Survey
 * Sampling", 8.2) computed from the intraclass correlation of the ranks, estimated by one-way ANOVA
 * of the ranks on instances nested in the two sides. This is a simplified form of the clustered
 * Wilcoxon test of Rosner, Glynn & Lee (2003, Biometrics 59:1089-1098, "Incorporation of clustering
 * effects for the Wilcoxon rank sum test: a large-sample approach"). When the instance effect is nil
 * it is the plain test; when it dominates, the test counts instances, not samples; when it cannot
 * be estimated (one instance per side) it assumes the worst (every instance counts once).
 *
 * The effect size. Significance alone FAILs a harmless 2% change once samples are many, so a FAIL
 * also needs the relative change of the median beyond the tolerance in the worse direction.
 */

export type Worse = "higher" | "lower";
export type Verdict = "PASS" | "FAIL" | "INCONCLUSIVE";

/** The samples of one instance over the window. */
export interface InstanceSamples {
  instanceId: string;
  values: readonly number[];
}

export interface JudgeInput {
  /** Old-image instances (or the group's pre-upgrade figures). */
  baseline: readonly InstanceSamples[];
  /** New-image instances. */
  canary: readonly InstanceSamples[];
  worse: Worse;
  /** Relative change of the median tolerated in the worse direction (0.25: 25%). */
  tolerance: number;
  /** One-sided confidence (0.99: FAIL needs p <= 0.01). */
  confidence: number;
  /** Fewer new instances with data than this: INCONCLUSIVE. */
  minInstances: number;
}

export interface Side {
  /** Instances that gave at least one sample. */
  instances: number;
  samples: number;
  /** Median of every sample of the side; null without samples. */
  median: number | null;
}

export interface Judgement {
  verdict: Verdict;
  baseline: Side;
  canary: Side;
  /** (canary median - baseline median) / |baseline median|; null without data or with a baseline median of 0. */
  change: number | null;
  /** One-sided p-value in the worse direction; null when the test did not run. */
  pValue: number | null;
  /** Variance inflation for instance clustering (1: none); null when the test did not run. */
  designEffect: number | null;
  /** Why, in a few words (for a log line or a reason). */
  explanation: string;
}

/** Fewer samples than this on a side: INCONCLUSIVE (the normal approximation needs a few). */
export const MIN_SAMPLES_PER_SIDE = 4;

/**
 * Judges one metric, canary against baseline.
 *
 * @example
 * judgeMetric({ baseline, canary, worse: "higher", tolerance: 0.25, confidence: 0.99, minInstances: 2 })
 * // { verdict: "FAIL", change: 0.53, pValue: 0.0004, ... } when the new image runs 53% hotter
 */
export function judgeMetric(input: JudgeInput): Judgement {
  const baseline = canonical(input.baseline);
  const canary = canonical(input.canary);
  const baseSide = side(baseline);
  const canarySide = side(canary);
  const change =
    baseSide.median === null || canarySide.median === null || baseSide.median === 0
      ? null
      : (canarySide.median - baseSide.median) / Math.abs(baseSide.median);
  const inconclusive = (explanation: string): Judgement => ({
    verdict: "INCONCLUSIVE",
    baseline: baseSide,
    canary: canarySide,
    change,
    pValue: null,
    designEffect: null,
    explanation,
  });
  if (canarySide.instances < input.minInstances) {
    return inconclusive(
      `${canarySide.instances} new instance(s) with data, fewer than minInstances (${input.minInstances})`,
    );
  }
  if (baseSide.instances === 0) return inconclusive("no baseline instance with data");
  if (canarySide.samples < MIN_SAMPLES_PER_SIDE || baseSide.samples < MIN_SAMPLES_PER_SIDE) {
    return inconclusive(
      `${canarySide.samples} new and ${baseSide.samples} baseline sample(s), fewer than ${MIN_SAMPLES_PER_SIDE} on a side`,
    );
  }

  // Orient so that "worse" is always "higher": ranks of the negated values for a lower-is-worse metric.
  const sign = input.worse === "higher" ? 1 : -1;
  const test = clusteredRankSum(
    baseline.map((c) => c.map((v) => sign * v)),
    canary.map((c) => c.map((v) => sign * v)),
  );
  const alpha = 1 - input.confidence;
  const significant = test.pValue <= alpha;
  const beyondTolerance = worseBeyond(baseSide.median, canarySide.median, change, input, sign);
  const verdict: Verdict = significant && beyondTolerance ? "FAIL" : "PASS";
  const explanation =
    verdict === "FAIL"
      ? `significant (p ${formatP(test.pValue)} <= ${formatP(alpha)}) and beyond the tolerance`
      : !significant
        ? `not significant (p ${formatP(test.pValue)} > ${formatP(alpha)})`
        : "significant but within the tolerance";
  return {
    verdict,
    baseline: baseSide,
    canary: canarySide,
    change,
    pValue: test.pValue,
    designEffect: test.designEffect,
    explanation,
  };
}

/** The change goes the worse way by more than the tolerance; from a median of 0, any worse move does. */
function worseBeyond(
  baseMedian: number | null,
  canaryMedian: number | null,
  change: number | null,
  input: JudgeInput,
  sign: number,
): boolean {
  if (baseMedian === null || canaryMedian === null) return false;
  if (change === null) return sign * (canaryMedian - baseMedian) > 0;
  return sign * change > input.tolerance;
}

function formatP(p: number): string {
  return p < 0.0001 ? p.toExponential(1) : String(Number(p.toPrecision(2)));
}

/**
 * Finite values only, each instance's samples sorted, instances without samples dropped and the rest
 * in a canonical order: every sum below runs in the same order whatever order the samples came in,
 * so the verdict cannot depend on it (not even through floating-point rounding).
 */
function canonical(instances: readonly InstanceSamples[]): number[][] {
  return instances
    .map((i) => i.values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b))
    .filter((values) => values.length > 0)
    .sort(compareLists);
}

function compareLists(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

function side(clusters: readonly number[][]): Side {
  const all = clusters.flat().sort((a, b) => a - b);
  return { instances: clusters.length, samples: all.length, median: median(all) };
}

/** Median of sorted values; null when empty. */
function median(sorted: readonly number[]): number | null {
  if (sorted.length === 0) return null;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * One-sided rank-sum test that the canary is stochastically larger than the baseline, with the
 * variance inflated for clustering by instance (see the file comment).
 */
export function clusteredRankSum(
  baseline: readonly (readonly number[])[],
  canary: readonly (readonly number[])[],
): { u: number; pValue: number; designEffect: number; rankIcc: number } {
  const tagged: { value: number; cluster: number }[] = [];
  const clusters = [...baseline, ...canary];
  clusters.forEach((values, cluster) => {
    for (const value of values) tagged.push({ value, cluster });
  });
  tagged.sort((a, b) => a.value - b.value || a.cluster - b.cluster);
  const n = tagged.length;
  const ranks = new Float64Array(n);
  let tieTerm = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && (tagged[j + 1] as { value: number }).value === (tagged[i] as { value: number }).value)
      j++;
    const t = j - i + 1;
    const midrank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[k] = midrank;
    tieTerm += t * t * t - t;
    i = j + 1;
  }

  const sizes = clusters.map((c) => c.length);
  const rankSums = new Float64Array(clusters.length);
  tagged.forEach((item, index) => {
    rankSums[item.cluster] = (rankSums[item.cluster] as number) + (ranks[index] as number);
  });
  const firstCanary = baseline.length;
  const sumOver = (from: number, to: number, f: (k: number) => number): number => {
    let total = 0;
    for (let k = from; k < to; k++) total += f(k);
    return total;
  };
  const n1 = sumOver(firstCanary, clusters.length, (k) => sizes[k] as number);
  const n0 = n - n1;
  const r1 = sumOver(firstCanary, clusters.length, (k) => rankSums[k] as number);
  const u = r1 - (n1 * (n1 + 1)) / 2;
  const mean = (n0 * n1) / 2;
  const iidVariance = ((n0 * n1) / 12) * (n + 1 - tieTerm / (n * (n - 1)));

  const rankIcc = rankIntraclassCorrelation(ranks, tagged, sizes, rankSums, firstCanary);
  const m0 = sumOver(0, firstCanary, (k) => (sizes[k] as number) ** 2) / n0;
  const m1 = sumOver(firstCanary, clusters.length, (k) => (sizes[k] as number) ** 2) / n1;
  const designEffect = Math.max(
    1,
    ((1 + (m0 - 1) * rankIcc) / n0 + (1 + (m1 - 1) * rankIcc) / n1) / (1 / n0 + 1 / n1),
  );
  const variance = iidVariance * designEffect;
  if (!(variance > 0)) return { u, pValue: 1, designEffect, rankIcc };
  const z = (u - mean - 0.5) / Math.sqrt(variance);
  return { u, pValue: Math.min(1, upperNormalTail(z)), designEffect, rankIcc };
}

/**
 * Intraclass correlation of the ranks by one-way ANOVA, instances nested in the two sides (the side
 * effect, which is what is tested, is removed first). 1 when it cannot be estimated (a single instance
 * on each side): then nothing separates an image effect from an instance effect.
 */
function rankIntraclassCorrelation(
  ranks: Float64Array,
  tagged: readonly { cluster: number }[],
  sizes: readonly number[],
  rankSums: Float64Array,
  firstCanary: number,
): number {
  const k = sizes.length;
  const n = ranks.length;
  const dfBetween = k - 2;
  const dfWithin = n - k;
  if (dfBetween < 1) return 1;
  if (dfWithin < 1) return 1;
  const clusterMean = (c: number) => (rankSums[c] as number) / (sizes[c] as number);
  let ssWithin = 0;
  tagged.forEach((item, index) => {
    ssWithin += ((ranks[index] as number) - clusterMean(item.cluster)) ** 2;
  });
  let ssBetween = 0;
  let sizeSquares = 0;
  for (const [from, to] of [
    [0, firstCanary],
    [firstCanary, k],
  ] as const) {
    let total = 0;
    let count = 0;
    let squares = 0;
    for (let c = from; c < to; c++) {
      total += rankSums[c] as number;
      count += sizes[c] as number;
      squares += (sizes[c] as number) ** 2;
    }
    const sideMean = total / count;
    for (let c = from; c < to; c++) ssBetween += (sizes[c] as number) * (clusterMean(c) - sideMean) ** 2;
    sizeSquares += squares / count;
  }
  const msWithin = ssWithin / dfWithin;
  const msBetween = ssBetween / dfBetween;
  const typicalSize = (n - sizeSquares) / dfBetween;
  if (msWithin === 0) return msBetween > 0 ? 1 : 0;
  const between = Math.max(0, (msBetween - msWithin) / typicalSize);
  return between / (between + msWithin);
}

/**
 * P(Z > z) for a standard normal Z, from the complementary error function approximation of Press et
 * al., "Numerical Recipes in C", 2nd ed., 6.2 (erfcc, fractional error below 1.2e-7 everywhere), so
 * small tail probabilities keep their relative precision.
 */
export function upperNormalTail(z: number): number {
  const x = z / Math.SQRT2;
  const ax = Math.abs(x);
  const t = 1 / (1 + 0.5 * ax);
  const poly =
    -ax * ax -
    1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t *
                  (-0.18628806 +
                    t *
                      (0.27886807 +
                        t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const erfc = t * Math.exp(poly);
  return x >= 0 ? erfc / 2 : 1 - erfc / 2;
}
