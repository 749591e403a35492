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
import { reconcileMachinePolicy, stateMachinePolicy } from "./iam";
import { serviceRole } from "./roles";

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

/**
 * A state machine with its own role (assumable by Step Functions from this account only), inline
 * policy, vended log group and tracing: the run machine and the reconcile machine alike.
 */
function machineWithRole(args: {
  /** Pulumi resource names: `<id>Role`, `<id>Policy`, `<id>Logs`, and `<id>` for the machine. */
  id: string;
  description: string;
  name: string;
  accountId: pulumi.Input<string>;
  policy: pulumi.Input<string>;
  definition: pulumi.Input<string>;
  logRetentionDays: number;
}) {
  const role = serviceRole(`${args.id}Role`, args.description, "states.amazonaws.com", args.accountId);
  const policy = new aws.iam.RolePolicy(`${args.id}Policy`, { role: role.id, policy: args.policy });
  // The vended-logs prefix keeps CloudWatch's resource policy small however many machines log.
  const logGroup = new aws.cloudwatch.LogGroup(`${args.id}Logs`, {
    name: `/aws/vendedlogs/states/${args.name}`,
    retentionInDays: args.logRetentionDays,
  });
  const stateMachine = new aws.sfn.StateMachine(
    args.id,
    {
      name: args.name,
      type: "STANDARD",
      roleArn: role.arn,
      definition: args.definition,
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

export function createStateMachine(args: StateMachineArgs) {
  const arns = pulumi.output(args.functionArns);
  return machineWithRole({
    id: "FleetUpgradeStateMachine",
    description: "fleet-upgrade state machine",
    name: args.name,
    accountId: args.accountId,
    policy: pulumi.all([arns, args.arn]).apply(([a, own]) =>
      JSON.stringify(
        stateMachinePolicy(
          TASK_FUNCTIONS.map((k) => a[k]),
          own,
        ),
      ),
    ),
    definition: arns.apply((a) => JSON.stringify(buildDefinition(a as FunctionArns))),
    logRetentionDays: args.logRetentionDays,
  });
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
  return machineWithRole({
    id: "FleetUpgradeReconcileMachine",
    description: "fleet-upgrade reconcile state machine",
    name: args.name,
    accountId: args.accountId,
    policy: arns.apply((a) => JSON.stringify(reconcileMachinePolicy(a.reconcile))),
    definition: arns.apply((a) => JSON.stringify(buildReconcileDefinition(a as FunctionArns))),
    logRetentionDays: args.logRetentionDays,
  });
}
