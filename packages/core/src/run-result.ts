import { z } from "zod";
import { ArchitectureSchema } from "./fleet";
import { GroupReadinessSchema } from "./readiness";
import { KernelTrackSchema, runRequestSchema } from "./run-request";
import { integerIn, nonEmptyString, numberIn, oneOf, stringList } from "./validation";

/** WAITING: paused for an approval between waves. PLANNED: a dry run's end. */
export const RunStatusSchema = oneOf([
  "RUNNING",
  "WAITING",
  "SUCCEEDED",
  "ROLLED_BACK",
  "FAILED",
  "ABORTED",
  "PLANNED",
]);
export type RunStatus = z.infer<typeof RunStatusSchema>;

export const WaveStatusSchema = oneOf(["SUCCEEDED", "ROLLED_BACK", "FAILED", "NOT_STARTED", "RUNNING"]);
export type WaveStatus = z.infer<typeof WaveStatusSchema>;

export const GroupOutcomeSchema = oneOf([
  "UPGRADED",
  "ROLLED_BACK",
  "SKIPPED",
  "FAILED",
  "NOT_STARTED",
  "RUNNING",
]);
export type GroupOutcome = z.infer<typeof GroupOutcomeSchema>;

const isoTimestamp = z.iso.datetime({
  offset: true,
  error: 'an ISO 8601 timestamp like "2026-11-21T09:00:00Z"',
});
const imageIdOrNull = z.string({ error: "an AMI id or null" }).nullable();

/** One image rolled out, per architecture. */
export const TargetImageSchema = z.object({
  architecture: ArchitectureSchema,
  /** The public AL2023 image. */
  sourceImageId: nonEmptyString("an AMI id"),
  /** The hardened image rolled out (= source when there is nothing to harden). */
  imageId: nonEmptyString("an AMI id"),
});
export type TargetImage = z.infer<typeof TargetImageSchema>;

export const WaveResultSchema = z.object({
  name: z.string({ error: "a string" }),
  status: WaveStatusSchema,
  groups: z.array(z.string({ error: "a string" }), { error: "a list of group names" }),
});
export type WaveResult = z.infer<typeof WaveResultSchema>;

export const AnalysisVerdictSchema = oneOf(["PASS", "FAIL", "INCONCLUSIVE"]);
export type AnalysisVerdict = z.infer<typeof AnalysisVerdictSchema>;

/** One side of a judgement: how many instances gave data, and the median of their samples. */
const AnalysisSideSchema = z.object({
  instances: integerIn(0),
  /** null when no instance of this side gave a sample. */
  median: z.number({ error: "a number or null" }).nullable(),
});

/**
 * One judgement of the regression judge (CONTRACTS.md section 2, `groups[].analysis`): a metric of
 * the new-image instances (canary) against the old-image ones (baseline) over the same window.
 */
export const AnalysisEntrySchema = z.object({
  /** When it was judged: `checkpoint 20%`, `verify`, `bake`. */
  at: nonEmptyString("a non-empty label"),
  /** `<namespace> <name>`, e.g. `AWS/EC2 CPUUtilization`. */
  metric: nonEmptyString("a metric label"),
  baseline: AnalysisSideSchema,
  canary: AnalysisSideSchema,
  /** Relative change of the median, canary against baseline; null when a side has no data or the baseline median is 0. */
  change: z.number({ error: "a number or null" }).nullable(),
  /** One-sided p-value in the worse direction; null when the test did not run (INCONCLUSIVE). */
  pValue: numberIn(0, 1).nullable(),
  verdict: AnalysisVerdictSchema,
});
export type AnalysisEntry = z.infer<typeof AnalysisEntrySchema>;

/**
 * Where a group's refresh stands while it runs (`GET /runs/{runId}` while the run is live): absent
 * once the group ended, and in results read after the run.
 */
export const GroupLiveSchema = z.object({
  /** Share of its instances on the new image, 0-100: its refresh's `PercentageComplete` as last seen. */
  percentReplaced: numberIn(0, 100),
  /** Seconds since its instance refresh started; 0 before it started. */
  elapsedSeconds: numberIn(0),
  /** Estimated seconds left: its refresh's lower bound scaled by the share not yet replaced. */
  leftSeconds: numberIn(0),
});
export type GroupLive = z.infer<typeof GroupLiveSchema>;

export const GroupResultSchema = z.object({
  name: z.string({ error: "a string" }),
  wave: z.string({ error: "a string" }),
  outcome: GroupOutcomeSchema,
  /** Why the group ended as it did; present for every outcome but UPGRADED. */
  reason: z.string({ error: "a string" }).optional(),
  fromImageId: imageIdOrNull,
  toImageId: imageIdOrNull,
  launchTemplateVersion: z.object({
    from: integerIn(1),
    /** null when the new version was never created. */
    to: integerIn(1).nullable(),
  }),
  /** Lowest in-service healthy share during the run, percent; null without data. */
  minHealthyPercentObserved: numberIn(0).nullable(),
  instanceRefreshIds: z.array(z.string({ error: "a string" }), { error: "a list of refresh ids" }),
  /** Findings worth showing (preflight and the like). */
  notes: stringList("notes").optional(),
  /** Every judgement of the regression judge, in order (checkpoint, verify, bake look). */
  analysis: z.array(AnalysisEntrySchema, { error: "a list of analysis entries" }).optional(),
  /** Live progress of a RUNNING group while the run is going; absent otherwise. */
  live: GroupLiveSchema.optional(),
});
export type GroupResult = z.infer<typeof GroupResultSchema>;

/** A group the run does not target, with its instances by "PlatformName PlatformVersion". */
export const UntargetedGroupSchema = z.object({
  group: z.string({ error: "a string" }),
  instances: integerIn(0),
  platforms: z.record(z.string(), integerIn(0), { error: "an object of instance counts" }),
});
export type UntargetedGroup = z.infer<typeof UntargetedGroupSchema>;

/**
 * The run result (CONTRACTS.md section 2): returned by `simulate --json` and `GET /runs/{runId}`,
 * written to the ledger. Unknown keys are stripped, not refused: the project may add fields.
 */
/** What a run left behind once every execution of it ended (the main one and any reconcile). */
export const EndStateSchema = z.object({
  /** How the main execution ended; RUNNING: a simulation that stalled waiting (for an approval). */
  executionStatus: oneOf(["SUCCEEDED", "FAILED", "ABORTED", "TIMED_OUT", "RUNNING"]),
  /** Groups whose refresh started by the run is still Pending, InProgress, Cancelling, RollbackInProgress or Baking. */
  refreshesInProgress: z.array(z.string(), { error: "a list of group names" }),
  /** Groups whose lock the run still holds. */
  locksHeld: z.array(z.string(), { error: "a list of group names" }),
});
export type EndState = z.infer<typeof EndStateSchema>;

export const RunResultSchema = z.object({
  runId: nonEmptyString("a run id"),
  status: RunStatusSchema,
  /** Why the run ended as it did, one sentence. */
  reason: z.string({ error: "a string" }),
  /** The effective request after defaults (already checked against its stage's FIPS tracks). */
  request: runRequestSchema(null),
  target: z.object({
    kernel: KernelTrackSchema,
    /** The kernel package version of the built image; null when no builder ran. */
    kernelVersion: z.string({ error: "a string or null" }).nullable(),
    images: z.array(TargetImageSchema, { error: "a list of images" }),
  }),
  inventory: z.object({
    groups: integerIn(0),
    instances: integerIn(0),
    /** Instances by "PlatformName PlatformVersion", e.g. "Amazon Linux 2". */
    byPlatform: z.record(z.string(), integerIn(0), { error: "an object of instance counts" }),
    /** Groups the run does not target (tags do not match), with their platforms: still on AL2? */
    untargeted: z.array(UntargetedGroupSchema, { error: "a list of groups" }).optional(),
  }),
  /** Expected duration from the plan: a dry run's whole run; while running, the time left. */
  estimate: z.object({ seconds: numberIn(0) }).optional(),
  waves: z.array(WaveResultSchema, { error: "a list of waves" }),
  groups: z.array(GroupResultSchema, { error: "a list of groups" }),
  /** Preflight, per targeted group then run-level entries (`group: null`), before anything changes. */
  readiness: z.array(GroupReadinessSchema, { error: "a list of readiness entries" }).optional(),
  metrics: z.object({
    /** Simulation only: the simulated duration; null outside simulation. */
    virtualSeconds: numberIn(0).nullable(),
    /** Simulation only: the lower bound of CONTRACTS.md section 3; null outside simulation. */
    lowerBoundSeconds: numberIn(0).nullable(),
    /** Calls made, per `service:Operation`. */
    apiCalls: z.record(z.string(), integerIn(0), { error: "an object of call counts" }),
    stateTransitions: integerIn(0),
    /** Simulation only: taken once every execution of the run has ended (CONTRACTS section 2). */
    endState: EndStateSchema.optional(),
  }),
  startedAt: isoTimestamp.optional(),
  endedAt: isoTimestamp.optional(),
});
export type RunResult = z.infer<typeof RunResultSchema>;
