import { z } from "zod";
import type { RefreshState } from "./fleet";
import { batchSize, type RefreshPacing, refreshSegments } from "./lower-bound";

/**
 * What woke a group's wait: an instance-refresh event, or a poll of DescribeInstanceRefreshes
 * that found the same thing. The state machine routes on `kind`.
 */
export const RefreshEventSchema = z.object({
  kind: z.enum(["checkpoint", "succeeded", "failed", "cancelled", "rolled-back", "in-progress", "abort"]),
  instanceRefreshId: z.string(),
  /** The checkpoint reached (for `checkpoint`). */
  checkpoint: z.number().nullable(),
  percentage: z.number().nullable(),
  /** Where it came from: `event` (EventBridge), `poll`, or `operator` (an abort). */
  source: z.enum(["event", "poll", "operator"]),
  reason: z.string().nullable(),
  /**
   * When a poll found a checkpoint: when the refresh most likely reached it (ISO), from its start
   * and the expected pacing, never before the previous look. An event is its own time (absent).
   */
  reachedAt: z.string().optional(),
});
export type RefreshEvent = z.infer<typeof RefreshEventSchema>;

const DETAIL_PREFIX = "EC2 Auto Scaling Instance Refresh ";

/**
 * Reads an `aws.autoscaling` instance-refresh event; null for events nothing waits on. Events carry
 * no reason (only ids): whoever reports an end asks Auto Scaling for the refresh's StatusReason.
 * (Started, Rollback Started) and for other detail types.
 */
export function refreshEventFromEventBridge(
  detailType: string,
  detail: Record<string, unknown>,
): RefreshEvent | null {
  if (!detailType.startsWith(DETAIL_PREFIX)) return null;
  const what = detailType.slice(DETAIL_PREFIX.length);
  const instanceRefreshId = String(detail.InstanceRefreshId ?? "");
  if (instanceRefreshId === "") return null;
  const base = {
    instanceRefreshId,
    checkpoint: null,
    percentage: null,
    source: "event" as const,
    reason: null,
  };
  switch (what) {
    case "Checkpoint Reached": {
      const checkpoint = Number(detail.CheckpointPercentage);
      return { ...base, kind: "checkpoint", checkpoint: Number.isFinite(checkpoint) ? checkpoint : null };
    }
    case "Succeeded":
      return { ...base, kind: "succeeded", percentage: 100 };
    case "Failed":
      return { ...base, kind: "failed" };
    case "Cancelled":
      return { ...base, kind: "cancelled" };
    case "Rollback Succeeded":
      return { ...base, kind: "rolled-back" };
    case "Rollback Failed":
      return { ...base, kind: "failed" };
    default:
      return null;
  }
}

/**
 * What a poll of the refresh means for a waiting group: a checkpoint not yet evaluated, an end,
 * or nothing new yet.
 *
 * @param evaluated checkpoints already evaluated for this refresh
 * @param rollingBack the group asked for a rollback: a finished rollback is what it waits for
 */
export function refreshEventFromState(
  state: RefreshState,
  checkpoints: ReadonlyArray<number>,
  evaluated: ReadonlyArray<number>,
  rollingBack = false,
): RefreshEvent {
  const base = {
    instanceRefreshId: state.instanceRefreshId,
    checkpoint: null,
    percentage: state.percentageComplete,
    source: "poll" as const,
    reason: state.statusReason,
  };
  switch (state.status) {
    case "Successful":
      return { ...base, kind: "succeeded" };
    case "Failed":
    case "RollbackFailed":
      return {
        ...base,
        kind: "failed",
        reason: state.statusReason ?? `the instance refresh is ${state.status}`,
      };
    case "Cancelled":
      return {
        ...base,
        kind: "cancelled",
        reason: state.statusReason ?? "the instance refresh was cancelled",
      };
    case "RollbackSuccessful":
      return { ...base, kind: "rolled-back" };
    default: {
      if (rollingBack || state.status !== "InProgress") return { ...base, kind: "in-progress" };
      const reached = checkpoints.filter((c) => c <= state.percentageComplete && !evaluated.includes(c));
      const latest = reached.at(-1);
      return latest === undefined
        ? { ...base, kind: "in-progress" }
        : { ...base, kind: "checkpoint", checkpoint: latest };
    }
  }
}

/** What the orchestrator can know of a group's pacing in AWS: its size and warmup, and a launch estimate. */
export interface PacingEstimate {
  desired: number;
  /** Seconds from launch to running, estimated (60 unless the stage says otherwise). */
  launchSeconds: number;
  /** The warmup in force: the request's, else the group's default, else an estimate. */
  warmupSeconds: number;
}

/**
 * Expected seconds from now until the refresh stops next (a checkpoint or the end), counting from
 * the checkpoint `fromCheckpoint` (null: from the start). Used to time the backstop poll.
 */
export function expectedSecondsToNextStop(
  pacing: PacingEstimate,
  rollout: RefreshPacing,
  fromCheckpoint: number | null,
): number {
  const segments = refreshSegments(pacing.desired, rollout.checkpoints);
  // The next segment ends past the checkpoint reached (a checkpoint whose own segment was empty
  // has none: the refresh went on to the next one).
  const index =
    fromCheckpoint === null
      ? 0
      : segments.findIndex((s) => s.checkpoint === null || s.checkpoint > fromCheckpoint);
  const next = segments[index];
  if (!next) return 0;
  const batch = batchSize(pacing.desired, rollout.minHealthyPercentage, rollout.maxHealthyPercentage);
  const batchSeconds = pacing.launchSeconds + (rollout.instanceWarmupSeconds ?? pacing.warmupSeconds);
  const pause = fromCheckpoint === null ? 0 : rollout.checkpointDelaySeconds;
  return pause + Math.ceil(next.size / batch) * batchSeconds;
}

/**
 * Seconds from a refresh's start until, at the expected pace, it reaches `checkpoint` (null: its
 * end): its batches up to there plus the checkpoint pause after each earlier checkpoint.
 *
 * @example
 * // 10 instances, checkpoints [20, 50], batch 2, 180 s a batch, 600 s pauses:
 * expectedSecondsFromStart(pacing, rollout, 50) // 1 + 2 batches + 1 pause = 1140
 */
export function expectedSecondsFromStart(
  pacing: PacingEstimate,
  rollout: RefreshPacing,
  checkpoint: number | null,
): number {
  const batch = batchSize(pacing.desired, rollout.minHealthyPercentage, rollout.maxHealthyPercentage);
  const batchSeconds = pacing.launchSeconds + (rollout.instanceWarmupSeconds ?? pacing.warmupSeconds);
  let seconds = 0;
  for (const segment of refreshSegments(pacing.desired, rollout.checkpoints)) {
    if (checkpoint !== null && (segment.checkpoint === null || segment.checkpoint > checkpoint)) break;
    seconds += Math.ceil(segment.size / batch) * batchSeconds;
    if (segment.checkpoint !== null && (checkpoint === null || segment.checkpoint < checkpoint))
      seconds += rollout.checkpointDelaySeconds;
  }
  return seconds;
}

/**
 * When a refresh that a poll found at a checkpoint most likely got there (epoch ms): its start plus
 * the expected pacing, kept between the previous look (it was not there yet) and now. Anchoring
 * what follows to this instead of to the poll keeps a lost event's delay from adding up.
 */
export function estimateReachedAtMs(options: {
  startedAtMs: number | null;
  expectedSecondsFromStart: number;
  previousLookMs: number;
  nowMs: number;
}): number {
  const { startedAtMs, nowMs } = options;
  if (startedAtMs === null || !Number.isFinite(startedAtMs)) return nowMs;
  const expected = startedAtMs + options.expectedSecondsFromStart * 1000;
  return Math.min(nowMs, Math.max(options.previousLookMs, expected));
}

/**
 * True when the refresh reached a stop no later than the expected pacing said (one second of
 * slack): its own progress shows the estimate holds for it, so the next wait needs less margin.
 */
export function onExpectedPace(options: {
  startedAt: string | null;
  reachedAt: string;
  expectedSecondsFromStart: number;
}): boolean {
  if (options.startedAt === null) return false;
  const took = Date.parse(options.reachedAt) - Date.parse(options.startedAt);
  return Number.isFinite(took) && took <= options.expectedSecondsFromStart * 1000 + 1000;
}

/**
 * Seconds to wait for the next event before polling. Events normally come first; when one is lost,
 * the poll should land while the refresh still pauses at its checkpoint, so the margin past the
 * expected time is small: a tenth of it, at least 30 s, but never more than half the checkpoint
 * pause when one follows (and at least 15 s in all). A refresh `onPace` (it reached its last stop
 * when expected) gets a twentieth, at least 15 s: a lost event then costs half as much. After a
 * poll found nothing new, a short interval.
 */
export function pollAfterSeconds(
  expectedSeconds: number,
  afterFruitlessPoll: boolean,
  pauseSeconds = 0,
  onPace = false,
): number {
  const tenth = Math.ceil(expectedSeconds * 0.1);
  if (afterFruitlessPoll) return Math.max(30, tenth);
  const usual = onPace ? Math.max(15, Math.ceil(expectedSeconds * 0.05)) : Math.max(30, tenth);
  const margin = pauseSeconds > 0 ? Math.min(usual, Math.max(1, Math.floor(pauseSeconds / 2))) : usual;
  return Math.max(15, Math.ceil(expectedSeconds) + margin);
}

/** What wakes a waiting group when an operator aborts the run: roll back what is in progress. */
export function abortEvent(instanceRefreshId: string, reason: string): RefreshEvent {
  return { kind: "abort", instanceRefreshId, checkpoint: null, percentage: null, source: "operator", reason };
}
