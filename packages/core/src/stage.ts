import { z } from "zod";
import type { AmiWatch } from "./ami-release";
import { FleetUpgradeError } from "./errors";
import { type Architecture, ArchitectureSchema } from "./fleet";
import {
  DEFAULT_VALIDATED_FIPS_KERNELS,
  ImageFlavorSchema,
  KernelTrackSchema,
  parseRunRequest,
  type RunRequestDefaults,
  type StageSettings,
  StageSettingsSchema,
} from "./run-request";
import {
  formatPath,
  formatProblems,
  integerIn,
  naturalError,
  nonEmptyString,
  type Problem,
  problemsFromZod,
  strictObject,
} from "./validation";

/** The tag that marks what the product may change: groups, builders and their images. */
export const MANAGED_TAG_KEY = "fleet-upgrade:managed";

const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const SCHEDULE = /^(cron|rate)\(.+\)$/;
const PARAMETER_NAME = /^\/[A-Za-z0-9_.\-/]+$/;
const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}$/;

const parameterName = (what: string) =>
  z
    .string({ error: `an SSM parameter name like "/fleet-upgrade/${what}"` })
    .regex(PARAMETER_NAME, { error: `an SSM parameter name like "/fleet-upgrade/${what}"` });

/**
 * One SST stage (`stacks/<stage>.ts`): where it deploys, the defaults of its run requests, when and
 * on which images the new-AMI check starts a run, and where it notifies. Names of secrets only,
 * never their values.
 */
export const StageConfigSchema = strictObject({
  /** The region the product is deployed to; it upgrades the fleet of that region. */
  region: z.string({ error: 'an AWS region like "us-east-1"' }).regex(REGION, {
    error: 'an AWS region like "us-east-1"',
  }),
  /** Merged under every run request; validated with the stage's FIPS kernel tracks. */
  requestDefaults: z
    .custom<RunRequestDefaults>((v) => typeof v === "object" && v !== null && !Array.isArray(v), {
      error: "an object (a partial run request)",
    })
    .default(() => ({})),
  /** Kernel tracks FIPS-validated for this stage (default `["6.1"]`). */
  validatedFipsKernels: z
    .array(KernelTrackSchema, { error: "a list of kernel tracks" })
    .default(() => [...DEFAULT_VALIDATED_FIPS_KERNELS]),
  /** The new-AMI check: how often it looks, and which public parameters it watches. */
  schedule: strictObject({
    expression: z
      .string({ error: 'an EventBridge Scheduler expression like "cron(0 6 * * ? *)" or "rate(6 hours)"' })
      .regex(SCHEDULE, {
        error: 'an EventBridge Scheduler expression like "cron(0 6 * * ? *)" or "rate(6 hours)"',
      }),
    timezone: nonEmptyString('an IANA time zone like "Europe/Berlin"').default("UTC"),
    /** false: the check runs but only records the new image; no run starts by itself. */
    startRuns: z.boolean({ error: "true or false" }).default(true),
  }),
  /** The images the new-AMI check watches: default the run request's kernel track and flavour. */
  watch: strictObject({
    kernel: KernelTrackSchema.optional(),
    flavor: ImageFlavorSchema.optional(),
    architectures: z
      .array(ArchitectureSchema, { error: 'a list of "x86_64" and/or "arm64"' })
      .min(1, { error: 'a list of "x86_64" and/or "arm64"' })
      .default((): Architecture[] => ["x86_64", "arm64"]),
  }).prefault({}),
  notifications: strictObject({
    /** SNS topic for run start, wave end, rollback and finish. */
    topicName: z
      .string({ error: "an SNS topic name: letters, digits, - and _" })
      .regex(TOPIC_NAME, { error: "an SNS topic name: letters, digits, - and _" }),
  }),
  /** The Slack route of the status API: parameter names only; the values live in SSM. */
  slack: strictObject({
    signingSecretParameter: parameterName("slack-signing-secret"),
    allowedUsersParameter: parameterName("slack-allowed-users"),
  }).nullable(),
  /**
   * Names of the IAM roles in the fleet's own instance profiles: starting a refresh with a launch
   * template that names an instance profile needs `iam:PassRole` on its role, and only these may pass.
   */
  fleetInstanceRoles: z
    .array(nonEmptyString("an IAM role name"), { error: "a list of IAM role names" })
    .default(() => []),
  /** Value of the `fleet-upgrade:managed` tag: IAM lets the product change only what carries it. */
  managedTagValue: nonEmptyString("a non-empty tag value").default("true"),
  builder: strictObject({
    /** Subnet for the image builder instance; null: the default VPC's default subnet. */
    subnetId: z
      .string({ error: 'null or a subnet id like "subnet-0abc123"' })
      .regex(/^subnet-[0-9a-f]+$/, { error: 'null or a subnet id like "subnet-0abc123"' })
      .nullable()
      .default(null),
    instanceTypes: strictObject({
      x86_64: nonEmptyString("an instance type").default("t3.large"),
      arm64: nonEmptyString("an instance type").default("t4g.large"),
    }).prefault({}),
    /** The regional bucket `AWSEC2-ConfigureSTIG` downloads its bundle from; null: `stigBundleBucket(region)`. */
    stigBucket: nonEmptyString("a bucket name").nullable().default(null),
  }).prefault({}),
  /** Estimates the orchestrator uses for pacing (AWS does not say). */
  tuning: strictObject({
    launchEstimateSeconds: integerIn(1, 3600).default(60),
    warmupEstimateSeconds: integerIn(1, 3600).default(300),
    verifySampleSize: integerIn(1, 1000).default(10),
  }).prefault({}),
});
export type StageConfig = z.infer<typeof StageConfigSchema>;
export type StageConfigInput = z.input<typeof StageConfigSchema>;

/** A stage file failed validation; `problems` lists every problem, the message one per line. */
export class InvalidStageConfigError extends FleetUpgradeError {
  override readonly name = "InvalidStageConfigError";
  readonly problems: Problem[];
  constructor(stage: string, problems: Problem[]) {
    super(`stage ${stage} is invalid:\n${formatProblems(problems)}`);
    this.problems = problems;
  }
}

/** What the stage gives every function for run requests (`FunctionSettings.stage`). */
export function stageSettingsOf(config: StageConfig): StageSettings {
  return StageSettingsSchema.parse({
    validatedFipsKernels: config.validatedFipsKernels,
    requestDefaults: config.requestDefaults,
  });
}

/**
 * The bucket the STIG document reads its bundle from, per region. Check it against the
 * `AWSEC2-ConfigureSTIG` documentation when a region is added; a stage may set `builder.stigBucket`.
 */
export function stigBundleBucket(region: string): string {
  return `aws-windows-downloads-${region}`;
}

/**
 * Validates a stage file: its own fields, its request defaults merged into an empty request (the
 * request every trigger starts with), and that those defaults target groups carrying the managed
 * tag the IAM policies allow. Reports every problem at once.
 *
 * @example
 * export default defineStage("dev", { region: "eu-west-1", schedule: { expression: "rate(6 hours)" },
 *   notifications: { topicName: "fleet-upgrade-dev" }, slack: null });
 */
export function defineStage(stage: string, input: StageConfigInput): StageConfig {
  const parsed = StageConfigSchema.safeParse(input, { error: naturalError });
  if (!parsed.success) throw new InvalidStageConfigError(stage, problemsFromZod(parsed.error, input));
  const config = parsed.data;
  const request = parseRunRequest({}, stageSettingsOf(config));
  if (!request.ok) {
    throw new InvalidStageConfigError(
      stage,
      request.problems.map((p) => ({ ...p, field: `requestDefaults.${p.field}` })),
    );
  }
  const targeted = request.request.targets.tags[MANAGED_TAG_KEY];
  if (targeted !== config.managedTagValue) {
    throw new InvalidStageConfigError(stage, [
      {
        field: formatPath(["requestDefaults", "targets", "tags", MANAGED_TAG_KEY]),
        value: targeted,
        expected: `${JSON.stringify(config.managedTagValue)} (managedTagValue): the product may change only groups tagged ${MANAGED_TAG_KEY}=${config.managedTagValue}`,
      },
    ]);
  }
  return config;
}

/**
 * What the stage's new-AMI check watches: its `watch` settings, else the kernel track and flavour
 * its run requests default to (a release of another track would start a run nobody asked for).
 */
export function amiWatchOf(config: StageConfig): AmiWatch {
  const request = parseRunRequest({}, stageSettingsOf(config));
  const image = request.ok ? request.request.image : { kernel: "6.1" as const, flavor: "standard" as const };
  return {
    kernel: config.watch.kernel ?? image.kernel,
    flavor: config.watch.flavor ?? image.flavor,
    architectures: [...new Set(config.watch.architectures)].sort(),
  };
}

/**
 * The managed tag value of a stage, from its settings as functions receive them: the value its run
 * requests target by default (`defineStage` holds that equal to `managedTagValue`), else `"true"`.
 */
export function managedTagValueOf(settings: Partial<StageSettings>): string {
  const request = parseRunRequest({}, settings);
  return (request.ok ? request.request.targets.tags[MANAGED_TAG_KEY] : undefined) ?? "true";
}
