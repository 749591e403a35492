// About 320 lines: one contract (the run request's fields, defaults and stage merge); its cross-field rules are in run-request-rules.ts.
import { z } from "zod";
import { InvalidRunRequestError } from "./errors";
import { LIMITS } from "./limits";
import { ruleIssues } from "./run-request-rules";
import {
  flag,
  integerIn,
  isPlainObject,
  naturalError,
  nestingProblems,
  nonEmptyString,
  oneOf,
  type Problem,
  problemsFromZod,
  reasonString,
  strictObject,
  stringList,
  stringMap,
} from "./validation";

/** AL2023 kernel tracks: "default" follows the AMI's default kernel. */
export const KernelTrackSchema = oneOf(["default", "6.1", "6.12", "6.18"]);
export type KernelTrack = z.infer<typeof KernelTrackSchema>;

export const ImageFlavorSchema = oneOf(["standard", "minimal"]);
export type ImageFlavor = z.infer<typeof ImageFlavorSchema>;

export const StigLevelSchema = oneOf(["high", "medium", "low", "off"]);
export type StigLevel = z.infer<typeof StigLevelSchema>;

export const ApprovalModeSchema = oneOf(["none", "between-waves"]);
export const RollbackScopeSchema = oneOf(["group", "wave", "run"]);

const AMI_ID = /^ami-[0-9a-z]+$/;

/**
 * One wave of the rollout: exactly one of `ring` (groups tagged `fleet-upgrade:ring=<ring>`) or
 * `percent` (more groups until that share of the targeted instances). The exactly-one rule is
 * checked by {@link RunRequestSchema}, where it is reported with the other rules.
 */
export const WaveSpecSchema = strictObject({
  name: nonEmptyString("a non-empty wave name of at most 255 characters").max(LIMITS.nameLength, {
    error: "a non-empty wave name of at most 255 characters",
  }),
  // A ring is a tag value: at most 256 characters.
  ring: nonEmptyString("a non-empty ring name of at most 256 characters")
    .max(LIMITS.tagValueLength, { error: "a non-empty ring name of at most 256 characters" })
    .optional(),
  percent: integerIn(1, 100).optional(),
});
export type WaveSpec = z.infer<typeof WaveSpecSchema>;

const DEFAULT_WAVES: WaveSpec[] = [
  { name: "canary", ring: "canary" },
  { name: "early", percent: 25 },
  { name: "rest", percent: 100 },
];

/**
 * CloudWatch statistics a GetMetricData `MetricStat.Stat` takes for a per-instance metric: the five
 * classic ones or a percentile `p0`-`p100` with up to two decimals
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html).
 */
const STATISTIC = /^(Average|Minimum|Maximum|Sum|SampleCount|p(100(\.0{1,2})?|[0-9]{1,2}(\.[0-9]{1,2})?))$/;
const STATISTIC_PHRASE =
  'a statistic: "Average", "Minimum", "Maximum", "Sum", "SampleCount" or a percentile like "p90"';
/** At most this many metrics per judgement: each costs one GetMetricData query per instance. */
export const MAX_ANALYSIS_METRICS = 10;

/** One per-instance metric (dimension InstanceId) the regression judge compares, new against old. */
export const AnalysisMetricSchema = strictObject({
  // Lengths and the leading-colon rule are CloudWatch's own (shapes Namespace and MetricName in
  // ../shared/aws-models/cloudwatch-2010-08-01.json).
  namespace: z
    .string({ error: 'a CloudWatch namespace like "AWS/EC2" (1-255 characters, not starting with ":")' })
    .regex(/^[^:][\s\S]{0,254}$/, {
      error: 'a CloudWatch namespace like "AWS/EC2" (1-255 characters, not starting with ":")',
    }),
  name: z
    .string({ error: 'a metric name like "CPUUtilization" (1-255 characters)' })
    .min(1, { error: 'a metric name like "CPUUtilization" (1-255 characters)' })
    .max(255, { error: 'a metric name like "CPUUtilization" (1-255 characters)' }),
  stat: z.string({ error: STATISTIC_PHRASE }).regex(STATISTIC, { error: STATISTIC_PHRASE }),
  /** Which direction is a regression. */
  worse: oneOf(["higher", "lower"]),
  /** Relative change of the median tolerated in the worse direction (0.25: 25%). */
  tolerance: z
    .number({ error: "a number 0-10 (a relative change: 0.25 is 25%)" })
    .min(0, { error: "a number 0-10 (a relative change: 0.25 is 25%)" })
    .max(10, { error: "a number 0-10 (a relative change: 0.25 is 25%)" }),
});
export type AnalysisMetric = z.infer<typeof AnalysisMetricSchema>;

const DEFAULT_ANALYSIS_METRICS: AnalysisMetric[] = [
  { namespace: "AWS/EC2", name: "CPUUtilization", stat: "Average", worse: "higher", tolerance: 0.25 },
];

/**
 * `health.analysis` (CONTRACTS.md section 1): canary against baseline, new-image instances against
 * old-image ones over the same window. A metric listed twice (same namespace, name and statistic)
 * is refused: it would be judged twice.
 */
export const AnalysisSettingsSchema = strictObject({
  enabled: flag().default(true),
  metrics: z
    .array(AnalysisMetricSchema, { error: `a list of 1-${MAX_ANALYSIS_METRICS} metrics` })
    .min(1, {
      error: `a list of 1-${MAX_ANALYSIS_METRICS} metrics (set enabled to false to turn analysis off)`,
    })
    .max(MAX_ANALYSIS_METRICS, { error: `a list of 1-${MAX_ANALYSIS_METRICS} metrics` })
    .default(() => DEFAULT_ANALYSIS_METRICS.map((m) => ({ ...m }))),
  /** One-sided test; FAIL needs significance at this level AND a change beyond the tolerance. */
  confidence: z
    .number({ error: "a number 0.8-0.9999 (0.99: a 1% false-alarm rate)" })
    .min(0.8, { error: "a number 0.8-0.9999 (0.99: a 1% false-alarm rate)" })
    .max(0.9999, { error: "a number 0.8-0.9999 (0.99: a 1% false-alarm rate)" })
    .default(0.99),
  /** Fewer new instances than this: INCONCLUSIVE, judged again later. */
  minInstances: integerIn(1, 100).default(2),
}).superRefine(
  (value, ctx) => {
    const metrics: unknown = isPlainObject(value) ? value.metrics : undefined;
    if (!Array.isArray(metrics)) return;
    const seen = new Map<string, number>();
    metrics.forEach((metric: unknown, index) => {
      if (!isPlainObject(metric)) return;
      const { namespace, name, stat } = metric;
      if (typeof namespace !== "string" || typeof name !== "string" || typeof stat !== "string") return;
      const key = `${namespace}\u0000${name}\u0000${stat}`;
      const first = seen.get(key);
      if (first === undefined) seen.set(key, index);
      else
        ctx.addIssue({
          code: "custom",
          path: ["metrics", index],
          message: `a metric not already listed (metrics[${first}] is also ${namespace} ${name} ${stat})`,
          continue: true,
        });
    });
  },
  // Run even when other fields are malformed, so every problem is reported at once.
  { when: () => true },
);
export type AnalysisSettings = z.infer<typeof AnalysisSettingsSchema>;

/** Kernel tracks validated for FIPS unless the stage says otherwise. */
export const DEFAULT_VALIDATED_FIPS_KERNELS: readonly KernelTrack[] = ["6.1"];

const RunRequestShape = strictObject({
  reason: reasonString().default("AL2 end of support"),
  targets: strictObject({
    tags: stringMap().default(() => ({ "fleet-upgrade:managed": "true" })),
    // Any number up to the cap: DescribeAutoScalingGroups takes 50 names a call, the product pages.
    autoScalingGroupNames: stringList(
      "Auto Scaling group names",
      LIMITS.groupNames,
      LIMITS.groupNameLength,
    ).default(() => []),
  }).prefault({}),
  image: strictObject({
    kernel: KernelTrackSchema.default("6.1"),
    flavor: ImageFlavorSchema.default("standard"),
    imageId: z
      .string({ error: 'null or an AMI id like "ami-0abc123"' })
      .regex(AMI_ID, { error: 'null or an AMI id like "ami-0abc123"' })
      .nullable()
      .default(null),
  }).prefault({}),
  hardening: strictObject({
    stig: StigLevelSchema.default("high"),
    fips: flag().default(true),
    allowUnvalidatedKernel: flag().default(false),
  }).prefault({}),
  rollout: strictObject({
    waves: z
      .array(WaveSpecSchema, { error: "a list of waves" })
      .min(1, { error: "a list of at least one wave" })
      .max(LIMITS.waves, { error: `a list of at most ${LIMITS.waves} waves` })
      .default(() => DEFAULT_WAVES.map((w) => ({ ...w }))),
    // Common sense: a Distributed Map runs up to 10,000 children at once; Auto Scaling's request rate
    // and the fleet's capacity give out long before 1,000 groups refresh together.
    maxParallelGroups: integerIn(1, 1000).default(10),
    // Ascending 1-99 (checked below), so at most 99 of them.
    checkpoints: z
      .array(integerIn(1, 99), { error: "a list of integers 1-99" })
      .max(99, { error: "a list of at most 99 ascending integers 1-99" })
      .default(() => [20, 50]),
    // CheckpointDelay: 0-172800 seconds (Auto Scaling API model).
    checkpointDelaySeconds: integerIn(0, LIMITS.delaySeconds).default(600),
    minHealthyPercentage: integerIn(0, 100).default(90),
    maxHealthyPercentage: integerIn(100, 200).default(110),
    instanceWarmupSeconds: z
      .number({ error: "null or an integer 0-3600" })
      .int({ error: "null or an integer 0-3600" })
      .min(0, { error: "null or an integer 0-3600" })
      .max(3600, { error: "null or an integer 0-3600" })
      .nullable()
      .default(null),
    // As Auto Scaling's own BakeTime: 0-172800 seconds (Auto Scaling API model).
    bakeSeconds: integerIn(0, LIMITS.delaySeconds).default(900),
    approval: ApprovalModeSchema.default("none"),
    /** An empty first wave (no canary, e.g. a mistyped ring) fails the run unless true. */
    allowEmptyFirstWave: flag().default(false),
  }).prefault({}),
  health: strictObject({
    alarms: stringList("CloudWatch alarm names", LIMITS.alarms, LIMITS.alarmNameLength).default(() => []),
    targetGroups: flag().default(true),
    ssmOnline: flag().default(true),
    verifyCompliance: flag().default(true),
    analysis: AnalysisSettingsSchema.prefault({}),
  }).prefault({}),
  rollback: strictObject({ scope: RollbackScopeSchema.default("group") }).prefault({}),
  dryRun: flag().default(false),
});

/**
 * The run request schema with the FIPS gate for the given validated kernel tracks; `null` skips the
 * gate (for a request already validated against its stage, e.g. inside a run result).
 */
export function runRequestSchema(
  validatedFipsKernels: readonly string[] | null = DEFAULT_VALIDATED_FIPS_KERNELS,
) {
  return RunRequestShape.superRefine(
    (value, ctx) => {
      for (const issue of ruleIssues(value, validatedFipsKernels, KernelTrackSchema.options)) {
        ctx.addIssue({ code: "custom", path: issue.path, message: issue.message, continue: true });
      }
    },
    // Run the rules even when some fields are malformed, so every problem is reported at once.
    { when: () => true },
  );
}

/**
 * The run request (CONTRACTS.md section 1): every field defaulted, unknown keys rejected, every
 * rule checked with the default validated FIPS kernel tracks (`["6.1"]`). Use
 * {@link parseRunRequest} to apply a stage's settings.
 *
 * @example
 * RunRequestSchema.parse({}).rollout.checkpoints // [20, 50]
 */
export const RunRequestSchema = runRequestSchema();
export type RunRequest = z.infer<typeof RunRequestSchema>;
/** What a caller may send: every field optional. */
export type RunRequestInput = z.input<typeof RunRequestSchema>;

/** A nested partial: arrays are replaced whole, never merged. */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** A stage's defaults for run requests: any part of a request. */
export type RunRequestDefaults = DeepPartial<RunRequestInput>;

/** What a stage (`stacks/<stage>.ts`) configures for runs. */
export const StageSettingsSchema = strictObject({
  /** Kernel tracks FIPS-validated for this stage; a FIPS request on another track is refused. */
  validatedFipsKernels: z
    .array(KernelTrackSchema, { error: "a list of kernel tracks" })
    .default(() => [...DEFAULT_VALIDATED_FIPS_KERNELS]),
  /** Defaults merged under every run request (objects deeply, arrays replaced). */
  requestDefaults: z
    .custom<RunRequestDefaults>((v) => isPlainObject(v), { error: "an object (a partial run request)" })
    .default(() => ({})),
});
export type StageSettings = z.infer<typeof StageSettingsSchema>;

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  // defineProperty, so a "__proto__" key from JSON stays a plain (and then rejected) key.
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Merges `over` onto `under`: plain objects merge key by key, anything else in `over` (arrays
 * included) replaces; an `undefined` in `over` keeps `under`'s value. Neither input is modified.
 */
export function deepMerge(under: unknown, over: unknown): unknown {
  if (over === undefined) return under;
  if (!isPlainObject(under) || !isPlainObject(over)) return over;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(under)) setOwn(out, key, value);
  for (const [key, value] of Object.entries(over)) setOwn(out, key, deepMerge(under[key], value));
  return out;
}

export type ParseRunRequestResult = { ok: true; request: RunRequest } | { ok: false; problems: Problem[] };

/**
 * Validates a run request merged over the stage's defaults, reporting every problem at once.
 * `undefined` counts as `{}`. Never throws.
 *
 * @example
 * const result = parseRunRequest({ image: { kernel: "6.12" } }, { validatedFipsKernels: ["6.1"] });
 * // result.ok === false; result.problems[0].field === "image.kernel"
 */
export function parseRunRequest(input: unknown, stage: Partial<StageSettings> = {}): ParseRunRequestResult {
  const validated = stage.validatedFipsKernels ?? DEFAULT_VALIDATED_FIPS_KERNELS;
  const given = input === undefined ? {} : input;
  if (!isPlainObject(given)) {
    return { ok: false, problems: [{ field: "(root)", value: input, expected: "a run request object" }] };
  }
  // Refused before anything walks it: JSON nested thousands deep overflows the stack of a walker.
  const tooDeep = nestingProblems(given);
  if (tooDeep.length > 0) return { ok: false, problems: tooDeep };
  const merged = deepMerge(stage.requestDefaults ?? {}, given);
  const schema =
    validated === DEFAULT_VALIDATED_FIPS_KERNELS ? RunRequestSchema : runRequestSchema(validated);
  const result = schema.safeParse(merged, { error: naturalError });
  if (result.success) return { ok: true, request: result.data };
  return { ok: false, problems: problemsFromZod(result.error, merged) };
}

/** Like {@link parseRunRequest}, but returns the request or throws {@link InvalidRunRequestError}. */
export function validateRunRequest(input: unknown, stage: Partial<StageSettings> = {}): RunRequest {
  const result = parseRunRequest(input, stage);
  if (!result.ok) throw new InvalidRunRequestError(result.problems);
  return result.request;
}
