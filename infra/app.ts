/**
 * The whole app for one stage, wired from the concerns in this folder. Called by sst.config.ts's
 * run(); returns the outputs SST prints after a deploy.
 */

import { LEDGER_TABLE_DEFINITION } from "@fleet-upgrade/aws";
import { stigBundleBucket } from "@fleet-upgrade/core";
import { TASK_FUNCTIONS, type TaskFunction } from "@fleet-upgrade/workflow";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createStatusApi } from "./api";
import { createDashboard } from "./dashboard";
import { createDocuments } from "./documents";
import { documentNames, environmentOf, functionName, functionSettingsOf } from "./function-specs";
import { createFunctions } from "./functions";
import { FUNCTION_KEYS, type FunctionKey, type IamContext } from "./iam";
import { createLedger } from "./ledger";
import { stageNames } from "./names";
import { createNotifications } from "./notifications";
import { createBuilderRole, createFunctionRoles } from "./roles";
import { createSchedule } from "./schedule";
import { createSlackSecret } from "./secrets";
import type { LoadedStage } from "./stage";
import { createReconcileStateMachine, createStateMachine, stateMachineArn } from "./state-machine";
import { createReconcileTrigger, createTriggers } from "./triggers";

export interface AppOptions {
  app: string;
  /** The repository root (where documents/ is). */
  rootDir: string;
  /** Production: keep the ledger from deletion. */
  protect: boolean;
}

export function createApp(loaded: LoadedStage, options: AppOptions) {
  const { stage, config } = loaded;
  // Every physical name derives from the stage and fits its AWS limit, however long the stage name.
  const physical = stageNames({
    app: options.app,
    stage,
    stageFile: loaded.file,
    region: config.region,
    topicName: config.notifications.topicName,
  });
  const prefix = physical.prefix;
  const accountId = aws.getCallerIdentityOutput({}).accountId;
  const partition = aws.getPartitionOutput({}).partition;
  const names = Object.fromEntries(
    FUNCTION_KEYS.map((k) => [k, functionName(options.app, stage, k)]),
  ) as Record<FunctionKey, string>;
  const machineName = prefix;
  const machineArn = pulumi
    .all([partition, accountId])
    .apply(([p, account]) => stateMachineArn(p, config.region, account, machineName));

  const ledger = createLedger({ protect: options.protect });
  const { topic } = createNotifications({ topicName: physical.topic });
  const docs = documentNames(stage);
  createDocuments({ rootDir: options.rootDir, names: docs });
  const stigBucket = config.builder.stigBucket ?? stigBundleBucket(config.region);
  const builder = createBuilderRole({ partition, stigBucket, name: physical.builderRole });

  const context: pulumi.Output<IamContext> = pulumi
    .all([partition, accountId, ledger.arn, topic.arn, builder.role.arn, machineArn])
    .apply(([p, account, ledgerArn, topicArn, builderArn, smArn]) => ({
      partition: p,
      region: config.region,
      accountId: account,
      managedTagValue: config.managedTagValue,
      ledgerTableArn: ledgerArn,
      ledgerIndexName: LEDGER_TABLE_DEFINITION.recentIndex.name,
      stateMachineArn: smArn,
      notificationTopicArn: topicArn,
      builderRoleArn: builderArn,
      fleetInstanceRoleArns: config.fleetInstanceRoles.map((role) => `arn:${p}:iam::${account}:role/${role}`),
      documentNames: docs,
      stigBucket,
      slackParameters: config.slack
        ? [config.slack.signingSecretParameter, config.slack.allowedUsersParameter]
        : [],
      functionNames: names,
    }));
  const { roles } = createFunctionRoles(context);
  if (config.slack) {
    createSlackSecret({
      prefix,
      partition,
      region: config.region,
      accountId,
      statusApiRoleArn: roles.statusApi.arn,
      signingSecretParameter: config.slack.signingSecretParameter,
      protect: options.protect,
    });
  }

  const settings = builder.profile.name.apply((instanceProfileName) =>
    functionSettingsOf(stage, config, { instanceProfileName }),
  );
  const functions = createFunctions({
    names,
    roleArns: Object.fromEntries(FUNCTION_KEYS.map((k) => [k, roles[k].arn])) as Record<
      FunctionKey,
      pulumi.Output<string>
    >,
    environment: (key) =>
      pulumi.all([ledger.name, topic.arn, machineArn, settings]).apply(([table, topicArn, smArn, s]) =>
        environmentOf(key, {
          region: config.region,
          ledgerTable: table,
          settings: s,
          notificationTopicArn: topicArn,
          stateMachineArn: smArn,
          config,
        }),
      ),
    logRetention: options.protect ? "1 year" : "1 month",
  });

  const taskArns = Object.fromEntries(TASK_FUNCTIONS.map((k) => [k, functions[k].arn])) as Record<
    TaskFunction,
    pulumi.Output<string>
  >;
  const machine = createStateMachine({
    name: machineName,
    accountId,
    arn: machineArn,
    functionArns: taskArns,
    logRetentionDays: options.protect ? 365 : 30,
  });
  const reconciler = createReconcileStateMachine({
    name: `${prefix}-reconcile`,
    accountId,
    functionArns: taskArns,
    logRetentionDays: options.protect ? 365 : 30,
  });
  createReconcileTrigger({
    name: prefix,
    accountId,
    stateMachineArn: machine.stateMachine.arn,
    reconcileMachineArn: reconciler.stateMachine.arn,
  });
  createTriggers({
    name: prefix,
    refreshEvents: { arn: functions.refreshEvents.arn, name: functions.refreshEvents.name },
    newAmiCheck: { arn: functions.newAmiCheck.arn, name: functions.newAmiCheck.name },
  });
  createSchedule({
    expression: config.schedule.expression,
    timezone: config.schedule.timezone,
    newAmiCheckArn: functions.newAmiCheck.arn,
  });
  const api = createStatusApi({ functionArn: functions.statusApi.arn });
  createDashboard({ name: prefix, region: config.region, stage });

  return {
    stage,
    stageFile: loaded.file,
    region: config.region,
    stateMachine: machine.stateMachine.arn,
    statusApi: api.url,
    ledger: ledger.name,
    notifications: topic.arn,
  };
}
