import "aws-sdk-client-mock-vitest/extend";
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from "@aws-sdk/client-auto-scaling";
import { DescribeImagesCommand, DescribeLaunchTemplateVersionsCommand, EC2Client } from "@aws-sdk/client-ec2";
import {
  DescribeInstanceInformationCommand,
  GetInventoryCommand,
  GetParametersCommand,
  SSMClient,
} from "@aws-sdk/client-ssm";
import {
  FIRST_WALK,
  type FleetTargets,
  type GroupRecord,
  GroupRecordSchema,
  type GroupWalk,
  type InstanceRecord,
} from "@fleet-upgrade/core";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { AutoScalingFleetInventory } from "../../src/autoscaling-fleet-inventory";

const autoscaling = mockClient(AutoScalingClient);
const ec2 = mockClient(EC2Client);
const ssm = mockClient(SSMClient);

const inventory = new AutoScalingFleetInventory({
  autoscaling: new AutoScalingClient({ region: "us-east-1" }),
  ec2: new EC2Client({ region: "us-east-1" }),
  ssm: new SSMClient({ region: "us-east-1" }),
});

const managedTags = [
  { Key: "fleet-upgrade:managed", Value: "true" },
  { Key: "env", Value: "prod" },
];

const kernelFilter = {
  Key: "AWS:Application.Name",
  Values: ["kernel", "kernel6.12", "kernel6.18"],
  Type: "Equal" as const,
};

/** Every page of the targeted walk, with calls to spare: what the inventory task reads over its invocations. */
async function readAll(
  targets: FleetTargets,
  calls = 100,
): Promise<{ groups: GroupRecord[]; members: InstanceRecord[]; unmanaged: number; pages: number }> {
  const all = { groups: [] as GroupRecord[], members: [] as InstanceRecord[], unmanaged: 0, pages: 0 };
  let at: GroupWalk | null = FIRST_WALK;
  while (at !== null) {
    const page = await inventory.targetedGroups(targets, at, calls);
    all.groups.push(...page.groups);
    all.members.push(...page.members);
    all.unmanaged += page.unmanaged;
    all.pages++;
    at = page.next;
  }
  all.groups.sort((a, b) => (a.name < b.name ? -1 : 1));
  return all;
}

/** Two pages of groups: a plain launch template, a launch configuration, a mixed-instances policy, a foreign tag. */
function givenAccount(): void {
  autoscaling
    .on(DescribeAutoScalingGroupsCommand)
    .resolves({
      AutoScalingGroups: [
        {
          AutoScalingGroupName: "web",
          AutoScalingGroupARN:
            "arn:aws:autoscaling:us-east-1:111122223333:autoScalingGroup:1:autoScalingGroupName/web",
          MinSize: 2,
          MaxSize: 6,
          DesiredCapacity: 2,
          DefaultCooldown: 300,
          AvailabilityZones: ["us-east-1a"],
          HealthCheckType: "ELB",
          CreatedTime: new Date("2026-01-01T00:00:00Z"),
          LaunchTemplate: { LaunchTemplateId: "lt-web", LaunchTemplateName: "web", Version: "$Latest" },
          Instances: [
            {
              InstanceId: "i-web1",
              AvailabilityZone: "us-east-1a",
              LifecycleState: "InService",
              HealthStatus: "Healthy",
              ProtectedFromScaleIn: false,
            },
            {
              InstanceId: "i-web2",
              AvailabilityZone: "us-east-1a",
              LifecycleState: "InService",
              HealthStatus: "Healthy",
              ProtectedFromScaleIn: false,
            },
          ],
          Tags: managedTags.map((tag) => ({ ...tag, ResourceId: "web", ResourceType: "auto-scaling-group" })),
          TargetGroupARNs: ["arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/web/1"],
          DefaultInstanceWarmup: 120,
        },
        {
          AutoScalingGroupName: "legacy",
          LaunchConfigurationName: "legacy-lc",
          MinSize: 1,
          MaxSize: 1,
          DesiredCapacity: 1,
          DefaultCooldown: 300,
          AvailabilityZones: ["us-east-1a"],
          HealthCheckType: "EC2",
          CreatedTime: new Date("2026-01-01T00:00:00Z"),
          Instances: [
            {
              InstanceId: "i-legacy",
              AvailabilityZone: "us-east-1a",
              LifecycleState: "InService",
              HealthStatus: "Healthy",
              ProtectedFromScaleIn: false,
            },
          ],
          Tags: managedTags,
        },
      ],
      NextToken: "groups-2",
    })
    .on(DescribeAutoScalingGroupsCommand, { NextToken: "groups-2" })
    .resolves({
      AutoScalingGroups: [
        {
          AutoScalingGroupName: "api",
          AutoScalingGroupARN: "arn:api",
          MinSize: 1,
          MaxSize: 3,
          DesiredCapacity: 1,
          DefaultCooldown: 300,
          AvailabilityZones: ["us-east-1a"],
          HealthCheckType: "EC2",
          CreatedTime: new Date("2026-01-01T00:00:00Z"),
          MixedInstancesPolicy: {
            LaunchTemplate: {
              LaunchTemplateSpecification: {
                LaunchTemplateId: "lt-api",
                LaunchTemplateName: "api",
                Version: "3",
              },
            },
          },
          Instances: [
            {
              InstanceId: "i-api1",
              AvailabilityZone: "us-east-1a",
              LifecycleState: "InService",
              HealthStatus: "Healthy",
              ProtectedFromScaleIn: false,
            },
          ],
          Tags: managedTags,
          DefaultInstanceWarmup: -1,
        },
        {
          AutoScalingGroupName: "dev",
          AutoScalingGroupARN: "arn:dev",
          MinSize: 1,
          MaxSize: 1,
          DesiredCapacity: 1,
          DefaultCooldown: 300,
          AvailabilityZones: ["us-east-1a"],
          HealthCheckType: "EC2",
          CreatedTime: new Date("2026-01-01T00:00:00Z"),
          LaunchTemplate: { LaunchTemplateId: "lt-web", Version: "$Latest" },
          Instances: [],
          Tags: [
            { Key: "fleet-upgrade:managed", Value: "true" },
            { Key: "env", Value: "dev" },
          ],
        },
      ],
    });

  ec2
    .on(DescribeLaunchTemplateVersionsCommand, { LaunchTemplateId: "lt-web" })
    .resolves({
      LaunchTemplateVersions: [
        {
          LaunchTemplateId: "lt-web",
          LaunchTemplateName: "web",
          VersionNumber: 7,
          LaunchTemplateData: { ImageId: "ami-web" },
        },
      ],
    })
    .on(DescribeLaunchTemplateVersionsCommand, { LaunchTemplateId: "lt-api" })
    .resolves({
      LaunchTemplateVersions: [
        {
          LaunchTemplateId: "lt-api",
          LaunchTemplateName: "api",
          VersionNumber: 3,
          LaunchTemplateData: {
            ImageId: "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-arm64",
          },
        },
      ],
    })
    .on(DescribeImagesCommand)
    .resolves({
      Images: [
        { ImageId: "ami-web", Architecture: "x86_64", Name: "al2", State: "available" },
        { ImageId: "ami-api", Architecture: "arm64", Name: "al2-arm", State: "available" },
      ],
    });

  ssm
    .on(GetParametersCommand)
    .resolves({
      Parameters: [
        {
          Name: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-arm64",
          Value: "ami-api",
          Type: "String",
        },
      ],
      InvalidParameters: [],
    })
    .on(DescribeInstanceInformationCommand)
    .resolves({
      InstanceInformationList: [
        { InstanceId: "i-web1", PingStatus: "Online", PlatformName: "Amazon Linux", PlatformVersion: "2" },
      ],
      NextToken: "info-2",
    })
    .on(DescribeInstanceInformationCommand, { NextToken: "info-2" })
    .resolves({
      InstanceInformationList: [
        {
          InstanceId: "i-standalone",
          PingStatus: "ConnectionLost",
          PlatformName: "Amazon Linux",
          PlatformVersion: "2023",
        },
      ],
    })
    .on(GetInventoryCommand)
    .resolves({
      Entities: [
        {
          Id: "i-web1",
          Data: {
            "AWS:Application": {
              TypeName: "AWS:Application",
              SchemaVersion: "1.1",
              Content: [
                { Name: "kernel", Version: "4.14.336", Release: "256.559.amzn2" },
                { Name: "kernel", Version: "4.14.355", Release: "271.669.amzn2" },
                { Name: "kernel-tools", Version: "9.9.9", Release: "1.amzn2" },
                { Name: "kernel", Version: "4.14.350", Release: "266.564.amzn2" },
              ],
            },
          },
        },
      ],
      NextToken: "inventory-2",
    })
    .on(GetInventoryCommand, { NextToken: "inventory-2" })
    .resolves({
      Entities: [
        {
          Id: "i-standalone",
          Data: {
            "AWS:Application": {
              TypeName: "AWS:Application",
              SchemaVersion: "1.1",
              // AL2023's newer tracks name their kernel package by version.
              Content: [{ Name: "kernel6.18", Version: "6.18.4", Release: "12.51.amzn2023" }],
            },
          },
        },
      ],
    });
}

afterEach(() => {
  autoscaling.reset();
  ec2.reset();
  ssm.reset();
});

describe("AutoScalingFleetInventory.targetedGroups", () => {
  it("returns the target groups sorted by name with their resolved launch template, image and architecture", async () => {
    givenAccount();

    const fleet = await readAll({
      tags: { "fleet-upgrade:managed": "true", env: "prod" },
      autoScalingGroupNames: [],
    });

    for (const group of fleet.groups) expect(GroupRecordSchema.parse(group)).toEqual(group);
    expect(fleet.groups).toEqual([
      {
        name: "api",
        arn: "arn:api",
        desired: 1,
        min: 1,
        max: 3,
        launchTemplate: {
          launchTemplateId: "lt-api",
          launchTemplateName: "api",
          versionSpec: "3",
          resolvedVersion: 3,
          imageRef: "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-arm64",
        },
        imageId: "ami-api",
        architecture: "arm64",
        tags: { "fleet-upgrade:managed": "true", env: "prod" },
        instanceIds: ["i-api1"],
        targetGroupArns: [],
        defaultInstanceWarmup: null,
      },
      {
        name: "web",
        arn: "arn:aws:autoscaling:us-east-1:111122223333:autoScalingGroup:1:autoScalingGroupName/web",
        desired: 2,
        min: 2,
        max: 6,
        launchTemplate: {
          launchTemplateId: "lt-web",
          launchTemplateName: "web",
          versionSpec: "$Latest",
          resolvedVersion: 7,
          imageRef: "ami-web",
        },
        imageId: "ami-web",
        architecture: "x86_64",
        tags: { "fleet-upgrade:managed": "true", env: "prod" },
        instanceIds: ["i-web1", "i-web2"],
        targetGroupArns: ["arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/web/1"],
        defaultInstanceWarmup: 120,
      },
    ]);
  });

  it("reads the targeted groups' members from SSM by id, with the newest kernel package (kernel, or kernel6.x on newer AL2023 tracks), and counts the members SSM does not know", async () => {
    givenAccount();

    const fleet = await readAll({
      tags: { "fleet-upgrade:managed": "true", env: "prod" },
      autoScalingGroupNames: [],
    });

    // i-standalone is in SSM's answers but in no targeted group: it is counted by the SSM passes only.
    expect(fleet.members).toEqual([
      {
        instanceId: "i-web1",
        groupName: "web",
        platformName: "Amazon Linux",
        platformVersion: "2",
        kernelVersion: "4.14.355-271.669.amzn2",
        pingStatus: "Online",
      },
    ]);
    // i-web2, i-legacy (a targeted launch configuration group) and i-api1.
    expect(fleet.unmanaged).toBe(3);
  });

  it("skips a group without a launch template and a group whose tags do not all match", async () => {
    givenAccount();

    const fleet = await readAll({
      tags: { "fleet-upgrade:managed": "true", env: "prod" },
      autoScalingGroupNames: [],
    });

    expect(fleet.groups.map((group) => group.name)).toEqual(["api", "web"]);
  });

  it("filters groups by every tag, 100 per page, and follows NextToken", async () => {
    givenAccount();

    await readAll({
      tags: { "fleet-upgrade:managed": "true", env: "prod" },
      autoScalingGroupNames: [],
    });

    const filters = [
      { Name: "tag:fleet-upgrade:managed", Values: ["true"] },
      { Name: "tag:env", Values: ["prod"] },
    ];
    expect(autoscaling).toHaveReceivedCommandTimes(DescribeAutoScalingGroupsCommand, 2);
    expect(autoscaling).toHaveReceivedNthCommandWith(DescribeAutoScalingGroupsCommand, 1, {
      Filters: filters,
      MaxRecords: 100,
    });
    expect(autoscaling).toHaveReceivedNthCommandWith(DescribeAutoScalingGroupsCommand, 2, {
      Filters: filters,
      MaxRecords: 100,
      NextToken: "groups-2",
    });
    expect(autoscaling.commandCalls(DescribeAutoScalingGroupsCommand)[0]?.args[0].input).not.toHaveProperty(
      "AutoScalingGroupNames",
    );
  });

  it("passes the group names with the tag filters when names are given", async () => {
    givenAccount();

    await readAll({ tags: { env: "prod" }, autoScalingGroupNames: ["web", "api"] });

    expect(autoscaling).toHaveReceivedNthCommandWith(DescribeAutoScalingGroupsCommand, 1, {
      AutoScalingGroupNames: ["web", "api"],
      Filters: [{ Name: "tag:env", Values: ["prod"] }],
      MaxRecords: 100,
    });
  });

  it("resolves each launch template spec once, an SSM image reference with GetParameters, and a page's images in one DescribeImages", async () => {
    givenAccount();

    await readAll({
      tags: { "fleet-upgrade:managed": "true", env: "prod" },
      autoScalingGroupNames: [],
    });

    expect(ec2).toHaveReceivedCommandTimes(DescribeLaunchTemplateVersionsCommand, 2);
    expect(ec2).toHaveReceivedCommandWith(DescribeLaunchTemplateVersionsCommand, {
      LaunchTemplateId: "lt-web",
      Versions: ["$Latest"],
    });
    expect(ec2).toHaveReceivedCommandWith(DescribeLaunchTemplateVersionsCommand, {
      LaunchTemplateId: "lt-api",
      Versions: ["3"],
    });
    expect(ssm).toHaveReceivedCommandExactlyOnceWith(GetParametersCommand, {
      Names: ["/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-arm64"],
    });
    expect(ec2).toHaveReceivedCommandTimes(DescribeImagesCommand, 2);
    expect(ec2).toHaveReceivedNthCommandWith(DescribeImagesCommand, 1, { ImageIds: ["ami-web"] });
    expect(ec2).toHaveReceivedNthCommandWith(DescribeImagesCommand, 2, { ImageIds: ["ami-api"] });
  });

  it("asks SSM only for the page's members: their ids in the instance information and inventory filters", async () => {
    givenAccount();

    await inventory.targetedGroups({ tags: { env: "prod" }, autoScalingGroupNames: [] }, FIRST_WALK, 100);

    const ids = ["i-web1", "i-web2", "i-legacy"];
    expect(ssm).toHaveReceivedNthCommandWith(DescribeInstanceInformationCommand, 1, {
      Filters: [{ Key: "InstanceIds", Values: ids }],
      MaxResults: 50,
    });
    expect(ssm).toHaveReceivedNthCommandWith(GetInventoryCommand, 1, {
      Filters: [kernelFilter, { Key: "AWS:InstanceInformation.InstanceId", Values: ids, Type: "Equal" }],
      ResultAttributes: [{ TypeName: "AWS:Application" }],
      MaxResults: 50,
    });
  });

  it("splits a page of groups when its calls run out, and the next page resumes at the group it stopped before", async () => {
    givenAccount();
    // SSM answers ids filtered 50 at a time in one page each.
    ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [] });
    ssm.on(GetInventoryCommand).resolves({ Entities: [] });
    const targets = { tags: { env: "prod" }, autoScalingGroupNames: [] };

    // Six calls leave room for the group page's fixed calls and one group.
    const first = await inventory.targetedGroups(targets, FIRST_WALK, 6);
    const second = await inventory.targetedGroups(targets, first.next ?? FIRST_WALK, 6);

    expect(first.groups.map((g) => g.name)).toEqual(["web"]);
    expect(first.next).toEqual({ batch: 0, token: null, offset: 1, last: "web" });
    expect(first.calls).toBeLessThanOrEqual(6);
    // The launch configuration group: no record, its member counted as unknown to SSM.
    expect(second.groups).toEqual([]);
    expect(second.unmanaged).toBe(1);
    expect(second.next).toEqual({ batch: 0, token: "groups-2", offset: 0, last: null });
  });

  it("resumes after the last group it read when a group was created before it in the meantime", async () => {
    givenAccount();
    const targets = { tags: { env: "prod" }, autoScalingGroupNames: [] };
    const first = await inventory.targetedGroups(targets, FIRST_WALK, 6);
    const page = await autoscaling.commandCalls(DescribeAutoScalingGroupsCommand)[0]?.returnValue;
    const [web, ...rest] = page?.AutoScalingGroups ?? [];
    if (web === undefined) throw new Error("no first page");
    const created = { ...web, AutoScalingGroupName: "aaa-new", Instances: [] };
    autoscaling
      .on(DescribeAutoScalingGroupsCommand)
      .resolves({ ...page, AutoScalingGroups: [created, web, ...rest] });

    const second = await inventory.targetedGroups(targets, first.next ?? FIRST_WALK, 6);

    // legacy (after web), not web again.
    expect(second.groups).toEqual([]);
    expect(second.unmanaged).toBe(1);
  });

  it("fails naming the last group read when it is gone from its page, instead of skipping or repeating a group", async () => {
    givenAccount();
    const targets = { tags: { env: "prod" }, autoScalingGroupNames: [] };
    const first = await inventory.targetedGroups(targets, FIRST_WALK, 6);
    autoscaling
      .on(DescribeAutoScalingGroupsCommand)
      .resolves({ AutoScalingGroups: [], NextToken: "groups-2" });

    await expect(inventory.targetedGroups(targets, first.next ?? FIRST_WALK, 6)).rejects.toMatchObject({
      name: "UnexpectedResponseError",
      message: expect.stringContaining("a page without group web"),
    });
  });

  it("refuses a cursor whose batch the targets do not have, naming it", async () => {
    givenAccount();

    await expect(
      inventory.targetedGroups(
        { tags: {}, autoScalingGroupNames: ["web"] },
        { batch: 2, token: null, offset: 0, last: null },
        40,
      ),
    ).rejects.toThrow("cursor batch 2 is not a batch of the targeted group names (expected 0 to 0)");
    expect(autoscaling).not.toHaveReceivedAnyCommand();
  });
});

describe("AutoScalingFleetInventory counts", () => {
  it("counts every SSM-managed instance by platform, 50 a page, and stops at its calls with a token to resume", async () => {
    givenAccount();

    const first = await inventory.countPlatforms(null, 1);
    const rest = await inventory.countPlatforms(first.next, 10);

    expect(first).toEqual({ counts: { "Amazon Linux 2": 1 }, instances: 1, next: "info-2", calls: 1 });
    expect(rest).toEqual({ counts: { "Amazon Linux 2023": 1 }, instances: 1, next: null, calls: 1 });
    expect(ssm).toHaveReceivedNthCommandWith(DescribeInstanceInformationCommand, 1, { MaxResults: 50 });
    expect(ssm).toHaveReceivedNthCommandWith(DescribeInstanceInformationCommand, 2, {
      MaxResults: 50,
      NextToken: "info-2",
    });
  });

  it("counts every inventoried instance by its newest kernel package, following GetInventory's pages", async () => {
    givenAccount();

    const page = await inventory.countKernels(null, 10);

    expect(page).toEqual({
      counts: { "4.14.355-271.669.amzn2": 1, "6.18.4-12.51.amzn2023": 1 },
      instances: 2,
      next: null,
      calls: 2,
    });
    expect(ssm).toHaveReceivedNthCommandWith(GetInventoryCommand, 2, {
      Filters: [kernelFilter],
      ResultAttributes: [{ TypeName: "AWS:Application" }],
      MaxResults: 50,
      NextToken: "inventory-2",
    });
  });
});

describe("AutoScalingFleetInventory.targetedGroups, left out", () => {
  it("leaves out a group whose SSM image parameter does not exist", async () => {
    givenAccount();
    ssm.on(GetParametersCommand).resolves({
      Parameters: [],
      InvalidParameters: ["/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-arm64"],
    });

    const fleet = await readAll({ tags: { env: "prod" }, autoScalingGroupNames: [] });

    expect(fleet.groups.map((group) => group.name)).toEqual(["web"]);
    // Its member is still read and counted (SSM does not know i-api1 here).
    expect(fleet.unmanaged).toBe(3);
  });

  it("never asks for a parameter outside AWS's public AL2023 paths, and leaves its group out", async () => {
    givenAccount();
    ec2.on(DescribeLaunchTemplateVersionsCommand, { LaunchTemplateId: "lt-api" }).resolves({
      LaunchTemplateVersions: [
        {
          LaunchTemplateId: "lt-api",
          LaunchTemplateName: "api",
          VersionNumber: 3,
          LaunchTemplateData: { ImageId: "resolve:ssm:/golden/api" },
        },
      ],
    });

    const fleet = await readAll({ tags: { env: "prod" }, autoScalingGroupNames: [] });

    expect(ssm).not.toHaveReceivedCommand(GetParametersCommand);
    expect(fleet.groups.map((group) => group.name)).toEqual(["web"]);
  });

  it("describes no images and no parameters when no group matches", async () => {
    autoscaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });
    ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [] });
    ssm.on(GetInventoryCommand).resolves({ Entities: [] });

    const fleet = await readAll({ tags: { env: "prod" }, autoScalingGroupNames: [] });

    expect(fleet).toEqual({ groups: [], members: [], unmanaged: 0, pages: 1 });
    expect(ec2).not.toHaveReceivedAnyCommand();
    expect(ssm).not.toHaveReceivedCommand(GetParametersCommand);
  });
});
