import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SFNClient } from "@aws-sdk/client-sfn";
import { SSMClient } from "@aws-sdk/client-ssm";
import { clientSettings, DynamoLedgerStore, SfnRunStarter, SsmParameterCatalog } from "@fleet-upgrade/aws";
import {
  type AmiWatch,
  amiChanges,
  type ImageCatalog,
  isErrorNamed,
  type LedgerStore,
  lastRelease,
  type RunStarter,
  recordRelease,
  releaseExecutionName,
  releaseReason,
  watchedParameters,
} from "@fleet-upgrade/core";
import type { TaskLogger } from "../runtime/deps";
import { ENV, NewAmiCheckEnvironmentSchema, readEnvironment } from "../runtime/environment";
import { entryPoint } from "../runtime/lambda";

export interface NewAmiCheckDeps {
  catalog: Pick<ImageCatalog, "getParameters">;
  store: LedgerStore;
  /** Starts the run's execution, named after the release (SfnRunStarter in AWS). */
  starter: Pick<RunStarter, "start">;
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
    // The same input for the same release: Step Functions then treats a repeat as the same run.
    await deps.starter.start(name, { reason: releaseReason(changes) });
  } catch (error) {
    if (!isErrorNamed(error, "ExecutionAlreadyExists")) throw error;
    outcome = "already-started";
  }
  await recordRelease(deps.store, deps.watch, { values, executionName: name, seenAt });
  deps.logger.info("new image: run started", { changes, executionName: name, outcome });
  return { outcome, executionName: name };
}

/** The check's dependencies from its environment, validated at cold start. */
export function newAmiCheckDepsFromEnvironment(env: NodeJS.ProcessEnv, logger: TaskLogger): NewAmiCheckDeps {
  const parsed = readEnvironment(NewAmiCheckEnvironmentSchema, env);
  const region = { region: parsed[ENV.region] };
  // Only the public AL2023 parameters are read (SSM), never an image (EC2).
  const catalog = new SsmParameterCatalog({ ssm: new SSMClient(clientSettings(region, "ssm")) });
  return {
    catalog,
    store: new DynamoLedgerStore({
      dynamodb: new DynamoDBClient(clientSettings(region, "dynamodb")),
      tableName: parsed[ENV.ledgerTable],
    }),
    starter: new SfnRunStarter(
      { sfn: new SFNClient(clientSettings(region, "sfn")) },
      parsed[ENV.stateMachineArn],
    ),
    watch: parsed[ENV.amiWatch],
    startRuns: parsed[ENV.startRuns] === "true",
    now: () => new Date(),
    logger,
  };
}

/** Scheduler and SNS invoke it alike: what triggered it matters only to the log. */
export function newAmiCheckHandler(injected?: NewAmiCheckDeps) {
  return entryPoint<unknown, NewAmiCheckResult, NewAmiCheckDeps>(
    {
      name: "newAmiCheck",
      fromEnvironment: newAmiCheckDepsFromEnvironment,
      injected,
      loggerOf: (deps) => deps.logger,
    },
    async (event, deps) => {
      const trigger = (event as { Records?: unknown[] } | null)?.Records ? "sns" : "schedule";
      deps.logger.info("checking for a new AL2023 image", { trigger });
      return checkForNewAmi(deps);
    },
  );
}

export const handler = newAmiCheckHandler();
