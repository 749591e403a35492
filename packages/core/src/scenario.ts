// Over 300 lines on purpose: one contract, the scenario file, whose schemas nest (images, groups, metrics, alarms, operator, faults).
import { z } from "zod";
import { ArchitectureSchema as FleetArchitectureSchema } from "./fleet";
import { LIMITS } from "./limits";
import {
  flag,
  integerIn,
  isPlainObject,
  naturalError,
  nestingProblems,
  nonEmptyString,
  numberIn,
  oneOf,
  type Problem,
  problemsFromZod,
  reasonString,
  strictObject,
  stringList,
  stringMap,
} from "./validation";

const architecture = oneOf(FleetArchitectureSchema.options as ["x86_64", "arm64"]);

/** An AMI that exists in the simulated account; `params` are public SSM parameters pointing at it. */
export const ScenarioImageSchema = strictObject({
  imageId: z
    .string({ error: 'an AMI id like "ami-al2"' })
    .regex(/^ami-[0-9a-z-]+$/, { error: 'an AMI id like "ami-al2"' }),
  name: nonEmptyString("a non-empty image name"),
  platform: nonEmptyString('a platform name like "Amazon Linux"'),
  platformVersion: nonEmptyString('a platform version like "2023"'),
  kernelVersion: nonEmptyString('a kernel version like "6.1.158-180.294.amzn2023"'),
  architecture,
  params: z
    .array(
      z.string({ error: "an SSM parameter name starting with /" }).startsWith("/", {
        error: "an SSM parameter name starting with /",
      }),
      { error: "a list of SSM parameter names" },
    )
    .max(LIMITS.listItems, { error: `a list of at most ${LIMITS.listItems} SSM parameter names` })
    .default(() => []),
});
export type ScenarioImage = z.infer<typeof ScenarioImageSchema>;

// At most 10,000 versions per launch template ("Restrictions for Amazon EC2 launch templates").
const LT_VERSION = `a version: an integer 1-${LIMITS.launchTemplateVersion} (3 or "3"), "$Latest" or "$Default"`;

/**
 * A launch template version as a scenario names it. Numeric strings become numbers: a group at
 * version N has versions 1..N, N the default; "$Latest" or "$Default" means a single version.
 */
export const LaunchTemplateVersionSpecSchema = z
  .union([z.number(), z.string()], { error: LT_VERSION })
  .transform((value, ctx): number | "$Latest" | "$Default" => {
    if (value === "$Latest" || value === "$Default") return value;
    const n =
      typeof value === "number" ? value : /^[1-9][0-9]{0,5}$/.test(value) ? Number(value) : Number.NaN;
    if (Number.isSafeInteger(n) && n >= 1 && n <= LIMITS.launchTemplateVersion) return n;
    ctx.addIssue({ code: "custom", message: LT_VERSION, input: value });
    return z.NEVER;
  });

const METRIC_NAME = z
  .string({ error: 'a metric name like "CPUUtilization" (1-255 characters)' })
  .min(1, { error: 'a metric name like "CPUUtilization" (1-255 characters)' })
  .max(255, { error: 'a metric name like "CPUUtilization" (1-255 characters)' });

/** A per-instance metric of a group: its mean and coefficient of variation (sd / mean) per sample. */
export const ScenarioMetricSchema = strictObject({
  // Common sense: no per-instance metric averages above a billion; larger means only overflow sums.
  mean: numberIn(0, LIMITS.metricMean),
  cv: numberIn(0, 5),
});
export type ScenarioMetric = z.infer<typeof ScenarioMetricSchema>;

/** What every group's instances report unless the scenario says otherwise (CONTRACTS.md section 3). */
export const DEFAULT_SCENARIO_METRICS: Readonly<Record<string, ScenarioMetric>> = {
  CPUUtilization: { mean: 30, cv: 0.15 },
};

/** How instances launched from the new image behave; `{}` means healthy. */
export const OnNewImageSchema = strictObject({
  /** This CloudWatch alarm goes to ALARM ... */
  alarm: nonEmptyString("a non-empty alarm name").optional(),
  /** ... once at least this share of the group runs the new image (absent: from the first new instance). */
  whenReplacedPercent: numberIn(0, 100).optional(),
  unhealthyTargets: flag().optional(),
  ssmOffline: flag().optional(),
  failLaunch: flag().optional(),
  complianceFails: flag().optional(),
  /** Per-instance metrics of new-image instances: `shift` is relative, on the mean (0.3: 30% higher). */
  metrics: z
    .record(METRIC_NAME, strictObject({ shift: numberIn(-1, 100) }), {
      error: "an object of metric names to { shift }",
    })
    .optional(),
});
export type OnNewImage = z.infer<typeof OnNewImageSchema>;

/** Instances of one group: see {@link LIMITS.groupSize}. */
const groupSize = () => integerIn(0, LIMITS.groupSize);
/** A simulated duration: see {@link LIMITS.durationSeconds}. */
const duration = () => numberIn(0, LIMITS.durationSeconds);

export const ScenarioGroupSchema = strictObject({
  // Auto Scaling group names: 1-255 characters (XmlStringMaxLen255 in the Auto Scaling API model).
  name: nonEmptyString("a non-empty group name of at most 255 characters").max(LIMITS.groupNameLength, {
    error: "a non-empty group name of at most 255 characters",
  }),
  desired: groupSize(),
  /** Defaults to desired. */
  min: groupSize().optional(),
  /** Defaults to desired. */
  max: groupSize().optional(),
  launchTemplate: strictObject({
    name: nonEmptyString("a non-empty launch template name"),
    version: LaunchTemplateVersionSpecSchema,
    imageId: nonEmptyString("an AMI id listed under images"),
    /** The template's tags; absent: the group's fleet-upgrade:managed tag (a shared template: if any group is managed). */
    tags: stringMap().optional(),
    /** Plain-text user data (served base64, as EC2 does). */
    userData: z.string({ error: "a string (plain-text user data)" }).optional(),
    /** The role the template's instance profile carries (what a refresh from it passes). */
    instanceProfileRole: nonEmptyString("a non-empty IAM role name").optional(),
  }),
  tags: stringMap().default(() => ({})),
  targetGroup: flag().default(false),
  /** Launch to running. */
  launchSeconds: duration().default(60),
  /** Running to healthy and in service. */
  warmupSeconds: duration().default(120),
  onNewImage: OnNewImageSchema.prefault({}),
  /** Group metrics collection on (GroupInServiceInstances in CloudWatch); AWS's own default is off. */
  metricsCollection: flag().default(true),
  /** Instances report SSM inventory; false: no inventory association, GetInventory returns nothing for them. */
  inventory: flag().default(true),
  /** The group runs from a launch configuration (named after `launchTemplate.name`, same image), not a template. */
  launchConfiguration: flag().default(false),
  /** Per-instance metrics served through CloudWatch (dimension InstanceId); CPUUtilization 30 / 0.15 unless given. */
  metrics: z
    .record(METRIC_NAME, ScenarioMetricSchema, { error: "an object of metric names to { mean, cv }" })
    .default(() => ({ ...DEFAULT_SCENARIO_METRICS })),
}).transform((group) => ({ ...group, min: group.min ?? group.desired, max: group.max ?? group.desired }));
export type ScenarioGroup = z.infer<typeof ScenarioGroupSchema>;

/** An alarm of the account and its state when the scenario starts. */
export const ScenarioAlarmSchema = strictObject({
  name: nonEmptyString("a non-empty alarm name"),
  state: oneOf(["OK", "ALARM", "INSUFFICIENT_DATA"]).default("OK"),
  /** false: named somewhere (a tag, the request) but absent from the account. */
  exists: flag().default(true),
});
export type ScenarioAlarm = z.infer<typeof ScenarioAlarmSchema>;

/** A scripted operator action: exactly one of `afterWave` or `atSeconds`. */
export const OperatorActionSchema = strictObject({
  /** Acts when this wave has finished (and the run waits for approval or would go on). */
  afterWave: nonEmptyString("a non-empty wave name").optional(),
  /** Acts at this many virtual seconds after the start. */
  atSeconds: numberIn(0, LIMITS.operatorSeconds).optional(),
  /** `stop`: StopExecution from the console, outside the product (CONTRACTS section 3). */
  action: oneOf(["approve", "abort", "stop"]),
  reason: reasonString().optional(),
});
export type OperatorAction = z.infer<typeof OperatorActionSchema>;

const HardeningDurationsSchema = strictObject({
  builderLaunchSeconds: duration().default(90),
  stigSeconds: duration().default(600),
  fipsSeconds: duration().default(60),
  rebootSeconds: duration().default(60),
  imageSeconds: duration().default(300),
});
/** Simulated durations of the hardening bake, seconds. */
export type HardeningDurations = z.infer<typeof HardeningDurationsSchema>;

const ScenarioShape = strictObject({
  name: nonEmptyString("a non-empty scenario name"),
  /** Same seed, same result. */
  seed: integerIn(0, 2 ** 32 - 1).default(1),
  region: z
    .string({ error: 'an AWS region like "us-east-1"' })
    .regex(/^[a-z]{2}(-[a-z]+)+-[0-9]+$/, { error: 'an AWS region like "us-east-1"' })
    .default("us-east-1"),
  /** Virtual clock start. */
  start: z.iso
    .datetime({ offset: true, error: 'an ISO 8601 timestamp like "2026-11-21T09:00:00Z"' })
    .default("2026-11-21T09:00:00Z"),
  images: z
    .array(ScenarioImageSchema, { error: "a list of images" })
    .max(LIMITS.listItems, { error: `a list of at most ${LIMITS.listItems} images` }),
  groups: z
    .array(ScenarioGroupSchema, { error: "a list of groups" })
    .max(LIMITS.scenarioGroups, { error: `a list of at most ${LIMITS.scenarioGroups} groups` }),
  /** Extra AL2 instances outside any group: inventoried, never touched. */
  standalone: integerIn(0, LIMITS.standalone).default(0),
  faults: strictObject({
    throttle: strictObject({
      /** Share of calls answered with a throttling error, 0-1. */
      rate: numberIn(0, 1).default(0),
      /** `service:Operation` names; empty: every operation. */
      operations: stringList("service:Operation names", LIMITS.listItems).default(() => []),
    })
      .nullable()
      .default(null),
    /** Share of instance-refresh events that never arrive, 0-1. */
    dropEvents: numberIn(0, 1).default(0),
    /** Task states whose Lambda dies once, after its side effect. */
    crashAfterSideEffect: stringList("task state names", LIMITS.listItems).default(() => []),
    /** Groups with a refresh someone else started in progress. */
    foreignRefresh: stringList("group names", LIMITS.scenarioGroups).default(() => []),
    /** AWSEC2-ConfigureSTIG fails on the builder. */
    stigFails: flag().default(false),
  }).prefault({}),
  hardening: HardeningDurationsSchema.prefault({}),
  operator: z
    .array(OperatorActionSchema, { error: "a list of operator actions" })
    .max(LIMITS.listItems, { error: `a list of at most ${LIMITS.listItems} operator actions` })
    .default(() => []),
  /** Alarms of the account and their state at start; an alarm named elsewhere and not listed exists, in OK. */
  alarms: z.array(ScenarioAlarmSchema, { error: "a list of alarms" }).default(() => []),
  /** Stage settings the simulation runs with. */
  stage: strictObject({
    /** Instance roles a refresh may pass; absent: every role a template names. */
    fleetInstanceRoles: stringList("IAM role names").optional(),
  }).prefault({}),
  /** The run request, validated later by parseRunRequest (`--request` overrides it). */
  // A record, not z.custom: a failing z.custom would stop the cross-field rules from running.
  request: z.record(z.string(), z.unknown(), { error: "an object (a run request)" }).default(() => ({})),
});

interface RuleIssue {
  path: PropertyKey[];
  message: string;
}

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const record = (value: unknown): Record<string, unknown> => (isPlainObject(value) ? value : {});

/** Cross-field rules, read defensively so they run alongside structural problems. */
function ruleIssues(value: unknown): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const root = record(value);

  const imageIds = new Map<string, number>();
  list(root.images).forEach((image, index) => {
    const id = record(image).imageId;
    if (typeof id !== "string") return;
    const first = imageIds.get(id);
    if (first === undefined) imageIds.set(id, index);
    else
      issues.push({
        path: ["images", index, "imageId"],
        message: `an image id not already used (images[${first}])`,
      });
  });
  const knownImages = [...imageIds.keys()];

  const groupNames = new Map<string, number>();
  list(root.groups).forEach((item, index) => {
    const group = record(item);
    if (typeof group.name === "string" && group.name !== "") {
      const first = groupNames.get(group.name);
      if (first === undefined) groupNames.set(group.name, index);
      else {
        issues.push({
          path: ["groups", index, "name"],
          message: `a group name not already used (groups[${first}] is also named ${JSON.stringify(group.name)})`,
        });
      }
    }
    const imageId = record(group.launchTemplate).imageId;
    if (typeof imageId === "string" && imageId !== "" && !imageIds.has(imageId)) {
      issues.push({
        path: ["groups", index, "launchTemplate", "imageId"],
        message:
          knownImages.length === 0
            ? "an image id listed under images (none is listed)"
            : `an image id listed under images: ${knownImages.map((id) => JSON.stringify(id)).join(", ")}`,
      });
    }
    const { desired, min, max } = group;
    if (typeof desired === "number" && Number.isInteger(desired) && desired >= 0) {
      if (typeof min === "number" && Number.isInteger(min) && min > desired) {
        issues.push({
          path: ["groups", index, "min"],
          message: `an integer 0-${desired}: at most desired (${desired})`,
        });
      }
      if (typeof max === "number" && Number.isInteger(max) && max >= 0 && max < desired) {
        issues.push({
          path: ["groups", index, "max"],
          message: `an integer >= ${desired}: at least desired (${desired})`,
        });
      }
    }
  });

  // Groups naming the same launch template share it: its fields must agree.
  const templates = new Map<string, { index: number; fields: Record<string, unknown> }>();
  list(root.groups).forEach((item, index) => {
    const template = record(record(item).launchTemplate);
    if (typeof template.name !== "string" || template.name === "") return;
    const first = templates.get(template.name);
    if (first === undefined) {
      templates.set(template.name, { index, fields: template });
      return;
    }
    for (const field of ["version", "imageId", "userData", "instanceProfileRole", "tags"]) {
      if (JSON.stringify(template[field]) !== JSON.stringify(first.fields[field])) {
        issues.push({
          path: ["groups", index, "launchTemplate", field],
          message: `the same ${field} as groups[${first.index}], which shares launch template ${JSON.stringify(template.name)} (${JSON.stringify(first.fields[field] ?? null)})`,
        });
      }
    }
  });

  list(record(root.faults).foreignRefresh).forEach((name, index) => {
    if (typeof name === "string" && name !== "" && !groupNames.has(name)) {
      issues.push({
        path: ["faults", "foreignRefresh", index],
        message: `a group name of this scenario${groupNames.size === 0 ? " (it has none)" : `: ${[...groupNames.keys()].map((n) => JSON.stringify(n)).join(", ")}`}`,
      });
    }
  });

  list(root.operator).forEach((item, index) => {
    const action = record(item);
    if ((action.afterWave === undefined) === (action.atSeconds === undefined)) {
      issues.push({
        path: ["operator", index],
        message:
          'an action with exactly one of "afterWave" (a wave name) or "atSeconds" (seconds after the start)',
      });
    }
  });

  return issues;
}

/**
 * A scenario file (CONTRACTS.md section 3): a simulated account, its faults and scripted operator.
 * Every default applied; unknown keys rejected; cross-field rules reported with the rest.
 */
export const ScenarioSchema = ScenarioShape.superRefine(
  (value, ctx) => {
    for (const issue of ruleIssues(value)) {
      ctx.addIssue({ code: "custom", path: issue.path, message: issue.message, continue: true });
    }
  },
  { when: () => true },
);
export type Scenario = z.infer<typeof ScenarioSchema>;

export type ParseScenarioResult = { ok: true; scenario: Scenario } | { ok: false; problems: Problem[] };

/**
 * Validates a scenario already read from YAML or JSON, reporting every problem at once. The
 * `request` inside stays a plain object: validate it with `parseRunRequest`. Never throws.
 */
export function parseScenarioObject(value: unknown): ParseScenarioResult {
  if (!isPlainObject(value)) {
    return { ok: false, problems: [{ field: "(root)", value, expected: "a scenario object" }] };
  }
  // Refused before anything walks it: JSON nested thousands deep overflows the stack of a walker.
  const tooDeep = nestingProblems(value);
  if (tooDeep.length > 0) return { ok: false, problems: tooDeep };
  const result = ScenarioSchema.safeParse(value, { error: naturalError });
  if (result.success) return { ok: true, scenario: result.data };
  return { ok: false, problems: problemsFromZod(result.error, value) };
}
