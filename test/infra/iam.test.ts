import { describe, expect, it } from "vitest";
import {
  builderInstancePolicy,
  FUNCTION_KEYS,
  type FunctionKey,
  functionPolicy,
  type PolicyDocument,
  type PolicyStatement,
  slackSecretKeyPolicy,
  stateMachinePolicy,
  TAG_CONDITIONED_ACTIONS,
} from "../../infra/iam";
import { testContext } from "./context";

const ctx = testContext();
const functionPolicies = FUNCTION_KEYS.map((key): [FunctionKey, PolicyDocument] => [
  key,
  functionPolicy(key, ctx),
]);
const allPolicies: [string, PolicyDocument][] = [
  ...functionPolicies,
  [
    "stateMachine",
    stateMachinePolicy(
      ["arn:aws:lambda:eu-west-1:111122223333:function:a"],
      "arn:aws:states:eu-west-1:111122223333:stateMachine:m",
    ),
  ],
  ["builderInstance", builderInstancePolicy(ctx)],
];

function statementsWith(action: string): [string, PolicyStatement][] {
  return allPolicies.flatMap(([owner, doc]) =>
    doc.Statement.filter((s) => s.Action.includes(action)).map(
      (s) => [owner, s] as [string, PolicyStatement],
    ),
  );
}

function holders(action: string): string[] {
  return [...new Set(statementsWith(action).map(([owner]) => owner))].sort();
}

describe("IAM policies", () => {
  it("never grant a wildcard action", () => {
    for (const [owner, doc] of allPolicies) {
      for (const s of doc.Statement) {
        for (const action of s.Action) expect(action, `${owner} ${s.Sid}`).not.toContain("*");
        expect(s.Effect).toBe("Allow");
      }
    }
  });

  it("give every statement a unique Sid within its policy", () => {
    for (const [owner, doc] of allPolicies) {
      const sids = doc.Statement.map((s) => s.Sid);
      expect(new Set(sids).size, owner).toBe(sids.length);
    }
  });

  it("condition every mutating Auto Scaling and EC2 action on the managed tag or on tagging at creation", () => {
    for (const action of TAG_CONDITIONED_ACTIONS) {
      for (const [owner, s] of statementsWith(action)) {
        const conditions = JSON.stringify(s.Condition ?? {});
        const onManagedTag = conditions.includes('ResourceTag/fleet-upgrade:managed":"true"');
        const onCreateOnly = action === "ec2:CreateTags" && conditions.includes("ec2:CreateAction");
        expect(onManagedTag || onCreateOnly, `${owner} ${s.Sid} ${action}`).toBe(true);
      }
    }
  });

  it("let the managed tag value follow the stage", () => {
    const policy = JSON.stringify(
      functionPolicy("startRefresh", testContext({ managedTagValue: "prod-fleet" })),
    );
    expect(policy).toContain('"aws:ResourceTag/fleet-upgrade:managed":"prod-fleet"');
    expect(policy).not.toContain('fleet-upgrade:managed":"true"');
  });

  it("let hardening launch instances only when they are tagged as managed builders at launch", () => {
    const onInstances = statementsWith("ec2:RunInstances").filter(([, s]) =>
      s.Resource.some((r) => r.endsWith(":instance/*")),
    );
    expect(onInstances.length).toBeGreaterThan(0);
    for (const [owner, s] of onInstances) {
      const conditions = s.Condition ?? {};
      if (owner === "hardenStep") {
        expect(conditions.StringEquals).toEqual({
          "aws:RequestTag/fleet-upgrade:managed": "true",
          "aws:RequestTag/fleet-upgrade:role": "builder",
        });
      } else {
        // Refreshes only prove they could launch from a managed launch template.
        expect(conditions.ArnLike?.["ec2:LaunchTemplate"], owner).toMatch(/launch-template\/\*$/);
      }
    }
  });

  it("terminate and image only instances tagged as this stage's builders", () => {
    for (const action of ["ec2:TerminateInstances", "ec2:CreateImage"]) {
      const onInstances = statementsWith(action).filter(([, s]) =>
        s.Resource.some((r) => r.includes(":instance/")),
      );
      expect(onInstances.map(([owner]) => owner)).toEqual(["hardenStep"]);
      expect(onInstances[0]?.[1].Condition?.StringEquals).toMatchObject({
        "aws:ResourceTag/fleet-upgrade:managed": "true",
        "aws:ResourceTag/fleet-upgrade:role": "builder",
      });
    }
    expect(holders("ec2:TerminateInstances")).toEqual(["hardenStep"]);
  });

  it("pass the builder role only from hardening and only to EC2", () => {
    const passes = statementsWith("iam:PassRole");
    for (const [, s] of passes) {
      expect(s.Condition).toEqual({ StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } });
    }
    const builderPasses = passes.filter(([, s]) => s.Resource.includes(ctx.builderRoleArn));
    expect(builderPasses.map(([owner]) => owner)).toEqual(["hardenStep"]);
    expect(builderPasses[0]?.[1].Resource).toEqual([ctx.builderRoleArn]);
    // Refreshes (and the reconcile path's rollbacks) pass the fleet's own instance roles, listed in
    // the stage, and nothing else.
    for (const [owner, s] of passes.filter(([o]) => o !== "hardenStep")) {
      expect(["plan", "startRefresh", "rollbackGroup", "reconcile"]).toContain(owner);
      expect(s.Resource).toEqual(ctx.fleetInstanceRoleArns);
    }
  });

  it("grant no PassRole for the fleet when the stage lists no fleet roles", () => {
    const none = testContext({ fleetInstanceRoleArns: [] });
    expect(JSON.stringify(functionPolicy("startRefresh", none))).not.toContain("iam:PassRole");
  });

  it("let only the functions that hold task tokens, and the operator's API, resume them, and none fail them", () => {
    expect(holders("states:SendTaskSuccess")).toEqual([
      "awaitApproval",
      "refreshEvents",
      "statusApi",
      "waitForRefresh",
    ]);
    // The state machine follows (and stops) its own child executions: a wave's groups.
    expect(holders("states:StopExecution")).toEqual(["stateMachine", "statusApi"]);
    expect(holders("states:SendTaskFailure")).toEqual([]);
    expect(holders("states:StartExecution")).toEqual(["newAmiCheck", "stateMachine", "statusApi"]);
  });

  it("let only the state machine invoke functions, exactly the ones it names", () => {
    const arns = ["arn:aws:lambda:eu-west-1:1:function:b", "arn:aws:lambda:eu-west-1:1:function:a"];
    const policy = stateMachinePolicy(arns, "arn:aws:states:eu-west-1:1:stateMachine:m");
    const invoke = policy.Statement.filter((s) => s.Action.includes("lambda:InvokeFunction"));
    expect(invoke).toHaveLength(1);
    expect(invoke[0]?.Resource).toEqual([...arns].sort());
    expect(holders("lambda:InvokeFunction")).toEqual(["stateMachine"]);
  });

  it("let the state machine start only itself (the groups of a wave) and follow only its own executions", () => {
    const policy = stateMachinePolicy([], "arn:aws:states:eu-west-1:1:stateMachine:m");
    const start = policy.Statement.filter((s) => s.Action.includes("states:StartExecution"));
    expect(start.flatMap((s) => s.Resource)).toEqual(["arn:aws:states:eu-west-1:1:stateMachine:m"]);
    const follow = policy.Statement.filter((s) => s.Action.includes("states:StopExecution"));
    expect(follow.flatMap((s) => s.Resource)).toEqual(["arn:aws:states:eu-west-1:1:execution:m/*"]);
  });

  it("let each function write only to its own log group", () => {
    for (const [key, doc] of functionPolicies) {
      const logs = doc.Statement.filter((s) => s.Action.some((a) => a.startsWith("logs:")));
      expect(logs.flatMap((s) => s.Resource)).toEqual([
        `arn:aws:logs:eu-west-1:111122223333:log-group:/aws/lambda/fleet-upgrade-ci-${key}:*`,
      ]);
    }
  });

  it("scope SSM documents: hardening runs STIG, FIPS and verify; group verification runs verify only", () => {
    const documents = (key: FunctionKey) =>
      functionPolicy(key, ctx)
        .Statement.filter((s) => s.Action.includes("ssm:SendCommand"))
        .flatMap((s) => s.Resource.filter((r) => r.includes(":document/")));
    expect(documents("hardenStep")).toEqual([
      "arn:aws:ssm:eu-west-1::document/AWSEC2-ConfigureSTIG",
      "arn:aws:ssm:eu-west-1:111122223333:document/FleetUpgrade-EnableFips-ci",
      "arn:aws:ssm:eu-west-1:111122223333:document/FleetUpgrade-Verify-ci",
    ]);
    expect(documents("verifyGroup")).toEqual([
      "arn:aws:ssm:eu-west-1:111122223333:document/FleetUpgrade-Verify-ci",
    ]);
    expect(holders("ssm:SendCommand")).toEqual(["hardenStep", "verifyGroup"]);
  });

  it("give the builder instance the STIG bundle only", () => {
    expect(builderInstancePolicy(ctx).Statement).toEqual([
      {
        Sid: "ReadStigBundle",
        Effect: "Allow",
        Action: ["s3:GetObject"],
        Resource: ["arn:aws:s3:::aws-windows-downloads-eu-west-1/*"],
      },
    ]);
  });

  it("let the functions that judge regressions read per-instance metrics with GetMetricData", () => {
    const readers = functionPolicies
      .filter(([, doc]) => doc.Statement.some((s) => s.Action.includes("cloudwatch:GetMetricData")))
      .map(([key]) => key);
    expect(readers.sort()).toEqual(["bakeWave", "evaluateHealth", "verifyGroup"]);
  });

  it("keep `*` resources to the calls that have no resource-level permissions", () => {
    const allowedOnStar = new Set([
      "autoscaling:DescribeAutoScalingGroups",
      "autoscaling:DescribeInstanceRefreshes",
      "cloudwatch:DescribeAlarms",
      "cloudwatch:GetMetricData",
      "cloudwatch:GetMetricStatistics",
      "ec2:DescribeImages",
      "ec2:DescribeInstances",
      "ec2:DescribeLaunchTemplateVersions",
      // EC2 Describe* actions take no resource-level permissions
      // (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html).
      "ec2:DescribeLaunchTemplates",
      "elasticloadbalancing:DescribeTargetHealth",
      "ssm:DescribeInstanceInformation",
      "ssm:GetCommandInvocation",
      "ssm:GetInventory",
      // SSM's List* reads take no resource-level permissions
      // (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html).
      "ssm:ListCommandInvocations",
      "ssm:ListCommands",
      "states:SendTaskSuccess",
    ]);
    for (const [key, doc] of functionPolicies) {
      for (const s of doc.Statement.filter((x) => x.Resource.includes("*"))) {
        for (const action of s.Action) expect(allowedOnStar.has(action), `${key} ${action}`).toBe(true);
      }
    }
  });

  it("let plan pin a group to a launch template it could launch from, as Auto Scaling checks on UpdateAutoScalingGroup", () => {
    const plan = functionPolicy("plan", ctx).Statement;
    const of = (action: string) => plan.filter((s) => s.Action.includes(action));
    expect(of("autoscaling:UpdateAutoScalingGroup")[0]?.Condition).toEqual({
      StringEquals: { "aws:ResourceTag/fleet-upgrade:managed": "true" },
    });
    const run = of("ec2:RunInstances");
    expect(run.find((s) => s.Resource.some((r) => r.endsWith(":launch-template/*")))?.Condition).toEqual({
      StringEquals: { "aws:ResourceTag/fleet-upgrade:managed": "true" },
    });
    expect(run.find((s) => s.Resource.some((r) => r.endsWith(":instance/*")))?.Condition).toEqual({
      ArnLike: { "ec2:LaunchTemplate": "arn:aws:ec2:eu-west-1:111122223333:launch-template/*" },
    });
    expect(of("ec2:CreateTags")[0]?.Condition).toEqual({
      StringEquals: { "ec2:CreateAction": "RunInstances" },
    });
    expect(of("iam:PassRole").flatMap((s) => s.Resource)).toEqual(ctx.fleetInstanceRoleArns);
  });

  it("let group verification send commands only to instances an Auto Scaling group launched", () => {
    const onInstances = functionPolicy("verifyGroup", ctx).Statement.filter(
      (s) => s.Action.includes("ssm:SendCommand") && s.Resource.some((r) => r.includes(":instance/")),
    );
    expect(onInstances).toHaveLength(1);
    expect(onInstances[0]?.Resource).toEqual(["arn:aws:ec2:eu-west-1:111122223333:instance/*"]);
    expect(onInstances[0]?.Condition).toEqual({
      StringLike: { "ssm:resourceTag/aws:autoscaling:groupName": "*" },
    });
    // Every statement that names instances for SendCommand carries a tag condition.
    for (const [owner, s] of statementsWith("ssm:SendCommand")) {
      if (s.Resource.some((r) => r.includes(":instance/"))) expect(s.Condition, owner).toBeDefined();
    }
  });

  it("let the inventory read only AWS's public AL2023 parameters, never the account's own (where secrets live)", () => {
    const reads = functionPolicy("inventory", ctx).Statement.filter((s) =>
      s.Action.includes("ssm:GetParameters"),
    );
    expect(reads.flatMap((s) => s.Resource)).toEqual([
      "arn:aws:ssm:eu-west-1::parameter/aws/service/ami-amazon-linux-latest/*",
    ]);
    for (const [owner, s] of [
      ...statementsWith("ssm:GetParameters"),
      ...statementsWith("ssm:GetParameter"),
    ]) {
      if (owner === "statusApi") continue;
      for (const resource of s.Resource) expect(resource, owner).not.toContain(":111122223333:parameter");
    }
  });

  it("let only the status API decrypt the Slack secret, through SSM and for that parameter only", () => {
    const policy = slackSecretKeyPolicy({
      partition: "aws",
      region: "eu-west-1",
      accountId: "111122223333",
      statusApiRoleArn: "arn:aws:iam::111122223333:role/status",
      signingSecretParameter: "/fleet-upgrade/ci/slack-signing-secret",
    });
    const decrypt = policy.Statement.filter((s) =>
      s.Action.some((a) => a.includes("Decrypt") || a.endsWith("*")),
    );
    expect(decrypt).toHaveLength(1);
    expect(decrypt[0]?.Principal).toEqual({ AWS: "arn:aws:iam::111122223333:role/status" });
    expect(decrypt[0]?.Condition).toEqual({
      StringEquals: {
        "kms:ViaService": "ssm.eu-west-1.amazonaws.com",
        "kms:EncryptionContext:PARAMETER_ARN":
          "arn:aws:ssm:eu-west-1:111122223333:parameter/fleet-upgrade/ci/slack-signing-secret",
      },
    });
  });
});
