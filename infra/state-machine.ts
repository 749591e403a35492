/**
 * The state machine: the ASL from the same pure builder the local runner uses, with the deployed
 * function ARNs substituted; its own role, CloudWatch logging and X-Ray tracing.
 */

import {
  buildDefinition,
  buildReconcileDefinition,
  type FunctionArns,
  TASK_FUNCTIONS,
} from "@fleet-upgrade/workflow";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { assumeRolePolicy, reconcileMachinePolicy, stateMachinePolicy } from "./iam";

export interface StateMachineArgs {
  /** Physical name (its ARN is known before it exists: functions receive it in their environment). */
  name: string;
  accountId: pulumi.Input<string>;
  /** The ARN the machine will have (its role lets it start its own child executions). */
  arn: pulumi.Input<string>;
  functionArns: { [K in keyof FunctionArns]: pulumi.Input<string> };
  logRetentionDays: number;
}

/** The ARN a state machine of that name will have. */
export function stateMachineArn(partition: string, region: string, accountId: string, name: string): string {
  return `arn:${partition}:states:${region}:${accountId}:stateMachine:${name}`;
}

export function createStateMachine(args: StateMachineArgs) {
  const arns = pulumi.output(args.functionArns);
  const role = new aws.iam.Role("FleetUpgradeStateMachineRole", {
    description: "fleet-upgrade state machine",
    assumeRolePolicy: pulumi
      .output(args.accountId)
      .apply((account) => JSON.stringify(assumeRolePolicy("states.amazonaws.com", account))),
  });
  const policy = new aws.iam.RolePolicy("FleetUpgradeStateMachinePolicy", {
    role: role.id,
    policy: pulumi.all([arns, args.arn]).apply(([a, own]) =>
      JSON.stringify(
        stateMachinePolicy(
          TASK_FUNCTIONS.map((k) => a[k]),
          own,
        ),
      ),
    ),
  });
  // The vended-logs prefix keeps CloudWatch's resource policy small however many machines log.
  const logGroup = new aws.cloudwatch.LogGroup("FleetUpgradeStateMachineLogs", {
    name: `/aws/vendedlogs/states/${args.name}`,
    retentionInDays: args.logRetentionDays,
  });
  const stateMachine = new aws.sfn.StateMachine(
    "FleetUpgradeStateMachine",
    {
      name: args.name,
      type: "STANDARD",
      roleArn: role.arn,
      definition: arns.apply((a) => JSON.stringify(buildDefinition(a as FunctionArns))),
      loggingConfiguration: {
        logDestination: pulumi.interpolate`${logGroup.arn}:*`,
        // Errors only, and never the execution data: run requests and results stay in the ledger.
        level: "ERROR",
        includeExecutionData: false,
      },
      tracingConfiguration: { enabled: true },
    },
    { dependsOn: [policy] },
  );
  return { stateMachine, role, policy, logGroup };
}

export interface ReconcileMachineArgs {
  name: string;
  accountId: pulumi.Input<string>;
  functionArns: { [K in keyof FunctionArns]: pulumi.Input<string> };
  logRetentionDays: number;
}

/**
 * The reconcile state machine (DESIGN step 9): started by the EventBridge rule of triggers.ts when
 * an execution of the run's machine ends FAILED, TIMED_OUT or ABORTED; it rolls back what the run
 * left running, waits, releases its locks and closes its record. It invokes the reconcile function only.
 */
export function createReconcileStateMachine(args: ReconcileMachineArgs) {
  const arns = pulumi.output(args.functionArns);
  const role = new aws.iam.Role("FleetUpgradeReconcileMachineRole", {
    description: "fleet-upgrade reconcile state machine",
    assumeRolePolicy: pulumi
      .output(args.accountId)
      .apply((account) => JSON.stringify(assumeRolePolicy("states.amazonaws.com", account))),
  });
  const policy = new aws.iam.RolePolicy("FleetUpgradeReconcileMachinePolicy", {
    role: role.id,
    policy: arns.apply((a) => JSON.stringify(reconcileMachinePolicy(a.reconcile))),
  });
  const logGroup = new aws.cloudwatch.LogGroup("FleetUpgradeReconcileMachineLogs", {
    name: `/aws/vendedlogs/states/${args.name}`,
    retentionInDays: args.logRetentionDays,
  });
  const stateMachine = new aws.sfn.StateMachine(
    "FleetUpgradeReconcileMachine",
    {
      name: args.name,
      type: "STANDARD",
      roleArn: role.arn,
      definition: arns.apply((a) => JSON.stringify(buildReconcileDefinition(a as FunctionArns))),
      loggingConfiguration: {
        logDestination: pulumi.interpolate`${logGroup.arn}:*`,
        level: "ERROR",
        includeExecutionData: false,
      },
      tracingConfiguration: { enabled: true },
    },
    { dependsOn: [policy] },
  );
  return { stateMachine, role, policy, logGroup };
}
