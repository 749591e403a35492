import { ceilDiv, floorDiv } from "./arithmetic";
import type { RunRequest } from "./run-request";

/**
 * The lower bound of a run's duration in the simulator (CONTRACTS.md section 3, "Refresh pacing"):
 * what `metrics.virtualSeconds` is measured against. Counts are exact integers; durations are sums
 * of the given seconds, with one division (by `maxParallelGroups`) at the wave level.
 */

type Rollout = RunRequest["rollout"];

/** The rollout settings that pace one group's refresh. */
export type RefreshPacing = Pick<
  Rollout,
  | "checkpoints"
  | "checkpointDelaySeconds"
  | "minHealthyPercentage"
  | "maxHealthyPercentage"
  | "instanceWarmupSeconds"
>;

/** One stretch of a refresh: `size` replacements, then a pause at `checkpoint` (null: the end, no pause). */
export interface RefreshSegment {
  size: number;
  checkpoint: number | null;
}

/** The five simulated durations of one hardening bake, seconds. */
export interface HardeningDurationsInput {
  builderLaunchSeconds: number;
  stigSeconds: number;
  fipsSeconds: number;
  rebootSeconds: number;
  imageSeconds: number;
}

function requireCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  }
}

/**
 * Splits the N replacements of a refresh at its checkpoints: segments end at `ceil(N * c / 100)`
 * for each checkpoint c, then at N. Empty segments are dropped (with their pause).
 *
 * @example
 * refreshSegments(10, [20, 50])
 * // [{ size: 2, checkpoint: 20 }, { size: 3, checkpoint: 50 }, { size: 5, checkpoint: null }]
 * refreshSegments(1, [20, 50]) // [{ size: 1, checkpoint: 20 }]
 */
export function refreshSegments(desired: number, checkpoints: ReadonlyArray<number>): RefreshSegment[] {
  requireCount("desired", desired);
  const segments: RefreshSegment[] = [];
  let done = 0;
  for (const checkpoint of checkpoints) {
    const end = Math.min(desired, ceilDiv(desired * checkpoint, 100));
    if (end > done) {
      segments.push({ size: end - done, checkpoint });
      done = end;
    }
  }
  if (desired > done) segments.push({ size: desired - done, checkpoint: null });
  return segments;
}

/**
 * Instances replaced at once: `max(1, floor(N * (maxHealthy - minHealthy) / 100))`.
 *
 * @example
 * batchSize(10, 90, 110) // 2
 * batchSize(4, 90, 110) // 1
 */
export function batchSize(
  desired: number,
  minHealthyPercentage: number,
  maxHealthyPercentage: number,
): number {
  requireCount("desired", desired);
  const spread = maxHealthyPercentage - minHealthyPercentage;
  if (spread <= 0) return 1;
  return Math.max(1, floorDiv(desired * spread, 100));
}

/**
 * A group's refresh lower bound, seconds: each segment in batches of {@link batchSize}, each batch
 * `launchSeconds + W`, W the request's `instanceWarmupSeconds` when set (it overrides the group's
 * default warmup, as InstanceWarmup does in AWS) and the group's `warmupSeconds` otherwise, and `checkpointDelaySeconds`
 * after each non-empty checkpoint segment. The last segment (to N) has no pause. Zero for N = 0.
 *
 * @example
 * // N=10, checkpoints [20, 50], batch 2, 60 + 120 s per batch, 600 s per pause:
 * // segments 2, 3, 5 -> 1 + 2 + 3 batches = 1080 s, plus 2 pauses = 2280 s
 */
export function groupLowerBoundSeconds(
  group: { desired: number; launchSeconds: number; warmupSeconds: number },
  rollout: RefreshPacing,
): number {
  const batch = batchSize(group.desired, rollout.minHealthyPercentage, rollout.maxHealthyPercentage);
  const batchSeconds = group.launchSeconds + (rollout.instanceWarmupSeconds ?? group.warmupSeconds);
  let seconds = 0;
  for (const segment of refreshSegments(group.desired, rollout.checkpoints)) {
    seconds += ceilDiv(segment.size, batch) * batchSeconds;
    if (segment.checkpoint !== null) seconds += rollout.checkpointDelaySeconds;
  }
  return seconds;
}

/**
 * A wave's lower bound: the larger of its longest group and the groups' total spread over
 * `maxParallelGroups` lanes. Zero for an empty wave.
 *
 * @example
 * waveLowerBoundSeconds([100, 100, 100], 2) // 150
 * waveLowerBoundSeconds([500, 100], 10) // 500
 */
export function waveLowerBoundSeconds(groupBounds: ReadonlyArray<number>, maxParallelGroups: number): number {
  if (!Number.isSafeInteger(maxParallelGroups) || maxParallelGroups < 1) {
    throw new RangeError(`maxParallelGroups must be a positive integer, got ${maxParallelGroups}`);
  }
  let longest = 0;
  let sum = 0;
  for (const bound of groupBounds) {
    longest = Math.max(longest, bound);
    sum += bound;
  }
  return Math.max(longest, sum / maxParallelGroups);
}

/**
 * A run's lower bound: the sum of its waves' bounds, `bakeSeconds` between consecutive non-empty
 * waves (a wave with at least one group), and one hardening bake (the five durations; architectures
 * bake in parallel) when the request hardens at all.
 *
 * @param input.waves the group bounds of each wave, in order (see {@link groupLowerBoundSeconds})
 * @param input.hardens whether a hardened image is baked (`needsHardening(request)`)
 */
export function runLowerBoundSeconds(input: {
  waves: ReadonlyArray<ReadonlyArray<number>>;
  rollout: Pick<Rollout, "maxParallelGroups" | "bakeSeconds">;
  hardening: HardeningDurationsInput;
  hardens: boolean;
}): number {
  const { waves, rollout, hardening, hardens } = input;
  let seconds = 0;
  let nonEmpty = 0;
  for (const wave of waves) {
    seconds += waveLowerBoundSeconds(wave, rollout.maxParallelGroups);
    if (wave.length > 0) nonEmpty++;
  }
  if (nonEmpty > 1) seconds += (nonEmpty - 1) * rollout.bakeSeconds;
  if (hardens) {
    seconds +=
      hardening.builderLaunchSeconds +
      hardening.stigSeconds +
      hardening.fipsSeconds +
      hardening.rebootSeconds +
      hardening.imageSeconds;
  }
  return seconds;
}
