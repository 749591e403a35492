import {
  AutoScalingClient,
  type AutoScalingGroup,
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
} from "@aws-sdk/client-auto-scaling";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import {
  DescribeImagesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { IAMClient } from "@aws-sdk/client-iam";
import { GetAccountSettingsCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { SFNClient } from "@aws-sdk/client-sfn";
import { SNSClient } from "@aws-sdk/client-sns";
import {
  DescribeInstanceInformationCommand,
  GetInventoryCommand,
  GetParametersCommand,
  SSMClient,
} from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type PlanClients, planCommand } from "../../src/plan-command";

const autoscaling = mockClient(AutoScalingClient);
const ec2 = mockClient(EC2Client);
const ssm = mockClient(SSMClient);
const lambda = mockClient(LambdaClient);
const others = [
  mockClient(IAMClient),
  lambda,
  mockClient(CloudWatchClient),
  mockClient(ElasticLoadBalancingV2Client),
  mockClient(SFNClient),
  mockClient(SNSClient),
];

const clients = (): PlanClients => ({
  autoscaling: new AutoScalingClient({ region: "eu-west-1" }),
  ec2: new EC2Client({ region: "eu-west-1" }),
  ssm: new SSMClient({ region: "eu-west-1" }),
  sns: new SNSClient({ region: "eu-west-1" }),
  cloudwatch: new CloudWatchClient({ region: "eu-west-1" }),
  elbv2: new ElasticLoadBalancingV2Client({ region: "eu-west-1" }),
  sfn: new SFNClient({ region: "eu-west-1" }),
  iam: new IAMClient({ region: "eu-west-1" }),
  lambda: new LambdaClient({ region: "eu-west-1" }),
});

const TARGET_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64";

function group(name: string, version: string, ring?: string): AutoScalingGroup {
  return {
    DefaultCooldown: 300,
    AvailabilityZones: ["eu-west-1a"],
    HealthCheckType: "EC2",
    CreatedTime: new Date("2026-01-01T00:00:00Z"),
    AutoScalingGroupName: name,
    AutoScalingGroupARN: `arn:aws:autoscaling:eu-west-1:1:autoScalingGroup:x:autoScalingGroupName/${name}`,
    DesiredCapacity: 2,
    MinSize: 2,
    MaxSize: 4,
    LaunchTemplate: { LaunchTemplateId: `lt-${name}`, Version: version },
    Tags: [
      { Key: "fleet-upgrade:managed", Value: "true" },
      ...(ring ? [{ Key: "fleet-upgrade:ring", Value: ring }] : []),
    ],
    Instances: [
      {
        InstanceId: `i-${name}-1`,
        LifecycleState: "InService" as const,
        HealthStatus: "Healthy",
        AvailabilityZone: "eu-west-1a",
        ProtectedFromScaleIn: false,
      },
      {
        InstanceId: `i-${name}-2`,
        LifecycleState: "InService" as const,
        HealthStatus: "Healthy",
        AvailabilityZone: "eu-west-1a",
        ProtectedFromScaleIn: false,
      },
    ],
  };
}

function account(options: { publishTarget: boolean }) {
  autoscaling.on(DescribeAutoScalingGroupsCommand).resolves({
    AutoScalingGroups: [group("web", "3", "canary"), group("api", "$Latest")],
  });
  ec2.on(DescribeLaunchTemplateVersionsCommand).callsFake((input: { LaunchTemplateId?: string }) => ({
    LaunchTemplateVersions: [
      {
        LaunchTemplateId: input.LaunchTemplateId,
        LaunchTemplateName: input.LaunchTemplateId,
        VersionNumber: 3,
        LaunchTemplateData: { ImageId: "ami-al2" },
      },
    ],
  }));
  // The readiness step reads each template's tags and each group's refreshes in progress.
  ec2.on(DescribeLaunchTemplatesCommand).callsFake((input: { LaunchTemplateIds?: string[] }) => ({
    LaunchTemplates: (input.LaunchTemplateIds ?? []).map((id) => ({
      LaunchTemplateId: id,
      LaunchTemplateName: id,
      Tags: [{ Key: "fleet-upgrade:managed", Value: "true" }],
    })),
  }));
  autoscaling.on(DescribeInstanceRefreshesCommand).resolves({ InstanceRefreshes: [] });
  ec2.on(DescribeImagesCommand).callsFake((input: { ImageIds?: string[] }) => ({
    Images: (input.ImageIds ?? []).map((id) => ({
      ImageId: id,
      Architecture: "x86_64",
      State: "available",
      Name: id === "ami-new" ? "al2023-ami-2023.9.20261110.0-kernel-6.1-x86_64" : "amzn2-ami-kernel-5.10-hvm",
    })),
  }));
  ssm.on(DescribeInstanceInformationCommand).resolves({
    InstanceInformationList: ["web", "api"].flatMap((g) =>
      [1, 2].map((n) => ({
        InstanceId: `i-${g}-${n}`,
        PingStatus: "Online" as const,
        PlatformName: "Amazon Linux",
        PlatformVersion: "2",
      })),
    ),
  });
  ssm.on(GetInventoryCommand).resolves({ Entities: [] });
  lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { UnreservedConcurrentExecutions: 1000 } });
  ssm
    .on(GetParametersCommand)
    .resolves(options.publishTarget ? { Parameters: [{ Name: TARGET_PARAMETER, Value: "ami-new" }] } : {});
}

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) } };
}

/** Command class names of every call a stub received. */
function operations(stub: { calls(): { args: unknown[] }[] }): string[] {
  return stub.calls().map((call) => (call.args[0] as { constructor: { name: string } }).constructor.name);
}

beforeEach(() => {
  for (const stub of [autoscaling, ec2, ssm, ...others]) stub.reset();
});
afterEach(() => {
  for (const stub of [autoscaling, ec2, ssm, ...others]) stub.reset();
});

describe("fleet-upgrade plan", () => {
  it("prints the inventory, the target image, the waves and each group's preflight findings", async () => {
    account({ publishTarget: true });
    const { out, err, io: sink } = io();
    const code = await planCommand(["--region", "eu-west-1"], sink, { clients });
    expect(err.join("\n")).not.toContain("fleet-upgrade plan:");
    expect(code).toBe(0);
    const text = out.join("\n");
    expect(text).toContain("PLANNED");
    expect(text).toContain("inventory: 2 groups, 4 instances (4 Amazon Linux 2)");
    expect(text).toContain("x86_64 ami-new -> ami-new");
    expect(text).toMatch(
      /waves: canary NOT_STARTED \(1\), early NOT_STARTED \(\d\), rest NOT_STARTED \(\d\)/,
    );
    expect(text).toMatch(/web\s+canary\s+NOT_STARTED/);
    expect(text).toContain("api: launch template version $Latest would be pinned to version 3");
  });

  it("only reads: every call it makes is a Describe, Get or List", async () => {
    account({ publishTarget: true });
    expect(await planCommand(["--region", "eu-west-1"], io().io, { clients })).toBe(0);
    const calls = [autoscaling, ec2, ssm, ...others].flatMap((stub) => operations(stub));
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) expect(call).toMatch(/^(Describe|Get|List)/);
  });

  it("plans whatever the request says about dryRun", async () => {
    account({ publishTarget: true });
    const { out, io: sink } = io();
    expect(
      await planCommand(["--region", "eu-west-1", "--request", '{"dryRun": false}'], sink, { clients }),
    ).toBe(0);
    expect(out.join("\n")).toContain("PLANNED");
  });

  it("exits 2 naming every problem of an invalid request, before any call", async () => {
    const { err, io: sink } = io();
    const code = await planCommand(
      [
        "--region",
        "eu-west-1",
        "--request",
        '{"image": {"kernel": "default"}, "rollout": {"checkpoints": [50, 20]}}',
      ],
      sink,
      { clients },
    );
    expect(code).toBe(2);
    expect(err.join("\n")).toContain("image.kernel");
    expect(err.join("\n")).toContain("rollout.checkpoints[1]");
    expect(autoscaling.calls()).toHaveLength(0);
  });

  it("exits 2 without a region, and on an unknown flag", async () => {
    const none = io();
    expect(await planCommand([], none.io, { clients, env: {} })).toBe(2);
    expect(none.err.join("\n")).toContain("--region");
    const unknown = io();
    expect(await planCommand(["--regoin", "eu-west-1"], unknown.io, { clients })).toBe(2);
  });

  it("takes the region from AWS_REGION and passes the profile to the clients", async () => {
    account({ publishTarget: true });
    const seen: unknown[] = [];
    const code = await planCommand(["--profile", "audit"], io().io, {
      env: { AWS_REGION: "eu-central-1" },
      clients: (config) => {
        seen.push(config);
        return clients();
      },
    });
    expect(code).toBe(0);
    expect(seen).toEqual([{ region: "eu-central-1", profile: "audit" }]);
  });

  it("says the account's unreserved Lambda concurrency covers the run", async () => {
    account({ publishTarget: true });
    const { out, io: sink } = io();
    expect(await planCommand(["--region", "eu-west-1"], sink, { clients })).toBe(0);
    // Two groups, one a wave at most: 1 group in parallel x 2 + 2.
    expect(out.join("\n")).toContain(
      "Lambda concurrency: 1000 unreserved concurrent executions in eu-west-1; the run may need 4 at once",
    );
    expect(out.join("\n")).not.toContain("WARN Lambda");
  });

  it("warns, and still plans, when the account's unreserved Lambda concurrency is below what the run needs", async () => {
    account({ publishTarget: true });
    lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { UnreservedConcurrentExecutions: 3 } });
    const { out, io: sink } = io();
    expect(await planCommand(["--region", "eu-west-1"], sink, { clients })).toBe(0);
    const text = out.join("\n");
    expect(text).toContain("WARN Lambda concurrency: 3 unreserved concurrent executions in eu-west-1");
    expect(text).toContain("Set rollout.maxParallelGroups to 1 or less");
    expect(text).toContain("--quota-code L-B99A9384");
  });

  it("plans on when the policy does not allow reading the Lambda account settings, saying it did not check", async () => {
    account({ publishTarget: true });
    lambda
      .on(GetAccountSettingsCommand)
      .rejects(Object.assign(new Error("not authorized"), { name: "AccessDeniedException" }));
    const { out, io: sink } = io();
    expect(await planCommand(["--region", "eu-west-1"], sink, { clients })).toBe(0);
    expect(out.join("\n")).toContain(
      "Lambda concurrency: not checked (AccessDeniedException: not authorized)",
    );
  });

  it("exits 1 naming the missing image when the region publishes no AL2023 image for the track", async () => {
    account({ publishTarget: false });
    const { err, io: sink } = io();
    expect(await planCommand(["--region", "eu-west-1"], sink, { clients })).toBe(1);
    expect(err.join("\n")).toContain("TargetImageNotFoundError");
    expect(err.join("\n")).toContain(TARGET_PARAMETER);
  });
});
