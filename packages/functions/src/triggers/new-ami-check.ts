import { Logger } from "@aws-lambda-powertools/logger";
import { type SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { createAwsClients, DynamoLedgerStore, SsmImageCatalog } from "@fleet-upgrade/aws";
import {
  type AmiWatch,
  AmiWatchSchema,
  amiChanges,
  type ImageCatalog,
  isErrorNamed,
  type LedgerStore,
  lastRelease,
  recordRelease,
  releaseExecutionName,
  releaseReason,
  watchedParameters,
} from "@fleet-upgrade/core";
import middy from "@middy/core";
import { z } from "zod";
import type { TaskLogger } from "../runtime/deps";

export interface NewAmiCheckDeps {
  catalog: Pick<ImageCatalog, "getParameters">;
  store: LedgerStore;
  sfn: SFNClient;
  stateMachineArn: string;
  watch: AmiWatch;
  /** false: record new images only; nobody asked for runs to start by themselves. */
  startRuns: boolean;
  now: () => Date;
  logger: TaskLogger;
}

export type NewAmiCheckResult =
  | { outcome: "unchanged" | "baseline" | "recorded"; executionName: null }
  | { outcome: "started" | "already-started"; executionName: string };

/**
 * Compares the public AL2023 parameters with the last release seen; on a change, starts a run named
 * after the new values, so schedule, SNS and retries never start two runs for one release. The first
 * check only records the images of the day as the baseline.
 */
export async function checkForNewAmi(deps: NewAmiCheckDeps): Promise<NewAmiCheckResult> {
  const current = await deps.catalog.getParameters(watchedParameters(deps.watch));
  const last = await lastRelease(deps.store, deps.watch);
  const changes = amiChanges(last?.values, current);
  if (changes.length === 0) return { outcome: "unchanged", executionName: null };
  const values = { ...last?.values, ...current };
  const seenAt = deps.now().toISOString();
  if (!last || !deps.startRuns) {
    await recordRelease(deps.store, deps.watch, { values, executionName: null, seenAt });
    deps.logger.info("images recorded", { changes, startRuns: deps.startRuns });
    return { outcome: last ? "recorded" : "baseline", executionName: null };
  }
  const name = releaseExecutionName(values);
  let outcome: "started" | "already-started" = "started";
  try {
    await deps.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: deps.stateMachineArn,
        name,
        // The same input for the same release: Step Functions then treats a repeat as the same run.
        input: JSON.stringify({ reason: releaseReason(changes) }),
      }),
    );
  } catch (error) {
    if (!isErrorNamed(error, "ExecutionAlreadyExists")) throw error;
    outcome = "already-started";
  }
  await recordRelease(deps.store, deps.watch, { values, executionName: name, seenAt });
  deps.logger.info("new image: run started", { changes, executionName: name, outcome });
  return { outcome, executionName: name };
}

const EnvironmentSchema = z.object({
  AWS_REGION: z.string().min(1),
  LEDGER_TABLE: z.string().min(1),
  STATE_MACHINE_ARN: z.string().startsWith("arn:"),
  AMI_WATCH: z.string().transform((text, ctx) => {
    const parsed = AmiWatchSchema.safeParse(JSON.parse(text));
    if (!parsed.success) ctx.addIssue({ code: "custom", message: "a JSON AmiWatch" });
    return parsed.data as AmiWatch;
  }),
  START_RUNS: z.enum(["true", "false"]).default("true"),
});

/** The check's dependencies from its environment, validated at cold start. */
export function newAmiCheckDepsFromEnvironment(env: NodeJS.ProcessEnv, logger: TaskLogger): NewAmiCheckDeps {
  const parsed = EnvironmentSchema.safeParse(env);
  if (!parsed.success) {
    const names = parsed.error.issues.map((i) => i.path.join(".")).join(", ");
    throw new Error(`the function's environment is incomplete: ${names} must be set`);
  }
  const clients = createAwsClients({ region: parsed.data.AWS_REGION });
  return {
    catalog: new SsmImageCatalog(clients),
    store: new DynamoLedgerStore({ dynamodb: clients.dynamodb, tableName: parsed.data.LEDGER_TABLE }),
    sfn: clients.sfn,
    stateMachineArn: parsed.data.STATE_MACHINE_ARN,
    watch: parsed.data.AMI_WATCH,
    startRuns: parsed.data.START_RUNS === "true",
    now: () => new Date(),
    logger,
  };
}

let coldStart: NewAmiCheckDeps | undefined;

/** Scheduler and SNS invoke it alike: what triggered it matters only to the log. */
export function newAmiCheckHandler(injected?: NewAmiCheckDeps) {
  return middy<unknown, NewAmiCheckResult>().handler(async (event) => {
    if (!injected && !coldStart) {
      const powertools = new Logger({ serviceName: "fleet-upgrade" });
      coldStart = newAmiCheckDepsFromEnvironment(process.env, {
        info: (m, e) => powertools.info(m, e ?? {}),
        warn: (m, e) => powertools.warn(m, e ?? {}),
        error: (m, e) => powertools.error(m, e ?? {}),
      });
    }
    const deps = injected ?? (coldStart as NewAmiCheckDeps);
    const trigger = (event as { Records?: unknown[] } | null)?.Records ? "sns" : "schedule";
    deps.logger.info("checking for a new AL2023 image", { trigger });
    return checkForNewAmi(deps);
  });
}

export const handler = newAmiCheckHandler();
