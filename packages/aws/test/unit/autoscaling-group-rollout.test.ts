import "aws-sdk-client-mock-vitest/extend";
import {
  ActiveInstanceRefreshNotFoundFault,
  AutoScalingClient,
  CancelInstanceRefreshCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
  InstanceRefreshInProgressFault,
  RollbackInstanceRefreshCommand,
  StartInstanceRefreshCommand,
  UpdateAutoScalingGroupCommand,
} from "@aws-sdk/client-auto-scaling";
import { CreateLaunchTemplateVersionCommand, EC2Client } from "@aws-sdk/client-ec2";
import type { StartRefreshInput } from "@fleet-upgrade/core";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { AutoScalingGroupRollout } from "../../src/autoscaling-group-rollout";
import { UnexpectedResponseError } from "../../src/errors";

const autoscaling = mockClient(AutoScalingClient);
const ec2 = mockClient(EC2Client);
const rollout = new AutoScalingGroupRollout({
  autoscaling: new AutoScalingClient({ region: "us-east-1" }),
  ec2: new EC2Client({ region: "us-east-1" }),
});

const refreshInput: StartRefreshInput = {
  groupName: "web",
  launchTemplateId: "lt-web",
  version: 8,
  minHealthyPercentage: 90,
  maxHealthyPercentage: 120,
  instanceWarmupSeconds: 300,
  checkpointPercentages: [10, 50],
  checkpointDelaySeconds: 600,
  alarmNames: ["web-5xx", "web-latency"],
};

afterEach(() => {
  autoscaling.reset();
  ec2.reset();
});

describe("AutoScalingGroupRollout.describeGroup", () => {
  it("counts in-service and healthy in-service instances and reports each instance's template version", async () => {
    autoscaling.on(DescribeAutoScalingGroupsCommand).resolves({
      AutoScalingGroups: [
        {
          AutoScalingGroupName: "web",
          MinSize: 1,
          MaxSize: 5,
          DesiredCapacity: 3,
          DefaultCooldown: 300,
          AvailabilityZones: ["us-east-1a"],
          HealthCheckType: "ELB",
          CreatedTime: new Date(),
          Instances: [
            {
              InstanceId: "i-1",
              LifecycleState: "InService",
              HealthStatus: "Healthy",
              AvailabilityZone: "a",
              ProtectedFromScaleIn: false,
              LaunchTemplate: { LaunchTemplateId: "lt-web", Version: "7" },
            },
            {
              InstanceId: "i-2",
              LifecycleState: "InService",
              HealthStatus: "Unhealthy",
              AvailabilityZone: "a",
              ProtectedFromScaleIn: false,
              LaunchTemplate: { LaunchTemplateId: "lt-web", Version: "8" },
            },
            {
              InstanceId: "i-3",
              LifecycleState: "Pending",
              HealthStatus: "Healthy",
              AvailabilityZone: "a",
              ProtectedFromScaleIn: false,
            },
          ],
        },
      ],
    });

    expect(await rollout.describeGroup("web")).toEqual({
      desired: 3,
      inService: 2,
      healthyInService: 1,
      instances: [
        { instanceId: "i-1", launchTemplateVersion: "7", healthy: true, lifecycleState: "InService" },
        { instanceId: "i-2", launchTemplateVersion: "8", healthy: false, lifecycleState: "InService" },
        { instanceId: "i-3", launchTemplateVersion: null, healthy: true, lifecycleState: "Pending" },
      ],
    });
    expect(autoscaling).toHaveReceivedCommandExactlyOnceWith(DescribeAutoScalingGroupsCommand, {
      AutoScalingGroupNames: ["web"],
    });
  });

  it("returns null for a group that does not exist", async () => {
    autoscaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });

    expect(await rollout.describeGroup("gone")).toBeNull();
  });
});

describe("AutoScalingGroupRollout.listTemplateUsers", () => {
  it("lists every group of the account with its template and version, mixed instances policies and every page included", async () => {
    autoscaling
      .on(DescribeAutoScalingGroupsCommand, { NextToken: undefined })
      .resolves({
        AutoScalingGroups: [
          {
            AutoScalingGroupName: "web",
            LaunchTemplate: { LaunchTemplateId: "lt-web", LaunchTemplateName: "web", Version: "3" },
          } as never,
          { AutoScalingGroupName: "old", LaunchConfigurationName: "old-lc" } as never,
        ],
        NextToken: "page-2",
      })
      .on(DescribeAutoScalingGroupsCommand, { NextToken: "page-2" })
      .resolves({
        AutoScalingGroups: [
          {
            AutoScalingGroupName: "legacy",
            MixedInstancesPolicy: {
              LaunchTemplate: { LaunchTemplateSpecification: { LaunchTemplateId: "lt-web" } },
            },
          } as never,
        ],
      });

    expect(await rollout.listTemplateUsers()).toEqual([
      { groupName: "web", launchTemplateId: "lt-web", launchTemplateName: "web", version: "3" },
      { groupName: "legacy", launchTemplateId: "lt-web", launchTemplateName: null, version: "$Default" },
    ]);
    expect(autoscaling).toHaveReceivedCommandTimes(DescribeAutoScalingGroupsCommand, 2);
  });
});

describe("AutoScalingGroupRollout.createLaunchTemplateVersion", () => {
  it("creates a version from the numbered source version with only the image changed, idempotent by client token", async () => {
    ec2.on(CreateLaunchTemplateVersionCommand).resolves({ LaunchTemplateVersion: { VersionNumber: 8 } });

    const version = await rollout.createLaunchTemplateVersion({
      launchTemplateId: "lt-web",
      sourceVersion: 7,
      imageId: "ami-hardened",
      description: "fleet-upgrade run-1",
      clientToken: "run-1-web",
    });

    expect(version).toBe(8);
    expect(ec2.commandCalls(CreateLaunchTemplateVersionCommand)[0]?.args[0].input).toEqual({
      LaunchTemplateId: "lt-web",
      SourceVersion: "7",
      LaunchTemplateData: { ImageId: "ami-hardened" },
      VersionDescription: "fleet-upgrade run-1",
      ClientToken: "run-1-web",
    });
  });
});

describe("AutoScalingGroupRollout.startRefresh", () => {
  it("starts a rolling refresh to the numbered version with checkpoints ending at 100 and alarm auto-rollback", async () => {
    autoscaling.on(StartInstanceRefreshCommand).resolves({ InstanceRefreshId: "refresh-1" });

    expect(await rollout.startRefresh(refreshInput)).toBe("refresh-1");
    expect(autoscaling).toHaveReceivedCommandTimes(StartInstanceRefreshCommand, 1);
    expect(autoscaling.commandCalls(StartInstanceRefreshCommand)[0]?.args[0].input).toStrictEqual({
      AutoScalingGroupName: "web",
      Strategy: "Rolling",
      DesiredConfiguration: { LaunchTemplate: { LaunchTemplateId: "lt-web", Version: "8" } },
      Preferences: {
        MinHealthyPercentage: 90,
        MaxHealthyPercentage: 120,
        InstanceWarmup: 300,
        CheckpointPercentages: [10, 50, 100],
        CheckpointDelay: 600,
        SkipMatching: false,
        AutoRollback: true,
        AlarmSpecification: { Alarms: ["web-5xx", "web-latency"] },
        ScaleInProtectedInstances: "Refresh",
        StandbyInstances: "Ignore",
      },
    });
  });

  it("omits InstanceWarmup and AlarmSpecification when there is no warm-up and no alarm", async () => {
    autoscaling.on(StartInstanceRefreshCommand).resolves({ InstanceRefreshId: "refresh-1" });

    await rollout.startRefresh({
      ...refreshInput,
      instanceWarmupSeconds: null,
      alarmNames: [],
      checkpointPercentages: [],
    });

    expect(autoscaling.commandCalls(StartInstanceRefreshCommand)[0]?.args[0].input.Preferences).toStrictEqual(
      {
        MinHealthyPercentage: 90,
        MaxHealthyPercentage: 120,
        CheckpointPercentages: [100],
        CheckpointDelay: 600,
        SkipMatching: false,
        AutoRollback: true,
        ScaleInProtectedInstances: "Refresh",
        StandbyInstances: "Ignore",
      },
    );
  });

  it("lets InstanceRefreshInProgressFault propagate unchanged so the caller can match on its name", async () => {
    const fault = new InstanceRefreshInProgressFault({
      $metadata: {},
      message: "An Instance Refresh is already in progress",
    });
    autoscaling.on(StartInstanceRefreshCommand).rejects(fault);

    const error = await rollout.startRefresh(refreshInput).catch((thrown: unknown) => thrown);

    expect(error).toBe(fault);
    expect(error).toMatchObject({ name: "InstanceRefreshInProgressFault" });
  });
});

describe("AutoScalingGroupRollout.describeRefreshes", () => {
  it("reads every page, 100 per page, and maps refreshes with ISO dates, newest first", async () => {
    autoscaling
      .on(DescribeInstanceRefreshesCommand)
      .resolves({
        InstanceRefreshes: [
          {
            InstanceRefreshId: "refresh-2",
            AutoScalingGroupName: "web",
            Status: "InProgress",
            StatusReason: "Waiting for instances to warm up",
            PercentageComplete: 40,
            InstancesToUpdate: 3,
            StartTime: new Date("2026-10-02T10:00:00Z"),
            DesiredConfiguration: { LaunchTemplate: { LaunchTemplateId: "lt-web", Version: "8" } },
          },
        ],
        NextToken: "refreshes-2",
      })
      .on(DescribeInstanceRefreshesCommand, { NextToken: "refreshes-2" })
      .resolves({
        InstanceRefreshes: [
          {
            InstanceRefreshId: "refresh-1",
            AutoScalingGroupName: "web",
            Status: "RollbackSuccessful",
            PercentageComplete: 100,
            InstancesToUpdate: 0,
            StartTime: new Date("2026-10-01T10:00:00Z"),
            EndTime: new Date("2026-10-01T11:30:00Z"),
          },
        ],
      });

    const refreshes = await rollout.describeRefreshes("web");

    expect(refreshes).toEqual([
      {
        instanceRefreshId: "refresh-2",
        groupName: "web",
        status: "InProgress",
        statusReason: "Waiting for instances to warm up",
        percentageComplete: 40,
        instancesToUpdate: 3,
        startTime: "2026-10-02T10:00:00.000Z",
        endTime: null,
        desiredVersion: "8",
      },
      {
        instanceRefreshId: "refresh-1",
        groupName: "web",
        status: "RollbackSuccessful",
        statusReason: null,
        percentageComplete: 100,
        instancesToUpdate: 0,
        startTime: "2026-10-01T10:00:00.000Z",
        endTime: "2026-10-01T11:30:00.000Z",
        desiredVersion: null,
      },
    ]);
    expect(autoscaling).toHaveReceivedCommandTimes(DescribeInstanceRefreshesCommand, 2);
    expect(autoscaling).toHaveReceivedNthCommandWith(DescribeInstanceRefreshesCommand, 1, {
      AutoScalingGroupName: "web",
      MaxRecords: 100,
    });
    expect(autoscaling).toHaveReceivedNthCommandWith(DescribeInstanceRefreshesCommand, 2, {
      AutoScalingGroupName: "web",
      MaxRecords: 100,
      NextToken: "refreshes-2",
    });
    expect(autoscaling.commandCalls(DescribeInstanceRefreshesCommand)[0]?.args[0].input).not.toHaveProperty(
      "InstanceRefreshIds",
    );
  });

  it("asks only for the given refresh ids", async () => {
    autoscaling.on(DescribeInstanceRefreshesCommand).resolves({ InstanceRefreshes: [] });

    await rollout.describeRefreshes("web", ["refresh-1"]);

    expect(autoscaling).toHaveReceivedCommandExactlyOnceWith(DescribeInstanceRefreshesCommand, {
      AutoScalingGroupName: "web",
      InstanceRefreshIds: ["refresh-1"],
      MaxRecords: 100,
    });
  });

  it("fails with UnexpectedResponseError on a status the domain does not know rather than hide that refresh", async () => {
    autoscaling.on(DescribeInstanceRefreshesCommand).resolves({
      InstanceRefreshes: [{ InstanceRefreshId: "refresh-9", Status: "Hibernating" as never }],
    });

    await expect(rollout.describeRefreshes("web")).rejects.toBeInstanceOf(UnexpectedResponseError);
  });
});

describe("AutoScalingGroupRollout rollback and cancel", () => {
  it("rolls back the group's refresh in progress and returns the refresh id", async () => {
    autoscaling.on(RollbackInstanceRefreshCommand).resolves({ InstanceRefreshId: "refresh-2" });

    expect(await rollout.rollbackRefresh("web")).toBe("refresh-2");
    expect(autoscaling).toHaveReceivedCommandExactlyOnceWith(RollbackInstanceRefreshCommand, {
      AutoScalingGroupName: "web",
    });
  });

  it("cancels the group's refresh in progress and returns the refresh id", async () => {
    autoscaling.on(CancelInstanceRefreshCommand).resolves({ InstanceRefreshId: "refresh-2" });

    expect(await rollout.cancelRefresh("web")).toBe("refresh-2");
    expect(autoscaling).toHaveReceivedCommandExactlyOnceWith(CancelInstanceRefreshCommand, {
      AutoScalingGroupName: "web",
    });
  });

  it("lets ActiveInstanceRefreshNotFoundFault from a cancel propagate unchanged", async () => {
    const fault = new ActiveInstanceRefreshNotFoundFault({ $metadata: {}, message: "none" });
    autoscaling.on(CancelInstanceRefreshCommand).rejects(fault);

    await expect(rollout.cancelRefresh("web")).rejects.toBe(fault);
  });

  it("pins a group to a numbered launch template version with UpdateAutoScalingGroup", async () => {
    autoscaling.on(UpdateAutoScalingGroupCommand).resolves({});
    await rollout.pinLaunchTemplateVersion("api", "lt-api", 4);
    expect(autoscaling).toHaveReceivedCommandExactlyOnceWith(UpdateAutoScalingGroupCommand, {
      AutoScalingGroupName: "api",
      LaunchTemplate: { LaunchTemplateId: "lt-api", Version: "4" },
    });
  });
});
