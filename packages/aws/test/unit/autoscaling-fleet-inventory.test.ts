import "aws-sdk-client-mock-vitest/extend";
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from "@aws-sdk/client-auto-scaling";
import { DescribeImagesCommand, DescribeLaunchTemplateVersionsCommand, EC2Client } from "@aws-sdk/client-ec2";
import {
  DescribeInstanceInformationCommand,
  GetInventoryCommand,
  GetParametersCommand,
  SSMClient,
} from "@aws-sdk/client-ssm";
import { FleetSchema } from "@fleet-upgrade/core";
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
  Filters: [
    { Key: "AWS:Application.Name", Values: ["kernel", "kernel6.12", "kernel6.18"], Type: "Equal" as const },
  ],
  ResultAttributes: [{ TypeName: "AWS:Application" }],
  MaxResults: 50,
};

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

describe("AutoScalingFleetInventory.readFleet", () => {
  it("returns the target groups sorted by name with their resolved launch template, image and architecture", async () => {
    givenAccount();

    const fleet = await inventory.readFleet({
      tags: { "fleet-upgrade:managed": "true", env: "prod" },
      autoScalingGroupNames: [],
    });

    expect(FleetSchema.parse(fleet)).toEqual(fleet);
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

  it("lists every SSM-managed instance and every group member SSM does not know, with the newest kernel package (kernel, or kernel6.x on newer AL2023 tracks)", async () => {
    givenAccount();

    const fleet = await inventory.readFleet({
      tags: { "fleet-upgrade:managed": "true", env: "prod" },
      autoScalingGroupNames: [],
    });

    expect(fleet.instances).toEqual([
      {
        instanceId: "i-api1",
        groupName: "api",
        platformName: null,
        platformVersion: null,
        kernelVersion: null,
        pingStatus: null,
      },
      {
        instanceId: "i-legacy",
        groupName: "legacy",
        platformName: null,
        platformVersion: null,
        kernelVersion: null,
        pingStatus: null,
      },
      {
        instanceId: "i-standalone",
        groupName: null,
        platformName: "Amazon Linux",
        platformVersion: "2023",
        kernelVersion: "6.18.4-12.51.amzn2023",
        pingStatus: "ConnectionLost",
      },
      {
        instanceId: "i-web1",
        groupName: "web",
        platformName: "Amazon Linux",
        platformVersion: "2",
        kernelVersion: "4.14.355-271.669.amzn2",
        pingStatus: "Online",
      },
      {
        instanceId: "i-web2",
        groupName: "web",
        platformName: null,
        platformVersion: null,
        kernelVersion: null,
        pingStatus: null,
      },
    ]);
  });

  it("skips a group without a launch template and a group whose tags do not all match", async () => {
    givenAccount();

    const fleet = await inventory.readFleet({
      tags: { "fleet-upgrade:managed": "true", env: "prod" },
      autoScalingGroupNames: [],
    });

    expect(fleet.groups.map((group) => group.name)).toEqual(["api", "web"]);
  });

  it("filters groups by every tag, 100 per page, and follows NextToken", async () => {
    givenAccount();

    await inventory.readFleet({
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

    await inventory.readFleet({ tags: { env: "prod" }, autoScalingGroupNames: ["web", "api"] });

    expect(autoscaling).toHaveReceivedNthCommandWith(DescribeAutoScalingGroupsCommand, 1, {
      AutoScalingGroupNames: ["web", "api"],
      Filters: [{ Name: "tag:env", Values: ["prod"] }],
      MaxRecords: 100,
    });
  });

  it("resolves each launch template spec once, an SSM image reference with GetParameters, and images in one DescribeImages", async () => {
    givenAccount();

    await inventory.readFleet({
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
    expect(ec2).toHaveReceivedCommandTimes(DescribeImagesCommand, 1);
    const imageIds = ec2.commandCalls(DescribeImagesCommand)[0]?.args[0].input.ImageIds;
    expect([...(imageIds ?? [])].sort()).toEqual(["ami-api", "ami-web"]);
  });

  it("reads SSM instance information and kernel inventory 50 per page across pages", async () => {
    givenAccount();

    await inventory.readFleet({ tags: { env: "prod" }, autoScalingGroupNames: [] });

    expect(ssm).toHaveReceivedCommandTimes(DescribeInstanceInformationCommand, 2);
    expect(ssm).toHaveReceivedNthCommandWith(DescribeInstanceInformationCommand, 1, { MaxResults: 50 });
    expect(ssm).toHaveReceivedNthCommandWith(DescribeInstanceInformationCommand, 2, {
      MaxResults: 50,
      NextToken: "info-2",
    });
    expect(ssm).toHaveReceivedCommandTimes(GetInventoryCommand, 2);
    expect(ssm).toHaveReceivedNthCommandWith(GetInventoryCommand, 1, kernelFilter);
    expect(ssm).toHaveReceivedNthCommandWith(GetInventoryCommand, 2, {
      ...kernelFilter,
      NextToken: "inventory-2",
    });
  });

  it("leaves out a group whose SSM image parameter does not exist", async () => {
    givenAccount();
    ssm.on(GetParametersCommand).resolves({
      Parameters: [],
      InvalidParameters: ["/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-arm64"],
    });

    const fleet = await inventory.readFleet({ tags: { env: "prod" }, autoScalingGroupNames: [] });

    expect(fleet.groups.map((group) => group.name)).toEqual(["web"]);
    expect(fleet.instances.find((instance) => instance.instanceId === "i-api1")?.groupName).toBe("api");
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

    const fleet = await inventory.readFleet({ tags: { env: "prod" }, autoScalingGroupNames: [] });

    expect(ssm).not.toHaveReceivedCommand(GetParametersCommand);
    expect(fleet.groups.map((group) => group.name)).toEqual(["web"]);
  });

  it("describes no images and no parameters when no group matches", async () => {
    autoscaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });
    ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [] });
    ssm.on(GetInventoryCommand).resolves({ Entities: [] });

    const fleet = await inventory.readFleet({ tags: { env: "prod" }, autoScalingGroupNames: [] });

    expect(fleet).toEqual({ groups: [], instances: [] });
    expect(ec2).not.toHaveReceivedAnyCommand();
    expect(ssm).not.toHaveReceivedCommand(GetParametersCommand);
  });
});
