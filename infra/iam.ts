/**
 * Over 300 lines: every role of the app in one file, so a reviewer signs off one document.
 *
 * IAM as data: every role's policy documents, built by pure functions from names and ARNs, so tests
 * can read them and a reviewer can sign them off. Infra turns them into JSON with the real ARNs.
 *
 * Rules the tests hold these to: no wildcard action; every mutating Auto Scaling and EC2 action is
 * conditioned on the `fleet-upgrade:managed` tag (and builder-only actions on the builder's role
 * tag); `iam:PassRole` only to EC2; each function gets what its handler calls and nothing more.
 */
import { MANAGED_TAG_KEY, STIG_DOCUMENT_NAME } from "@fleet-upgrade/core";
import type { FunctionKey } from "@fleet-upgrade/workflow";

/** Every Lambda function of the app (FUNCTION_TABLE of packages/workflow): the policies are keyed by them. */
export { FUNCTION_KEYS, type FunctionKey } from "@fleet-upgrade/workflow";

/** Tag the hardening step puts on its builder instance (harden-step.ts); builder-only actions need it. */
export const ROLE_TAG_KEY = "fleet-upgrade:role";
export const BUILDER_ROLE_TAG_VALUE = "builder";
/** Tag Auto Scaling puts on every instance it launches, naming its group. */
export const AUTOSCALING_GROUP_TAG_KEY = "aws:autoscaling:groupName";

/** The AL2023 public image parameters (region-scoped, no account). */
export const AL2023_PARAMETERS = "/aws/service/ami-amazon-linux-latest/*";

export interface PolicyStatement {
  Sid: string;
  Effect: "Allow";
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

/** Names and ARNs the policies refer to; in infra they come from the deployed resources. */
export interface IamContext {
  partition: string;
  region: string;
  accountId: string;
  /** Value of `fleet-upgrade:managed` on everything the product may change. */
  managedTagValue: string;
  ledgerTableArn: string;
  ledgerIndexName: string;
  stateMachineArn: string;
  notificationTopicArn: string;
  /** The image builder's instance role: the only role hardening passes. */
  builderRoleArn: string;
  /** Roles of the fleet's own instance profiles, which a refresh with their launch template passes. */
  fleetInstanceRoleArns: string[];
  documentNames: { fips: string; verify: string };
  /** Bucket `AWSEC2-ConfigureSTIG` downloads its bundle from. */
  stigBucket: string;
  /** SSM parameters the Slack route reads (names, starting with "/"). */
  slackParameters: string[];
  /** Physical name of each function (its log group is `/aws/lambda/<name>`). */
  functionNames: Record<FunctionKey, string>;
}

type LedgerAction =
  | "GetItem"
  | "PutItem"
  | "Query"
  | "DeleteItem"
  | "BatchGetItem"
  | "BatchWriteItem"
  | "QueryIndex";

/** What each function does with the ledger, read from its handler and the RunLedger methods it uses. */
export const LEDGER_ACCESS: Record<FunctionKey, LedgerAction[]> = {
  validate: ["GetItem", "PutItem"],
  inventory: ["GetItem", "PutItem", "BatchWriteItem"],
  // One item per scan page, and per targeted group: its inventory item read, its readiness written.
  readiness: ["GetItem", "PutItem", "Query", "BatchGetItem", "BatchWriteItem"],
  selectTarget: ["GetItem", "PutItem"],
  hardenStep: ["GetItem", "PutItem"],
  plan: ["GetItem", "PutItem", "Query", "BatchWriteItem"],
  startWave: ["GetItem", "PutItem"],
  startRefresh: ["GetItem", "PutItem"],
  waitForRefresh: ["GetItem", "PutItem", "DeleteItem"],
  // Notes the share of instances replaced on the group's progress (live progress).
  pollRefresh: ["GetItem", "PutItem", "DeleteItem"],
  evaluateHealth: ["GetItem", "PutItem"],
  rollbackGroup: ["GetItem", "PutItem"],
  // Records the regression judge's verdicts on the group's own item.
  verifyGroup: ["GetItem", "PutItem"],
  finishGroup: ["GetItem", "PutItem", "DeleteItem"],
  bakeWave: ["GetItem", "PutItem"],
  endWave: ["GetItem", "PutItem", "Query"],
  awaitApproval: ["GetItem", "PutItem", "DeleteItem"],
  // Closes the record and releases the run's locks; it never writes group items.
  finish: ["GetItem", "PutItem", "Query", "DeleteItem"],
  // Settles the groups it left running, releases the run's locks, closes the record.
  reconcile: ["GetItem", "PutItem", "Query", "BatchWriteItem", "DeleteItem"],
  // Takes the wait token, and notes the share replaced on the group's progress.
  refreshEvents: ["GetItem", "PutItem", "DeleteItem"],
  newAmiCheck: ["GetItem", "PutItem"],
  // Issue 5 (status API) may need more: approve resumes a task token (states:SendTaskSuccess).
  // Approve and abort update the run record and take wait tokens.
  statusApi: ["GetItem", "Query", "QueryIndex", "PutItem", "DeleteItem"],
};

const arnPrefix = (ctx: IamContext, service: string, account = ctx.accountId) =>
  `arn:${ctx.partition}:${service}:${ctx.region}:${account}`;

const managed = (ctx: IamContext, key = "aws:ResourceTag") => ({
  StringEquals: { [`${key}/${MANAGED_TAG_KEY}`]: ctx.managedTagValue },
});

export function statement(
  Sid: string,
  Action: string[],
  Resource: string[],
  Condition?: PolicyStatement["Condition"],
): PolicyStatement {
  return { Sid, Effect: "Allow", Action: [...Action].sort(), Resource, ...(Condition && { Condition }) };
}

function logsStatement(ctx: IamContext, key: FunctionKey): PolicyStatement {
  return statement(
    "WriteOwnLogs",
    ["logs:CreateLogStream", "logs:PutLogEvents"],
    [`${arnPrefix(ctx, "logs")}:log-group:/aws/lambda/${ctx.functionNames[key]}:*`],
  );
}

function ledgerStatements(ctx: IamContext, key: FunctionKey): PolicyStatement[] {
  const access = LEDGER_ACCESS[key];
  const table = access.filter((a) => a !== "QueryIndex").map((a) => `dynamodb:${a}`);
  const out = table.length > 0 ? [statement("Ledger", table, [ctx.ledgerTableArn])] : [];
  if (access.includes("QueryIndex")) {
    out.push(
      statement(
        "LedgerRecentRuns",
        ["dynamodb:Query"],
        [`${ctx.ledgerTableArn}/index/${ctx.ledgerIndexName}`],
      ),
    );
  }
  return out;
}

/**
 * Describe and List calls: Auto Scaling, EC2, SSM inventory and CloudWatch reads offer no
 * resource-level permissions, so `*` is the only resource AWS accepts for them.
 */
export function readStatement(actions: string[]): PolicyStatement {
  return statement("ReadOnlyWithoutResourceLevelPermissions", actions, ["*"]);
}

const GROUP_HEALTH_READS = [
  "autoscaling:DescribeAutoScalingGroups",
  "cloudwatch:DescribeAlarms",
  // The regression judge reads per-instance series. GetMetricData takes no resource ARNs (no resource
  // type in https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html),
  // so it can only be granted on "*".
  "cloudwatch:GetMetricData",
  "elasticloadbalancing:DescribeTargetHealth",
  "ssm:DescribeInstanceInformation",
];

function groupArn(ctx: IamContext): string {
  return `${arnPrefix(ctx, "autoscaling")}:autoScalingGroup:*:autoScalingGroupName/*`;
}

/**
 * Using a launch template in StartInstanceRefresh or UpdateAutoScalingGroup: Auto Scaling checks that
 * the caller could launch from it (RunInstances, CreateTags for its tag specifications, PassRole for
 * its instance profile), per "Control Amazon EC2 launch template usage in Auto Scaling groups"
 * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-launch-template-permissions.html).
 * Only a template tagged managed, and instances only through a launch template.
 */
function useLaunchTemplateStatements(ctx: IamContext): PolicyStatement[] {
  const ec2 = arnPrefix(ctx, "ec2");
  const templates = `${ec2}:launch-template/*`;
  const out = [
    statement("UseManagedLaunchTemplate", ["ec2:RunInstances"], [templates], managed(ctx)),
    statement(
      "LaunchOnlyThroughLaunchTemplate",
      ["ec2:RunInstances"],
      [
        `${ec2}:instance/*`,
        `${ec2}:volume/*`,
        `${ec2}:network-interface/*`,
        `${ec2}:subnet/*`,
        `${ec2}:security-group/*`,
        `${ec2}:key-pair/*`,
        `arn:${ctx.partition}:ec2:${ctx.region}::image/*`,
      ],
      { ArnLike: { "ec2:LaunchTemplate": templates } },
    ),
    statement(
      "TagOnLaunchThroughLaunchTemplate",
      ["ec2:CreateTags"],
      [`${ec2}:instance/*`, `${ec2}:volume/*`, `${ec2}:network-interface/*`],
      { StringEquals: { "ec2:CreateAction": "RunInstances" } },
    ),
  ];
  if (ctx.fleetInstanceRoleArns.length > 0) {
    out.push(
      statement("PassFleetInstanceRoles", ["iam:PassRole"], [...ctx.fleetInstanceRoleArns], {
        StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" },
      }),
    );
  }
  return out;
}

function builderStatements(ctx: IamContext): PolicyStatement[] {
  const ec2 = arnPrefix(ctx, "ec2");
  const instances = `${ec2}:instance/*`;
  const images = `arn:${ctx.partition}:ec2:${ctx.region}::image/*`;
  // Snapshot ARNs, like image ARNs, carry no account (Service Authorization Reference, Amazon EC2).
  const snapshots = `arn:${ctx.partition}:ec2:${ctx.region}::snapshot/*`;
  const builderTags = {
    [`aws:ResourceTag/${MANAGED_TAG_KEY}`]: ctx.managedTagValue,
    [`aws:ResourceTag/${ROLE_TAG_KEY}`]: BUILDER_ROLE_TAG_VALUE,
  };
  const ssm = arnPrefix(ctx, "ssm");
  return [
    readStatement([
      "ec2:DescribeImages",
      "ec2:DescribeInstances",
      "ssm:DescribeInstanceInformation",
      "ssm:GetCommandInvocation",
      "ssm:ListCommands",
    ]),
    statement("LaunchTaggedBuilder", ["ec2:RunInstances"], [instances], {
      StringEquals: {
        [`aws:RequestTag/${MANAGED_TAG_KEY}`]: ctx.managedTagValue,
        [`aws:RequestTag/${ROLE_TAG_KEY}`]: BUILDER_ROLE_TAG_VALUE,
      },
    }),
    statement("LaunchFromAmazonImage", ["ec2:RunInstances"], [images], {
      StringEquals: { "ec2:Owner": "amazon" },
    }),
    statement(
      "LaunchBuilderResources",
      ["ec2:RunInstances"],
      [`${ec2}:volume/*`, `${ec2}:network-interface/*`, `${ec2}:subnet/*`, `${ec2}:security-group/*`],
    ),
    statement("TagOnCreateOnly", ["ec2:CreateTags"], [instances, images, snapshots], {
      StringEquals: { "ec2:CreateAction": ["RunInstances", "CreateImage"] },
    }),
    statement("ImageAndTerminateBuilderOnly", ["ec2:CreateImage", "ec2:TerminateInstances"], [instances], {
      StringEquals: builderTags,
    }),
    statement("CreateBuilderImage", ["ec2:CreateImage"], [images, snapshots]),
    statement("PassBuilderRoleToEc2", ["iam:PassRole"], [ctx.builderRoleArn], {
      StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" },
    }),
    statement(
      "RunHardeningDocuments",
      ["ssm:SendCommand"],
      [
        `arn:${ctx.partition}:ssm:${ctx.region}::document/${STIG_DOCUMENT_NAME}`,
        `${ssm}:document/${ctx.documentNames.fips}`,
        `${ssm}:document/${ctx.documentNames.verify}`,
      ],
    ),
    statement("RunDocumentsOnBuilderOnly", ["ssm:SendCommand"], [instances], {
      StringEquals: {
        [`ssm:resourceTag/${MANAGED_TAG_KEY}`]: ctx.managedTagValue,
        [`ssm:resourceTag/${ROLE_TAG_KEY}`]: BUILDER_ROLE_TAG_VALUE,
      },
    }),
  ];
}

/**
 * Resuming a `.waitForTaskToken` task: tokens of service-integration Task states carry no resource
 * IAM can scope, so `*` is the only resource that works; only the two functions that hold tokens get it.
 */
function resumeStatement(sid: string): PolicyStatement {
  return statement(sid, ["states:SendTaskSuccess"], ["*"]);
}

function refreshStatements(ctx: IamContext, actions: string[], sid: string): PolicyStatement {
  return statement(sid, actions, [groupArn(ctx)], managed(ctx));
}

/**
 * ROLE_NOT_PASSABLE judges the role a template's instance profile holds (GetInstanceProfile), which
 * takes the instance profile's ARN as its resource (Service Authorization Reference, IAM).
 */
export function readInstanceProfilesStatement(
  ctx: Pick<IamContext, "partition" | "accountId">,
): PolicyStatement {
  return statement(
    "ReadInstanceProfileRoles",
    ["iam:GetInstanceProfile"],
    [`arn:${ctx.partition}:iam::${ctx.accountId}:instance-profile/*`],
  );
}

function publicAl2023(ctx: IamContext): string {
  return `arn:${ctx.partition}:ssm:${ctx.region}::parameter${AL2023_PARAMETERS}`;
}

/** The AWS calls of each function beyond logs and the ledger, read from its handler's adapters. */
export const SERVICE_STATEMENTS: Record<FunctionKey, (ctx: IamContext) => PolicyStatement[]> = {
  inventory: (ctx) => [
    readStatement([
      "autoscaling:DescribeAutoScalingGroups",
      "ec2:DescribeImages",
      "ec2:DescribeLaunchTemplateVersions",
      "ssm:DescribeInstanceInformation",
      "ssm:GetInventory",
    ]),
    // Launch templates may name their image as `resolve:ssm:<parameter>`: only AWS's public AL2023
    // parameters are read, so no secret in Parameter Store is readable by this function.
    statement("ResolveImageParameters", ["ssm:GetParameters"], [publicAl2023(ctx)]),
  ],
  readiness: (ctx) => [
    readStatement([
      "autoscaling:DescribeAutoScalingGroups",
      "autoscaling:DescribeInstanceRefreshes",
      "ec2:DescribeLaunchTemplates",
      "ec2:DescribeLaunchTemplateVersions",
      "cloudwatch:DescribeAlarms",
    ]),
    readInstanceProfilesStatement(ctx),
  ],
  selectTarget: (ctx) => [
    readStatement(["ec2:DescribeImages"]),
    statement("ReadAl2023Parameters", ["ssm:GetParameters"], [publicAl2023(ctx)]),
  ],
  hardenStep: (ctx) => builderStatements(ctx),
  startRefresh: (ctx) => [
    // DescribeAlarms: only alarms in OK go in a refresh's AlarmSpecification (AWS refuses others).
    readStatement(["autoscaling:DescribeInstanceRefreshes", "cloudwatch:DescribeAlarms"]),
    statement(
      "NewVersionOfManagedLaunchTemplate",
      ["ec2:CreateLaunchTemplateVersion"],
      [`${arnPrefix(ctx, "ec2")}:launch-template/*`],
      managed(ctx),
    ),
    // In a revert pass (rollback scope wave or run) it reverts groups: rollback, or cancel and reverse.
    refreshStatements(
      ctx,
      [
        "autoscaling:StartInstanceRefresh",
        "autoscaling:RollbackInstanceRefresh",
        "autoscaling:CancelInstanceRefresh",
      ],
      "RefreshManagedGroups",
    ),
    ...useLaunchTemplateStatements(ctx),
  ],
  waitForRefresh: () => [
    readStatement(["autoscaling:DescribeInstanceRefreshes"]),
    // An event that fired before the token was filed: the wait resumes itself.
    resumeStatement("ResumeOwnWait"),
  ],
  // A run aborted while its wave ran: the wait resumes itself at once.
  awaitApproval: (ctx) => [resumeStatement("ResumeOwnWait"), notifyStatement(ctx)],
  pollRefresh: () => [readStatement(["autoscaling:DescribeInstanceRefreshes"])],
  evaluateHealth: () => [readStatement(GROUP_HEALTH_READS)],
  rollbackGroup: (ctx) => [
    readStatement(["autoscaling:DescribeInstanceRefreshes"]),
    refreshStatements(
      ctx,
      [
        "autoscaling:RollbackInstanceRefresh",
        "autoscaling:StartInstanceRefresh",
        "autoscaling:CancelInstanceRefresh",
      ],
      "RollBackManagedGroups",
    ),
    ...useLaunchTemplateStatements(ctx),
    notifyStatement(ctx),
  ],
  verifyGroup: (ctx) => [
    readStatement([
      ...GROUP_HEALTH_READS,
      "ssm:GetCommandInvocation",
      // One listing reads every instance's verify result (no resource types: granted on "*").
      "ssm:ListCommandInvocations",
      "ssm:ListCommands",
    ]),
    statement(
      "RunVerifyDocumentOnly",
      ["ssm:SendCommand"],
      [`${arnPrefix(ctx, "ssm")}:document/${ctx.documentNames.verify}`],
    ),
    // Only on instances an Auto Scaling group launched: Auto Scaling tags each of them with
    // aws:autoscaling:groupName, and SendCommand's instance resource takes `ssm:resourceTag/<key>`
    // (Service Authorization Reference, "Actions, resources, and condition keys for AWS Systems
    // Manager"). A group's own tags reach its instances only when propagated, so the managed tag
    // cannot be required here; the document is the product's read-only verify document.
    statement("VerifyOnlyGroupInstances", ["ssm:SendCommand"], [`${arnPrefix(ctx, "ec2")}:instance/*`], {
      StringLike: { [`ssm:resourceTag/${AUTOSCALING_GROUP_TAG_KEY}`]: "*" },
    }),
  ],
  finishGroup: () => [
    readStatement(["autoscaling:DescribeAutoScalingGroups", "cloudwatch:GetMetricStatistics"]),
  ],
  bakeWave: () => [readStatement(GROUP_HEALTH_READS)],
  finish: (ctx) => [notifyStatement(ctx)],
  // A run that ended outside Finish: roll back (or cancel) the refreshes it left running.
  reconcile: (ctx) => [
    readStatement(["autoscaling:DescribeInstanceRefreshes"]),
    refreshStatements(
      ctx,
      ["autoscaling:RollbackInstanceRefresh", "autoscaling:CancelInstanceRefresh"],
      "StopRunRefreshes",
    ),
    ...useLaunchTemplateStatements(ctx),
    notifyStatement(ctx),
  ],
  refreshEvents: () => [resumeStatement("ResumeWaitingTask")],
  newAmiCheck: (ctx) => [
    statement("ReadAl2023Parameters", ["ssm:GetParameters"], [publicAl2023(ctx)]),
    statement("StartRun", ["states:StartExecution"], [ctx.stateMachineArn]),
  ],
  statusApi: (ctx) => [
    ...(ctx.slackParameters.length > 0
      ? [
          statement(
            "ReadSlackSettings",
            ["ssm:GetParameter"],
            ctx.slackParameters.map((name) => `${arnPrefix(ctx, "ssm")}:parameter${name}`),
          ),
        ]
      : []),
    // StopExecution only for an execution that has not recorded its run yet (abort's last resort).
    statement(
      "ReadAndStopRuns",
      ["states:DescribeExecution", "states:StopExecution"],
      [`${arnPrefix(ctx, "states")}:execution:${ctx.stateMachineArn.split(":").at(-1)}:*`],
    ),
    // Approve resumes the approval wait; abort wakes the groups that wait for their refresh.
    resumeStatement("ResumeWaitingTasks"),
    statement("StartRun", ["states:StartExecution"], [ctx.stateMachineArn]),
  ],
  validate: (ctx) => [notifyStatement(ctx)],
  endWave: (ctx) => [notifyStatement(ctx)],
  // Pins $Latest/$Default groups to their numbered version before any new version exists, after
  // reading every group's template to refuse one shared beyond the run (TEMPLATE_SHARED); Auto
  // Scaling checks that the caller could launch from the template it names.
  plan: (ctx) => [
    readStatement(["autoscaling:DescribeAutoScalingGroups"]),
    refreshStatements(
      ctx,
      ["autoscaling:UpdateAutoScalingGroup", "autoscaling:EnableMetricsCollection"],
      "PinManagedGroups",
    ),
    ...useLaunchTemplateStatements(ctx),
  ],
  startWave: () => [],
};

/** Run notifications: only the stage's own topic. */
function notifyStatement(ctx: IamContext): PolicyStatement {
  return statement("NotifyRun", ["sns:Publish"], [ctx.notificationTopicArn]);
}

/** The inline policy of one function's role. */
export function functionPolicy(key: FunctionKey, ctx: IamContext): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [logsStatement(ctx, key), ...ledgerStatements(ctx, key), ...SERVICE_STATEMENTS[key](ctx)],
  };
}

/** Who may assume a role: one AWS service, from this account only where the service says so. */
export function assumeRolePolicy(service: string, sourceAccount?: string) {
  return {
    Version: "2012-10-17" as const,
    Statement: [
      {
        Effect: "Allow" as const,
        Principal: { Service: service },
        Action: "sts:AssumeRole",
        ...(sourceAccount && { Condition: { StringEquals: { "aws:SourceAccount": sourceAccount } } }),
      },
    ],
  };
}

/**
 * The state machine's role: invoke exactly its task functions; deliver its logs to CloudWatch and
 * its traces to X-Ray (AWS accepts only `*` as the resource of these log-delivery and X-Ray calls).
 */
export function stateMachinePolicy(functionArns: readonly string[], ownArn: string): PolicyDocument {
  // The groups of a wave run as child executions of this same machine (Distributed Map).
  const executions = `${ownArn.replace(":stateMachine:", ":execution:")}/*`;
  return {
    Version: "2012-10-17",
    Statement: [
      statement("InvokeTaskFunctions", ["lambda:InvokeFunction"], [...new Set(functionArns)].sort()),
      statement("RunGroupsAsChildExecutions", ["states:StartExecution"], [ownArn]),
      statement("FollowChildExecutions", ["states:DescribeExecution", "states:StopExecution"], [executions]),
      ...deliveryStatements(),
    ],
  };
}

/** Log delivery and tracing of a state machine: AWS accepts only `*` as their resource. */
function deliveryStatements(): PolicyStatement[] {
  return [
    statement(
      "DeliverLogs",
      [
        "logs:CreateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:DescribeLogGroups",
        "logs:DescribeResourcePolicies",
        "logs:GetLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:UpdateLogDelivery",
      ],
      ["*"],
    ),
    statement(
      "Trace",
      [
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
        "xray:PutTelemetryRecords",
        "xray:PutTraceSegments",
      ],
      ["*"],
    ),
  ];
}

/** The reconcile state machine's role: invoke the reconcile function only; its logs and traces. */
export function reconcileMachinePolicy(reconcileFunctionArn: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      statement("InvokeReconcileFunction", ["lambda:InvokeFunction"], [reconcileFunctionArn]),
      ...deliveryStatements(),
    ],
  };
}

/** EventBridge's role for the reconcile rule: start the reconcile state machine, nothing else. */
export function reconcileRulePolicy(reconcileMachineArn: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [statement("StartReconcile", ["states:StartExecution"], [reconcileMachineArn])],
  };
}

/** Managed policies of the builder instance: SSM agent only. */
export const BUILDER_MANAGED_POLICIES = ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"] as const;

/** The builder instance's own inline policy: the STIG bundle, nothing else. */
export function builderInstancePolicy(ctx: Pick<IamContext, "partition" | "stigBucket">): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      statement("ReadStigBundle", ["s3:GetObject"], [`arn:${ctx.partition}:s3:::${ctx.stigBucket}/*`]),
    ],
  };
}

/**
 * The key policy of the customer-managed KMS key that encrypts the Slack signing secret (a SecureString
 * parameter). Only the status API's role may decrypt, and only through SSM for that parameter (SSM
 * passes the parameter's ARN as the encryption context: "How AWS Systems Manager Parameter Store uses
 * AWS KMS"). The account may administer the key and encrypt with it (an operator writes the secret),
 * never decrypt: an instance role with `ssm:GetParameter` on `*` (AmazonSSMManagedInstanceCore) reads
 * only ciphertext it cannot open.
 */
export function slackSecretKeyPolicy(args: {
  partition: string;
  region: string;
  accountId: string;
  statusApiRoleArn: string;
  signingSecretParameter: string;
}) {
  const root = `arn:${args.partition}:iam::${args.accountId}:root`;
  const parameterArn = `arn:${args.partition}:ssm:${args.region}:${args.accountId}:parameter${args.signingSecretParameter}`;
  const viaSsm = { "kms:ViaService": `ssm.${args.region}.amazonaws.com` };
  return {
    Version: "2012-10-17" as const,
    Statement: [
      {
        Sid: "AccountAdministersTheKeyWithoutDecrypt",
        Effect: "Allow" as const,
        Principal: { AWS: root },
        Action: [
          "kms:CancelKeyDeletion",
          "kms:CreateAlias",
          "kms:DeleteAlias",
          "kms:DescribeKey",
          "kms:DisableKey",
          "kms:DisableKeyRotation",
          "kms:EnableKey",
          "kms:EnableKeyRotation",
          "kms:GetKeyPolicy",
          "kms:GetKeyRotationStatus",
          "kms:ListAliases",
          "kms:ListResourceTags",
          "kms:PutKeyPolicy",
          "kms:ScheduleKeyDeletion",
          "kms:TagResource",
          "kms:UntagResource",
          "kms:UpdateAlias",
          "kms:UpdateKeyDescription",
        ],
        Resource: "*",
      },
      {
        Sid: "OperatorsWriteTheSecretThroughSsm",
        Effect: "Allow" as const,
        Principal: { AWS: root },
        Action: ["kms:Encrypt", "kms:GenerateDataKey"],
        Resource: "*",
        Condition: { StringEquals: viaSsm },
      },
      {
        Sid: "OnlyTheStatusApiDecrypts",
        Effect: "Allow" as const,
        Principal: { AWS: args.statusApiRoleArn },
        Action: ["kms:Decrypt"],
        Resource: "*",
        Condition: {
          StringEquals: { ...viaSsm, "kms:EncryptionContext:PARAMETER_ARN": parameterArn },
        },
      },
    ],
  };
}

/** Mutating actions that must always carry a tag condition (checked by the tests). */
export const TAG_CONDITIONED_ACTIONS = [
  "autoscaling:StartInstanceRefresh",
  "autoscaling:RollbackInstanceRefresh",
  "autoscaling:CancelInstanceRefresh",
  "autoscaling:UpdateAutoScalingGroup",
  "ec2:CreateLaunchTemplateVersion",
  "ec2:TerminateInstances",
  "ec2:CreateTags",
] as const;
