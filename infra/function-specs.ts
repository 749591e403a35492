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
import { TASK_TIMEOUT_SECONDS } from "@fleet-upgrade/workflow";
import type { FunctionKey } from "./iam";
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

function spec(file: string, description: string, memoryMb = 512, timeoutSeconds = 120): FunctionSpec {
  return { handler: `${FUNCTIONS_SRC}/${file}.handler`, memoryMb, timeoutSeconds, description };
}

export const FUNCTION_SPECS: Record<FunctionKey, FunctionSpec> = {
  validate: spec("tasks/validate", "validate a run request over the stage defaults", 256, 30),
  // 1,000 groups and 50,000 instances: paged SSM and Auto Scaling reads, the biggest task.
  inventory: spec("tasks/inventory", "inventory the targeted groups and SSM-managed instances", 1769, 280),
  // Every group of the account once (template sharing), one refresh look per targeted group.
  readiness: spec(
    "tasks/readiness",
    "judge the readiness of every targeted group before any change",
    1024,
    280,
  ),
  selectTarget: spec("tasks/select-target", "resolve the public AL2023 image per architecture", 256, 60),
  hardenStep: spec("tasks/harden-step", "advance the bake of one hardened image by one step"),
  plan: spec("tasks/plan", "split groups into waves and preflight them", 1024, 280),
  startWave: spec("tasks/start-wave", "start a wave", 256, 60),
  startRefresh: spec("tasks/start-refresh", "new launch template version and instance refresh for one group"),
  waitForRefresh: spec("tasks/wait-for-refresh", "file the task token of a group's wait", 256, 60),
  pollRefresh: spec("tasks/poll-refresh", "poll an instance refresh when no event came in time", 256, 60),
  evaluateHealth: spec("tasks/evaluate-health", "judge a group's new instances at a checkpoint"),
  rollbackGroup: spec("tasks/rollback-group", "roll a group back"),
  verifyGroup: spec("tasks/verify-group", "verify the new instances of a group"),
  finishGroup: spec("tasks/finish-group", "record how a group ended"),
  bakeWave: spec("tasks/bake-wave", "watch a finished wave's alarms", 256, 60),
  endWave: spec("tasks/end-wave", "close a wave", 256, 60),
  awaitApproval: spec("tasks/await-approval", "file the task token of a wait for approval", 256, 30),
  finish: spec("tasks/finish", "write the run result", 1024, 280),
  reconcile: spec(
    "tasks/reconcile",
    "roll back, unlock and close a run that ended outside Finish",
    1024,
    280,
  ),
  refreshEvents: spec(
    "triggers/refresh-events",
    "resume the wait of an instance refresh from its event",
    256,
    30,
  ),
  newAmiCheck: spec("triggers/new-ami-check", "start a run when a new AL2023 image is released", 256, 60),
  statusApi: spec("api/status-api", "the status API", 512, 29),
};

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

/** The environment of one function: what deps.ts reads, plus what its own handler needs. */
export function environmentOf(key: FunctionKey, inputs: EnvironmentInputs): Record<string, string> {
  const env: Record<string, string> = {
    LEDGER_TABLE: inputs.ledgerTable,
    FUNCTION_SETTINGS: JSON.stringify(inputs.settings),
    NOTIFICATION_TOPIC_ARN: inputs.notificationTopicArn,
    POWERTOOLS_SERVICE_NAME: "fleet-upgrade",
  };
  if (key === "newAmiCheck") {
    env.STATE_MACHINE_ARN = inputs.stateMachineArn;
    env.AMI_WATCH = JSON.stringify(amiWatchOf(inputs.config));
    env.START_RUNS = String(inputs.config.schedule.startRuns);
  }
  if (key === "statusApi") {
    env.STATE_MACHINE_ARN = inputs.stateMachineArn;
    if (inputs.config.slack) {
      env.SLACK_SIGNING_SECRET_PARAMETER = inputs.config.slack.signingSecretParameter;
      env.SLACK_ALLOWED_USERS_PARAMETER = inputs.config.slack.allowedUsersParameter;
    }
  }
  return env;
}

/** Every function's Task timeout margin holds: checked by the tests. */
export const MAX_FUNCTION_TIMEOUT_SECONDS = TASK_TIMEOUT_SECONDS - 10;
