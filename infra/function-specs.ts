/**
 * The Lambda functions as data: handler, memory and timeout of each, and the settings every
 * function reads from its environment. Pure: infra deploys it, tests check it.
 */
import {
  amiWatchOf,
  FIPS_DOCUMENT_NAME,
  type StageConfig,
  stageSettingsOf,
  VERIFY_DOCUMENT_NAME,
} from "@fleet-upgrade/core";
import { ENV, type FunctionEnvironment, SERVICE_NAME } from "@fleet-upgrade/functions/environment";
import {
  FUNCTION_KEYS,
  FUNCTION_TABLE,
  type FunctionKey,
  TASK_TIMEOUT_SECONDS,
} from "@fleet-upgrade/workflow";
import { stagePrefix } from "./names";

export interface FunctionSpec {
  /** `packages/functions/src/<kind>/<file>.handler`: kind is tasks, triggers or api */
  handler: string;
  memoryMb: number;
  /** Below the Task state's own timeout, so a slow function fails as a Lambda error Retry can match. */
  timeoutSeconds: number;
  description: string;
}

const FUNCTIONS_SRC = "packages/functions/src";

/** Each function of the table (FUNCTION_TABLE in packages/workflow) as Lambda settings. */
export const FUNCTION_SPECS = Object.fromEntries(
  FUNCTION_KEYS.map((key): [FunctionKey, FunctionSpec] => {
    const { entry, memoryMb, timeoutSeconds, description } = FUNCTION_TABLE[key];
    return [key, { handler: `${FUNCTIONS_SRC}/${entry}.handler`, memoryMb, timeoutSeconds, description }];
  }),
) as Record<FunctionKey, FunctionSpec>;

/** A function's physical name: stable per app and stage, within Lambda's 64 characters (see names.ts). */
export function functionName(app: string, stage: string, key: FunctionKey): string {
  const kebab = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  return `${stagePrefix(app, stage)}-${kebab}`;
}

/** Names of the product's SSM documents in a stage (per stage: two stages may share an account). */
export function documentNames(stage: string): { fips: string; verify: string } {
  return { fips: `${FIPS_DOCUMENT_NAME}-${stage}`, verify: `${VERIFY_DOCUMENT_NAME}-${stage}` };
}

/** `FUNCTION_SETTINGS` (FunctionSettings of packages/functions) for a stage. */
export function functionSettingsOf(
  stage: string,
  config: StageConfig,
  builder: { instanceProfileName: string },
) {
  return {
    stage: stageSettingsOf(config),
    builder: {
      instanceProfileName: builder.instanceProfileName,
      subnetId: config.builder.subnetId,
      instanceTypes: config.builder.instanceTypes,
    },
    documents: documentNames(stage),
    launchEstimateSeconds: config.tuning.launchEstimateSeconds,
    warmupEstimateSeconds: config.tuning.warmupEstimateSeconds,
    verifySampleSize: config.tuning.verifySampleSize,
    readiness: {
      stage,
      // A personal stage without a file of its own uses stacks/dev.ts (sst.config.ts).
      stageFile: stage === "prod" ? "stacks/prod.ts" : "stacks/dev.ts",
      fleetInstanceRoles: [...config.fleetInstanceRoles],
      managedTagValue: config.managedTagValue,
    },
  };
}

export interface EnvironmentInputs {
  region: string;
  ledgerTable: string;
  settings: ReturnType<typeof functionSettingsOf>;
  notificationTopicArn: string;
  stateMachineArn: string;
  config: StageConfig;
}

/**
 * The environment of one function: what its schema in packages/functions/src/runtime/environment.ts
 * reads (every function the ledger, settings and topic; the check and the API their own extras).
 */
export function environmentOf(key: FunctionKey, inputs: EnvironmentInputs): FunctionEnvironment {
  const env: FunctionEnvironment = {
    [ENV.ledgerTable]: inputs.ledgerTable,
    [ENV.settings]: JSON.stringify(inputs.settings),
    [ENV.notificationTopicArn]: inputs.notificationTopicArn,
    [ENV.serviceName]: SERVICE_NAME,
  };
  if (key === "newAmiCheck") {
    env[ENV.stateMachineArn] = inputs.stateMachineArn;
    env[ENV.amiWatch] = JSON.stringify(amiWatchOf(inputs.config));
    env[ENV.startRuns] = String(inputs.config.schedule.startRuns);
  }
  if (key === "statusApi") {
    env[ENV.stateMachineArn] = inputs.stateMachineArn;
    if (inputs.config.slack) {
      env[ENV.slackSigningSecretParameter] = inputs.config.slack.signingSecretParameter;
      env[ENV.slackAllowedUsersParameter] = inputs.config.slack.allowedUsersParameter;
    }
  }
  return env;
}

/** Every function's Task timeout margin holds: checked by the tests. */
export const MAX_FUNCTION_TIMEOUT_SECONDS = TASK_TIMEOUT_SECONDS - 10;
