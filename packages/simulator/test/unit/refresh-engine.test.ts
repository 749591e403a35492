import {
  type AutoScalingServiceException,
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
  InstanceRefreshInProgressFault,
  RollbackInstanceRefreshCommand,
  StartInstanceRefreshCommand,
} from "@aws-sdk/client-auto-scaling";
import { DescribeAlarmsCommand, GetMetricStatisticsCommand } from "@aws-sdk/client-cloudwatch";
import { CreateLaunchTemplateVersionCommand } from "@aws-sdk/client-ec2";
import { DescribeTargetHealthCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { describe, expect, it } from "vitest";
import { type RefreshEvent, SimulatedAccount } from "../../src/index";
import { scenario } from "./fixtures";

async function newVersion(account: SimulatedAccount, imageId = "ami-2023-61"): Promise<number> {
  const { ec2 } = account.createClients();
  const out = await ec2.send(
    new CreateLaunchTemplateVersionCommand({
      LaunchTemplateName: "web-lt",
      SourceVersion: "3",
      LaunchTemplateData: { ImageId: imageId },
      ClientToken: "upgrade-web",
    }),
  );
  return out.LaunchTemplateVersion?.VersionNumber ?? -1;
}

function startInput(version: number, extra: Record<string, unknown> = {}) {
  return {
    AutoScalingGroupName: "web",
    DesiredConfiguration: { LaunchTemplate: { LaunchTemplateName: "web-lt", Version: String(version) } },
    Preferences: {
      MinHealthyPercentage: 90,
      MaxHealthyPercentage: 110,
      CheckpointPercentages: [20, 50, 100],
      CheckpointDelay: 600,
      ...extra,
    },
  };
}

describe("instance refresh pacing", () => {
  it("replaces N=10 with checkpoints [20, 50] in exactly the section 3 bound and emits its events", async () => {
    const account = SimulatedAccount.create(scenario());
    const { autoscaling } = account.createClients();
    const events: RefreshEvent[] = [];
    account.onRefreshEvent((event) => events.push(event));
    const version = await newVersion(account);
    expect(version).toBe(4);
    const start = account.clock.now();
    const { InstanceRefreshId } = await autoscaling.send(
      new StartInstanceRefreshCommand(startInput(version)),
    );

    // By hand: B = max(1, floor(10 * (110 - 90) / 100)) = 2; segments end at ceil(2) = 2, ceil(5) = 5, 10:
    // sizes 2, 3, 5 -> 1 + 2 + 3 = 6 batches of 60 + 120 s, plus 2 checkpoint pauses of 600 s.
    const bound = 6 * (60 + 120) + 2 * 600;
    expect(bound).toBe(2280);
    account.clock.runUntilIdle();
    const elapsed = (account.clock.now() - start) / 1000;
    expect(elapsed).toBe(bound);

    expect(events.map((e) => e["detail-type"])).toEqual([
      "EC2 Auto Scaling Instance Refresh Started",
      "EC2 Auto Scaling Instance Refresh Checkpoint Reached",
      "EC2 Auto Scaling Instance Refresh Checkpoint Reached",
      "EC2 Auto Scaling Instance Refresh Succeeded",
    ]);
    const checkpoint = events[1] as RefreshEvent;
    expect(checkpoint).toMatchObject({
      version: "0",
      source: "aws.autoscaling",
      account: "123456789012",
      region: "us-east-1",
      detail: {
        InstanceRefreshId,
        AutoScalingGroupName: "web",
        CheckpointPercentage: "20",
        CheckpointDelay: "600",
      },
    });
    expect(checkpoint.resources[0]).toMatch(
      /^arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:.*autoScalingGroupName\/web$/,
    );
    expect(events[3]?.time).toBe(new Date(start + bound * 1000).toISOString().replace(".000Z", "Z"));

    const described = await autoscaling.send(
      new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: "web" }),
    );
    expect(described.InstanceRefreshes?.[0]).toMatchObject({
      InstanceRefreshId,
      Status: "Successful",
      PercentageComplete: 100,
      InstancesToUpdate: 0,
    });
    expect(described.InstanceRefreshes?.[0]?.EndTime).toEqual(new Date(start + bound * 1000));

    const group = account.group("web");
    expect(group?.launchTemplateVersion).toBe("4");
    expect(group?.instances).toHaveLength(10);
    expect(group?.instances.every((i) => i.imageId === "ami-2023-61" && i.lifecycle === "InService")).toBe(
      true,
    );
  });

  it("never lets the in-service healthy share drop below the minimum healthy percentage", async () => {
    const account = SimulatedAccount.create(scenario());
    const { autoscaling, cloudwatch } = account.createClients();
    const version = await newVersion(account);
    const start = account.clock.now();
    await autoscaling.send(new StartInstanceRefreshCommand(startInput(version)));
    let lowest = 10;
    while (account.clock.advance()) {
      const out = await autoscaling.send(
        new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ["web"] }),
      );
      const healthy = (out.AutoScalingGroups?.[0]?.Instances ?? []).filter(
        (i) => i.LifecycleState === "InService" && i.HealthStatus === "Healthy",
      ).length;
      lowest = Math.min(lowest, healthy);
    }
    expect(lowest).toBe(9);
    expect(account.group("web")?.minHealthyPercentSeen).toBe(90);

    const metric = await cloudwatch.send(
      new GetMetricStatisticsCommand({
        Namespace: "AWS/AutoScaling",
        MetricName: "GroupInServiceInstances",
        Dimensions: [{ Name: "AutoScalingGroupName", Value: "web" }],
        StartTime: new Date(start),
        EndTime: new Date(account.clock.now()),
        Period: 60,
        Statistics: ["Minimum"],
      }),
    );
    const minima = (metric.Datapoints ?? []).map((d) => d.Minimum);
    expect(minima.length).toBe(2280 / 60);
    expect(Math.min(...(minima as number[]))).toBe(9);
  });

  it("rejects a second refresh while a foreign refresh is in progress", async () => {
    const account = SimulatedAccount.create(scenario({ faults: { foreignRefresh: ["web"] } }));
    const { autoscaling } = account.createClients();
    const error = await autoscaling
      .send(new StartInstanceRefreshCommand(startInput(3)))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InstanceRefreshInProgressFault);
    expect((error as Error).name).toBe("InstanceRefreshInProgressFault");
    expect((error as AutoScalingServiceException).$metadata.httpStatusCode).toBe(400);
    const described = await autoscaling.send(
      new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: "web" }),
    );
    expect(described.InstanceRefreshes?.[0]?.Status).toBe("InProgress");
    expect(described.InstanceRefreshes?.[0]?.DesiredConfiguration).toBeUndefined();
    // Nothing is scheduled for it: it stays paused however far the clock goes.
    expect(account.clock.pending()).toBe(0);
  });

  it("rejects a DesiredConfiguration without a numbered existing version", async () => {
    const account = SimulatedAccount.create(scenario());
    const { autoscaling } = account.createClients();
    for (const version of ["$Latest", "9"]) {
      const error = await autoscaling
        .send(new StartInstanceRefreshCommand(startInput(0, {})))
        .catch((e: unknown) => e);
      expect((error as Error).name).toBe("ValidationError");
      const other = await autoscaling
        .send(
          new StartInstanceRefreshCommand({
            AutoScalingGroupName: "web",
            DesiredConfiguration: { LaunchTemplate: { LaunchTemplateName: "web-lt", Version: version } },
          }),
        )
        .catch((e: unknown) => e);
      expect((other as Error).name).toBe("ValidationError");
    }
  });

  it("rolls back the refresh by itself when the group's alarm fires at 25% with AutoRollback", async () => {
    const base = scenario();
    const account = SimulatedAccount.create({
      ...base,
      groups: base.groups.map((g) => ({
        ...g,
        desired: 4,
        min: 4,
        onNewImage: { alarm: "web-5xx", whenReplacedPercent: 25 },
        tags: { ...g.tags, "fleet-upgrade:alarms": "web-5xx" },
      })),
    });
    const { autoscaling, cloudwatch } = account.createClients();
    const events: string[] = [];
    account.onRefreshEvent((event) => events.push(event["detail-type"]));
    const version = await newVersion(account);
    await autoscaling.send(
      new StartInstanceRefreshCommand(
        startInput(version, { AutoRollback: true, AlarmSpecification: { Alarms: ["web-5xx"] } }),
      ),
    );
    // N=4: B=max(1, floor(0.8))=1; the first batch (one instance, 25%) fires the alarm after 180 s.
    account.clock.advanceTo(account.clock.now() + 180_000);
    const alarms = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: ["web-5xx"] }));
    expect(alarms.MetricAlarms?.[0]?.StateValue).toBe("ALARM");
    account.clock.runUntilIdle();
    expect(events).toEqual([
      "EC2 Auto Scaling Instance Refresh Started",
      "EC2 Auto Scaling Instance Refresh Rollback Started",
      "EC2 Auto Scaling Instance Refresh Rollback Succeeded",
    ]);
    const group = account.group("web");
    expect(group?.refreshes.at(-1)?.status).toBe("RollbackSuccessful");
    expect(group?.launchTemplateVersion).toBe("3");
    expect(group?.instances.map((i) => i.imageId)).toEqual(["ami-al2", "ami-al2", "ami-al2", "ami-al2"]);
    expect(account.alarmState("web-5xx")).toBe("OK");
    expect(group?.minHealthyPercentSeen).toBeGreaterThanOrEqual(75);
  });

  it("rolls back on request while in progress and refuses once nothing is in progress", async () => {
    const account = SimulatedAccount.create(scenario());
    const { autoscaling } = account.createClients();
    const version = await newVersion(account);
    await autoscaling.send(new StartInstanceRefreshCommand(startInput(version)));
    account.clock.advanceTo(account.clock.now() + 200_000);
    await autoscaling.send(new RollbackInstanceRefreshCommand({ AutoScalingGroupName: "web" }));
    account.clock.runUntilIdle();
    expect(account.group("web")?.refreshes.at(-1)?.status).toBe("RollbackSuccessful");
    expect(new Set(account.group("web")?.instances.map((i) => i.imageId))).toEqual(new Set(["ami-al2"]));
    const error = await autoscaling
      .send(new RollbackInstanceRefreshCommand({ AutoScalingGroupName: "web" }))
      .catch((e: unknown) => e);
    expect((error as Error).name).toBe("ActiveInstanceRefreshNotFoundFault");
  });

  it("fails the refresh after launchSeconds when new instances fail at launch", async () => {
    const base = scenario();
    const account = SimulatedAccount.create({
      ...base,
      groups: base.groups.map((g) => ({ ...g, onNewImage: { failLaunch: true } })),
    });
    const { autoscaling } = account.createClients();
    const events: string[] = [];
    account.onRefreshEvent((event) => events.push(event["detail-type"]));
    const start = account.clock.now();
    await autoscaling.send(new StartInstanceRefreshCommand(startInput(await newVersion(account))));
    account.clock.runUntilIdle();
    const refresh = (
      await autoscaling.send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: "web" }))
    ).InstanceRefreshes?.[0];
    expect(refresh?.Status).toBe("Failed");
    expect(refresh?.StatusReason).toMatch(/failed to launch/);
    expect(refresh?.EndTime).toEqual(new Date(start + 60_000));
    expect(events.at(-1)).toBe("EC2 Auto Scaling Instance Refresh Failed");
    expect(account.group("web")?.instances.filter((i) => i.lifecycle === "InService")).toHaveLength(10);
  });

  it("reports new-image targets unhealthy when the scenario says so", async () => {
    const base = scenario();
    const account = SimulatedAccount.create({
      ...base,
      groups: base.groups.map((g) => ({ ...g, onNewImage: { unhealthyTargets: true } })),
    });
    const { autoscaling, elbv2 } = account.createClients();
    const groups = await autoscaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ["web"] }),
    );
    const arn = groups.AutoScalingGroups?.[0]?.TargetGroupARNs?.[0] ?? "";
    await autoscaling.send(new StartInstanceRefreshCommand(startInput(await newVersion(account))));
    account.clock.runUntilIdle();
    const health = await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
    expect(health.TargetHealthDescriptions).toHaveLength(10);
    expect(health.TargetHealthDescriptions?.every((d) => d.TargetHealth?.State === "unhealthy")).toBe(true);
  });
});
