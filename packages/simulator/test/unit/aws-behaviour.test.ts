import {
  CancelInstanceRefreshCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
  EnableMetricsCollectionCommand,
  RollbackInstanceRefreshCommand,
  StartInstanceRefreshCommand,
} from "@aws-sdk/client-auto-scaling";
import { GetMetricStatisticsCommand } from "@aws-sdk/client-cloudwatch";
import { CreateLaunchTemplateVersionCommand, DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import {
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  GetInventoryCommand,
  SendCommandCommand,
} from "@aws-sdk/client-ssm";
import { describe, expect, it } from "vitest";
import { SimulatedAccount } from "../../src/index";
import { LAUNCH_RETRY_MS } from "../../src/refresh-engine";
import { scenario } from "./fixtures";

const web = (extra: Record<string, unknown> = {}) => ({
  name: "web",
  desired: 10,
  max: 20,
  launchTemplate: { name: "web-lt", version: 3, imageId: "ami-al2" },
  tags: { "fleet-upgrade:managed": "true" },
  targetGroup: true,
  ...extra,
});

async function setUp(overrides: Record<string, unknown> = {}) {
  const account = SimulatedAccount.create(scenario(overrides));
  const clients = account.createClients({ maxAttempts: 1 });
  const out = await clients.ec2.send(
    new CreateLaunchTemplateVersionCommand({
      LaunchTemplateName: "web-lt",
      SourceVersion: "3",
      LaunchTemplateData: { ImageId: "ami-2023-61" },
    }),
  );
  return { account, clients, version: String(out.LaunchTemplateVersion?.VersionNumber) };
}

function start(version: string, preferences: Record<string, unknown> = {}) {
  return new StartInstanceRefreshCommand({
    AutoScalingGroupName: "web",
    DesiredConfiguration: { LaunchTemplate: { LaunchTemplateName: "web-lt", Version: version } },
    Preferences: { MinHealthyPercentage: 90, MaxHealthyPercentage: 110, ...preferences },
  });
}

describe("the simulator behaves as AWS documents", () => {
  it("refuses a refresh whose alarm is in INSUFFICIENT_DATA or ALARM, and more than 10 alarms", async () => {
    const { account, clients, version } = await setUp({
      alarms: [
        { name: "sparse-5xx", state: "INSUFFICIENT_DATA" },
        { name: "firing", state: "ALARM" },
      ],
      groups: [web()],
    });
    for (const alarm of ["sparse-5xx", "firing"]) {
      await expect(
        clients.autoscaling.send(start(version, { AlarmSpecification: { Alarms: [alarm] } })),
      ).rejects.toMatchObject({ name: "ValidationError", message: expect.stringContaining(alarm) });
    }
    const eleven = Array.from({ length: 11 }, (_, i) => `alarm-${i}`);
    for (const name of eleven) account.world.ensureAlarm(name);
    await expect(
      clients.autoscaling.send(start(version, { AlarmSpecification: { Alarms: eleven } })),
    ).rejects.toMatchObject({
      name: "ValidationError",
      message: expect.stringContaining("Member must have length less than or equal to 10"),
    });
    expect(account.group("web")?.refreshes).toEqual([]);
  });

  it("takes at most 50 group names per DescribeAutoScalingGroups, up to MaxRecords when higher", async () => {
    const { clients } = await setUp();
    const names = (n: number) => Array.from({ length: n }, (_, i) => `g-${i}`);
    await expect(
      clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: names(51) })),
    ).rejects.toMatchObject({ name: "ValidationError" });
    await expect(
      clients.autoscaling.send(
        new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: names(100), MaxRecords: 100 }),
      ),
    ).resolves.toMatchObject({ AutoScalingGroups: [] });
    await expect(
      clients.autoscaling.send(
        new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: names(101), MaxRecords: 100 }),
      ),
    ).rejects.toMatchObject({ name: "ValidationError" });
  });

  it("with AutoRollback, keeps retrying a failing launch for an hour, then rolls back", async () => {
    const { account, clients, version } = await setUp({
      groups: [web({ onNewImage: { failLaunch: true } })],
    });
    const startMs = account.clock.now();
    await clients.autoscaling.send(start(version, { AutoRollback: true }));
    account.clock.advanceTo(startMs + 30 * 60_000);
    expect(account.group("web")?.refreshes[0]?.status).toBe("InProgress");
    account.clock.runUntilIdle();
    const refresh = account.group("web")?.refreshes[0];
    expect(refresh?.status).toBe("RollbackSuccessful");
    expect((refresh?.endMs ?? 0) - startMs).toBeGreaterThanOrEqual(LAUNCH_RETRY_MS);
    expect(account.group("web")?.instances.every((i) => i.imageId === "ami-al2")).toBe(true);
    expect(account.group("web")?.instances).toHaveLength(10);
  });

  it("without AutoRollback, an alarm going to ALARM fails the refresh", async () => {
    const { account, clients, version } = await setUp({
      groups: [web({ onNewImage: { alarm: "web-5xx" } })],
    });
    await clients.autoscaling.send(
      start(version, { AutoRollback: false, AlarmSpecification: { Alarms: ["web-5xx"] } }),
    );
    account.clock.runUntilIdle();
    const refresh = account.group("web")?.refreshes[0];
    expect(refresh?.status).toBe("Failed");
    expect(refresh?.statusReason).toContain("web-5xx");
  });

  it("cancels a rollback too, showing Cancelling until the launches in flight finish", async () => {
    const { account, clients, version } = await setUp({ groups: [web()] });
    await clients.autoscaling.send(start(version, { AutoRollback: true }));
    account.clock.advanceTo(account.clock.now() + 200_000);
    await clients.autoscaling.send(new RollbackInstanceRefreshCommand({ AutoScalingGroupName: "web" }));
    account.clock.advanceTo(account.clock.now() + 1_000);
    const status = async () =>
      (await clients.autoscaling.send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: "web" })))
        .InstanceRefreshes?.[0]?.Status;
    expect(await status()).toBe("RollbackInProgress");
    await clients.autoscaling.send(new CancelInstanceRefreshCommand({ AutoScalingGroupName: "web" }));
    expect(await status()).toBe("Cancelling");
    account.clock.runUntilIdle();
    expect(await status()).toBe("Cancelled");
  });

  it("paces batches by the refresh's InstanceWarmup when set, even below the group's warmup", async () => {
    const { account, clients, version } = await setUp({ groups: [web()] });
    const startMs = account.clock.now();
    await clients.autoscaling.send(start(version, { InstanceWarmup: 30 }));
    account.clock.runUntilIdle();
    // B = 2, 5 batches of launch 60 + warmup 30 (the group's own is 120).
    expect((account.clock.now() - startMs) / 1000).toBe(5 * 90);
  });

  it("reports GroupInServiceInstances only once metrics collection is enabled", async () => {
    const { account, clients } = await setUp({ groups: [web({ metricsCollection: false })] });
    const described = await clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({}));
    expect(described.AutoScalingGroups?.[0]?.EnabledMetrics).toEqual([]);
    const metric = () =>
      clients.cloudwatch.send(
        new GetMetricStatisticsCommand({
          Namespace: "AWS/AutoScaling",
          MetricName: "GroupInServiceInstances",
          Dimensions: [{ Name: "AutoScalingGroupName", Value: "web" }],
          StartTime: new Date(account.clock.now() - 3_600_000),
          EndTime: new Date(account.clock.now() + 3_600_000),
          Period: 60,
          Statistics: ["Minimum"],
        }),
      );
    expect((await metric()).Datapoints).toEqual([]);
    await clients.autoscaling.send(
      new EnableMetricsCollectionCommand({ AutoScalingGroupName: "web", Granularity: "1Minute" }),
    );
    account.clock.advanceTo(account.clock.now() + 300_000);
    expect((await metric()).Datapoints?.length).toBeGreaterThan(0);
  });

  it("returns no inventory for instances without an inventory association", async () => {
    const { clients } = await setUp({ groups: [web({ inventory: false })], standalone: 2 });
    const out = await clients.ssm.send(new GetInventoryCommand({}));
    expect(out.Entities).toHaveLength(2);
  });

  it("answers GetInventory filtered by instance ids with those instances only, and refuses more than 40 ids in a filter", async () => {
    const { account, clients } = await setUp({ groups: [web()], standalone: 3 });
    const ids = [...account.world.instances.keys()];
    const picked = [ids[1], ids[3]].filter((id): id is string => id !== undefined);
    const byId = (values: string[]) =>
      clients.ssm.send(
        new GetInventoryCommand({
          Filters: [{ Key: "AWS:InstanceInformation.InstanceId", Values: values, Type: "Equal" }],
        }),
      );

    const out = await byId([...picked, "i-0000000000unknown"]);

    expect(out.Entities?.map((e) => e.Id).sort()).toEqual([...picked].sort());
    // InventoryFilterValueList: 1 to 40 values (../shared/aws-models/ssm-2014-11-06.json).
    await expect(byId(Array.from({ length: 41 }, (_, i) => `i-${i}`))).rejects.toMatchObject({
      name: "ValidationException",
      message: expect.stringContaining("filters.1.member.values"),
    });
  });

  it("refuses a DescribeInstanceInformation filter of more than 100 values", async () => {
    const { clients } = await setUp({ groups: [web()] });

    await expect(
      clients.ssm.send(
        new DescribeInstanceInformationCommand({
          Filters: [{ Key: "InstanceIds", Values: Array.from({ length: 101 }, (_, i) => `i-${i}`) }],
        }),
      ),
    ).rejects.toMatchObject({ name: "ValidationException" });
  });

  it("ends a command to an unreachable agent TimedOut (DeliveryTimedOut); instances run on xen", async () => {
    const { account, clients } = await setUp({ groups: [web()] });
    const instance = [...account.world.instances.values()][0];
    if (instance === undefined) throw new Error("no instance");
    instance.ping = "ConnectionLost";
    const sent = await clients.ssm.send(
      new SendCommandCommand({
        DocumentName: "AWS-RunShellScript",
        InstanceIds: [instance.instanceId],
        Parameters: { commands: ["uname -r"] },
        TimeoutSeconds: 60,
      }),
    );
    account.clock.runUntilIdle();
    const invocation = await clients.ssm.send(
      new GetCommandInvocationCommand({
        CommandId: sent.Command?.CommandId,
        InstanceId: instance.instanceId,
      }),
    );
    expect([invocation.Status, invocation.StatusDetails]).toEqual(["TimedOut", "DeliveryTimedOut"]);
    const described = await clients.ec2.send(
      new DescribeInstancesCommand({ InstanceIds: [instance.instanceId] }),
    );
    expect(described.Reservations?.[0]?.Instances?.[0]?.Hypervisor).toBe("xen");
  });
});
