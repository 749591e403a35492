import "aws-sdk-client-mock-vitest/extend";
import {
  AutoScalingClient,
  type AutoScalingGroup,
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
} from "@aws-sdk/client-auto-scaling";
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import {
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
  type LaunchTemplateIamInstanceProfileSpecification,
} from "@aws-sdk/client-ec2";
import { GetInstanceProfileCommand, IAMClient, NoSuchEntityException } from "@aws-sdk/client-iam";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { AwsReadinessReader } from "../../src/readiness-reader";

const autoscaling = mockClient(AutoScalingClient);
const ec2 = mockClient(EC2Client);
const cloudwatch = mockClient(CloudWatchClient);
const iam = mockClient(IAMClient);

const reader = new AwsReadinessReader({
  autoscaling: new AutoScalingClient({ region: "us-east-1" }),
  ec2: new EC2Client({ region: "us-east-1" }),
  cloudwatch: new CloudWatchClient({ region: "us-east-1" }),
  iam: new IAMClient({ region: "us-east-1" }),
});

function group(name: string, templateId: string): AutoScalingGroup {
  return {
    AutoScalingGroupName: name,
    MinSize: 1,
    MaxSize: 2,
    DesiredCapacity: 1,
    DefaultCooldown: 300,
    AvailabilityZones: ["us-east-1a"],
    HealthCheckType: "EC2",
    CreatedTime: new Date("2026-01-01T00:00:00Z"),
    LaunchTemplate: { LaunchTemplateId: templateId, Version: "1" },
    Tags: [{ Key: "fleet-upgrade:managed", Value: "true" }],
  };
}

/** Two groups on two templates; each template's version names the given instance profile. */
function account(profiles: Record<string, LaunchTemplateIamInstanceProfileSpecification | undefined>) {
  autoscaling.on(DescribeAutoScalingGroupsCommand).resolves({
    AutoScalingGroups: Object.keys(profiles).map((id, i) => group(`group-${i}`, id)),
  });
  autoscaling.on(DescribeInstanceRefreshesCommand).resolves({ InstanceRefreshes: [] });
  ec2.on(DescribeLaunchTemplatesCommand).callsFake((input: { LaunchTemplateIds?: string[] }) => ({
    LaunchTemplates: (input.LaunchTemplateIds ?? []).map((id) => ({
      LaunchTemplateId: id,
      LaunchTemplateName: `${id}-name`,
      Tags: [{ Key: "fleet-upgrade:managed", Value: "true" }],
    })),
  }));
  ec2.on(DescribeLaunchTemplateVersionsCommand).callsFake((input: { LaunchTemplateId: string }) => ({
    LaunchTemplateVersions: [
      {
        LaunchTemplateId: input.LaunchTemplateId,
        VersionNumber: 1,
        LaunchTemplateData: { ImageId: "ami-al2", IamInstanceProfile: profiles[input.LaunchTemplateId] },
      },
    ],
  }));
  cloudwatch.on(DescribeAlarmsCommand).resolves({});
}

/** The account's one page of groups scanned, then its targeted groups described, as readiness does. */
const describe_ = async () => {
  const targets = { tags: { "fleet-upgrade:managed": "true" }, autoScalingGroupNames: [] };
  const page = await reader.scanGroups({ targets, nextToken: null });
  return reader.describeGroups({
    names: page.targeted,
    users: page.users,
    requestAlarms: [],
    alarmsTag: "fleet-upgrade:alarms",
    instances: {},
  });
};

const launchOf = (descriptions: Awaited<ReturnType<typeof describe_>>, index: number) => {
  const launch = descriptions[index]?.launch;
  if (launch?.kind !== "launchTemplate") throw new Error(`group ${index} has no launch template`);
  return launch;
};

afterEach(() => {
  for (const stub of [autoscaling, ec2, cloudwatch, iam]) stub.reset();
});

describe("AwsReadinessReader: the role an instance profile holds", () => {
  it("reports the role the profile holds, not the profile's name, for a profile named by ARN or by name", async () => {
    account({
      "lt-a": { Arn: "arn:aws:iam::111122223333:instance-profile/team/web-profile" },
      "lt-b": { Name: "api-profile" },
    });
    iam.on(GetInstanceProfileCommand).callsFake((input: { InstanceProfileName: string }) => ({
      InstanceProfile: {
        InstanceProfileName: input.InstanceProfileName,
        Path: "/",
        InstanceProfileId: "AIPAEXAMPLE0000000",
        Arn: `arn:aws:iam::111122223333:instance-profile/${input.InstanceProfileName}`,
        CreateDate: new Date(),
        Roles: [
          {
            RoleName: input.InstanceProfileName.replace("-profile", "-role"),
            Path: "/",
            RoleId: "AROAEXAMPLE0000000",
            Arn: "arn:aws:iam::111122223333:role/x",
            CreateDate: new Date(),
          },
        ],
      },
    }));

    const descriptions = await describe_();

    expect(launchOf(descriptions, 0)).toMatchObject({
      instanceProfile: "web-profile",
      instanceProfileRole: "web-role",
    });
    expect(launchOf(descriptions, 1)).toMatchObject({
      instanceProfile: "api-profile",
      instanceProfileRole: "api-role",
    });
    expect(iam).toHaveReceivedCommandWith(GetInstanceProfileCommand, { InstanceProfileName: "web-profile" });
    expect(iam).toHaveReceivedCommandWith(GetInstanceProfileCommand, { InstanceProfileName: "api-profile" });
  });

  it("asks IAM once per distinct profile, however many templates name it", async () => {
    account({ "lt-a": { Name: "shared-profile" }, "lt-b": { Name: "shared-profile" } });
    iam.on(GetInstanceProfileCommand).resolves({
      InstanceProfile: {
        InstanceProfileName: "shared-profile",
        Path: "/",
        InstanceProfileId: "AIPAEXAMPLE0000000",
        Arn: "arn:aws:iam::111122223333:instance-profile/shared-profile",
        CreateDate: new Date(),
        Roles: [],
      },
    });

    const descriptions = await describe_();

    expect(iam).toHaveReceivedCommandTimes(GetInstanceProfileCommand, 1);
    // A profile without a role passes none: there is no role to judge.
    expect(launchOf(descriptions, 0).instanceProfileRole).toBeNull();
    expect(launchOf(descriptions, 1).instanceProfileRole).toBeNull();
  });

  it("reports no role for a profile IAM does not know, and none for a template without a profile", async () => {
    account({ "lt-a": { Name: "deleted-profile" }, "lt-b": undefined });
    iam.on(GetInstanceProfileCommand).rejects(
      new NoSuchEntityException({
        message: "Instance Profile deleted-profile cannot be found.",
        $metadata: {},
      }),
    );

    const descriptions = await describe_();

    expect(launchOf(descriptions, 0)).toMatchObject({
      instanceProfile: "deleted-profile",
      instanceProfileRole: null,
    });
    expect(launchOf(descriptions, 1)).toMatchObject({ instanceProfile: null, instanceProfileRole: null });
    expect(iam).toHaveReceivedCommandTimes(GetInstanceProfileCommand, 1);
  });

  it("lets any other IAM error through, so the preflight fails rather than judging without the role", async () => {
    account({ "lt-a": { Name: "web-profile" } });
    iam.on(GetInstanceProfileCommand).rejects(
      Object.assign(new Error("not authorized to perform iam:GetInstanceProfile"), {
        name: "AccessDenied",
      }),
    );

    await expect(describe_()).rejects.toMatchObject({ name: "AccessDenied" });
  });
});
