/**
 * The environment contract of the functions: every variable's name, once, and the schema each
 * function's environment must satisfy at cold start. Infra writes environments typed against these
 * names (infra/function-specs.ts); a missing or malformed variable fails the cold start, naming it.
 */
import { type AmiWatch, AmiWatchSchema } from "@fleet-upgrade/core";
import type { FunctionKey } from "@fleet-upgrade/workflow";
import { z } from "zod";
import { EnvironmentIncompleteError } from "./errors";

/** The variables, by what they hold. */
export const ENV = {
  /** Set by Lambda itself. */
  region: "AWS_REGION",
  ledgerTable: "LEDGER_TABLE",
  /** JSON of FunctionSettings (runtime/deps.ts), written by infra from the stage file. */
  settings: "FUNCTION_SETTINGS",
  notificationTopicArn: "NOTIFICATION_TOPIC_ARN",
  /** Powertools reads it: the `service` of every log line and the metrics' service dimension. */
  serviceName: "POWERTOOLS_SERVICE_NAME",
  stateMachineArn: "STATE_MACHINE_ARN",
  /** JSON of AmiWatch: the images the new-AMI check watches. */
  amiWatch: "AMI_WATCH",
  startRuns: "START_RUNS",
  slackSigningSecretParameter: "SLACK_SIGNING_SECRET_PARAMETER",
  slackAllowedUsersParameter: "SLACK_ALLOWED_USERS_PARAMETER",
} as const;
export type EnvironmentVariable = (typeof ENV)[keyof typeof ENV];

/** The service name of logs and metrics. */
export const SERVICE_NAME = "fleet-upgrade";

/** What every function reads: the ledger, its settings, the runs topic. */
export const BaseEnvironmentSchema = z.object({
  [ENV.region]: z.string().min(1),
  [ENV.ledgerTable]: z.string().min(1),
  [ENV.settings]: z.string().optional(),
  [ENV.notificationTopicArn]: z.string().optional(),
  [ENV.serviceName]: z.string().optional(),
});

const AmiWatchJsonSchema = z.string().transform((text, ctx): AmiWatch => {
  let parsed: ReturnType<typeof AmiWatchSchema.safeParse> | undefined;
  try {
    parsed = AmiWatchSchema.safeParse(JSON.parse(text));
  } catch {
    parsed = undefined;
  }
  if (!parsed?.success) {
    ctx.addIssue({ code: "custom", message: "a JSON AmiWatch" });
    return z.NEVER;
  }
  return parsed.data;
});

/** The new-AMI check: also the machine it starts and the images it watches. */
export const NewAmiCheckEnvironmentSchema = BaseEnvironmentSchema.extend({
  [ENV.stateMachineArn]: z.string().startsWith("arn:"),
  [ENV.amiWatch]: AmiWatchJsonSchema,
  [ENV.startRuns]: z.enum(["true", "false"]).default("true"),
});

/** The status API: also the machine it starts, and Slack's parameters when the stage has Slack. */
export const StatusApiEnvironmentSchema = BaseEnvironmentSchema.extend({
  [ENV.stateMachineArn]: z.string().startsWith("arn:"),
  [ENV.slackSigningSecretParameter]: z.string().startsWith("/").optional(),
  [ENV.slackAllowedUsersParameter]: z.string().startsWith("/").optional(),
});

type EnvironmentSchema =
  | typeof BaseEnvironmentSchema
  | typeof NewAmiCheckEnvironmentSchema
  | typeof StatusApiEnvironmentSchema;

/** The schema of one function's environment. */
export function environmentSchemaOf(key: FunctionKey): EnvironmentSchema {
  if (key === "newAmiCheck") return NewAmiCheckEnvironmentSchema;
  if (key === "statusApi") return StatusApiEnvironmentSchema;
  return BaseEnvironmentSchema;
}

/** An environment as infra writes it: only the contract's names (Lambda sets AWS_REGION itself). */
export type FunctionEnvironment = Partial<Record<Exclude<EnvironmentVariable, typeof ENV.region>, string>>;

/**
 * Parses an environment with a function's schema; throws {@link EnvironmentIncompleteError} naming
 * every variable that is missing or malformed.
 */
export function readEnvironment<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const names = [...new Set(parsed.error.issues.map((issue) => issue.path.join(".")))];
    throw new EnvironmentIncompleteError(names, { cause: parsed.error });
  }
  return parsed.data;
}
