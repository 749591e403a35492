/**
 * What starts and resumes work: the AL2023 release topic (cross-region, us-east-1) to the new-AMI
 * check, and Auto Scaling's instance-refresh events to the callback that resumes waiting tasks.
 * The schedule is in schedule.ts (an SST component). Imports @pulumi/aws explicitly for the mocks.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { reconcileRulePolicy } from "./iam";
import { serviceRole } from "./roles";

/** AWS's topic announcing new AL2023 AMIs; it lives in us-east-1 whatever the app's region. */
export const AL2023_RELEASE_TOPIC_ARN = "arn:aws:sns:us-east-1:137112412989:amazon-linux-2023-ami-updates";
export const AL2023_RELEASE_TOPIC_REGION = "us-east-1";

/** Every instance-refresh event Auto Scaling sends (best effort: the poll is the backstop). */
export const INSTANCE_REFRESH_DETAIL_TYPES = [
  "EC2 Auto Scaling Instance Refresh Started",
  "EC2 Auto Scaling Instance Refresh Checkpoint Reached",
  "EC2 Auto Scaling Instance Refresh Succeeded",
  "EC2 Auto Scaling Instance Refresh Failed",
  "EC2 Auto Scaling Instance Refresh Cancelled",
  "EC2 Auto Scaling Instance Refresh Rollback Started",
  "EC2 Auto Scaling Instance Refresh Rollback Succeeded",
  "EC2 Auto Scaling Instance Refresh Rollback Failed",
] as const;

/** The EventBridge pattern of the refresh-events rule. */
export function instanceRefreshEventPattern() {
  return { source: ["aws.autoscaling"], "detail-type": [...INSTANCE_REFRESH_DETAIL_TYPES] };
}

/** How an execution ends outside Finish: each starts the reconcile state machine. */
export const RECONCILED_EXECUTION_STATUSES = ["FAILED", "TIMED_OUT", "ABORTED"] as const;

/**
 * The reconcile rule's pattern: the run machine's own executions (its Distributed Map children
 * carry another state machine ARN) ending outside Finish.
 * https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html
 */
export function reconcileEventPattern(stateMachineArn: string) {
  return {
    source: ["aws.states"],
    "detail-type": ["Step Functions Execution Status Change"],
    detail: { status: [...RECONCILED_EXECUTION_STATUSES], stateMachineArn: [stateMachineArn] },
  };
}

export interface ReconcileTriggerArgs {
  name: string;
  accountId: pulumi.Input<string>;
  stateMachineArn: pulumi.Input<string>;
  reconcileMachineArn: pulumi.Input<string>;
}

/** The EventBridge rule that starts the reconcile state machine, with a role that may start only it. */
export function createReconcileTrigger(args: ReconcileTriggerArgs) {
  const rule = new aws.cloudwatch.EventRule("FleetUpgradeReconcileRule", {
    name: `${args.name}-reconcile`,
    description:
      "fleet-upgrade: a run whose execution ended outside Finish is rolled back, unlocked and closed",
    eventPattern: pulumi
      .output(args.stateMachineArn)
      .apply((arn) => JSON.stringify(reconcileEventPattern(arn))),
  });
  const role = serviceRole(
    "FleetUpgradeReconcileRuleRole",
    "fleet-upgrade: EventBridge starts the reconcile state machine",
    "events.amazonaws.com",
    args.accountId,
  );
  const policy = new aws.iam.RolePolicy("FleetUpgradeReconcileRulePolicy", {
    role: role.id,
    policy: pulumi.output(args.reconcileMachineArn).apply((arn) => JSON.stringify(reconcileRulePolicy(arn))),
  });
  const target = new aws.cloudwatch.EventTarget("FleetUpgradeReconcileTarget", {
    rule: rule.name,
    arn: args.reconcileMachineArn,
    roleArn: role.arn,
    // The whole event is the reconcile machine's input: the run id is `detail.name`.
    retryPolicy: { maximumEventAgeInSeconds: 86400, maximumRetryAttempts: 185 },
  });
  return { rule, role, policy, target };
}

export interface TriggerArgs {
  name: string;
  refreshEvents: { arn: pulumi.Input<string>; name: pulumi.Input<string> };
  newAmiCheck: { arn: pulumi.Input<string>; name: pulumi.Input<string> };
}

export function createTriggers(args: TriggerArgs) {
  const rule = new aws.cloudwatch.EventRule("FleetUpgradeRefreshEventsRule", {
    name: `${args.name}-refresh-events`,
    description: "fleet-upgrade: instance-refresh events resume the waiting group",
    eventPattern: JSON.stringify(instanceRefreshEventPattern()),
  });
  const target = new aws.cloudwatch.EventTarget("FleetUpgradeRefreshEventsTarget", {
    rule: rule.name,
    arn: args.refreshEvents.arn,
    retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 20 },
  });
  const rulePermission = new aws.lambda.Permission("FleetUpgradeRefreshEventsPermission", {
    action: "lambda:InvokeFunction",
    function: args.refreshEvents.name,
    principal: "events.amazonaws.com",
    sourceArn: rule.arn,
  });

  // A subscription must be made in the topic's region: a provider for us-east-1 does that.
  const releaseRegion = new aws.Provider("FleetUpgradeReleaseTopicRegion", {
    region: AL2023_RELEASE_TOPIC_REGION,
  });
  const releasePermission = new aws.lambda.Permission("FleetUpgradeReleaseTopicPermission", {
    action: "lambda:InvokeFunction",
    function: args.newAmiCheck.name,
    principal: "sns.amazonaws.com",
    sourceArn: AL2023_RELEASE_TOPIC_ARN,
  });
  const subscription = new aws.sns.TopicSubscription(
    "FleetUpgradeReleaseTopicSubscription",
    { topic: AL2023_RELEASE_TOPIC_ARN, protocol: "lambda", endpoint: args.newAmiCheck.arn },
    { provider: releaseRegion, dependsOn: [releasePermission] },
  );
  return { rule, target, rulePermission, releasePermission, subscription };
}
