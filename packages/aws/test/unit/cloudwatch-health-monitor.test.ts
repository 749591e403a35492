import "aws-sdk-client-mock-vitest/extend";
import {
  type AlarmType,
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricStatisticsCommand,
} from "@aws-sdk/client-cloudwatch";
import {
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { DescribeInstanceInformationCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { AwsHealthMonitor } from "../../src/cloudwatch-health-monitor";

const cloudwatch = mockClient(CloudWatchClient);
const elbv2 = mockClient(ElasticLoadBalancingV2Client);
const ssm = mockClient(SSMClient);
const monitor = new AwsHealthMonitor({
  cloudwatch: new CloudWatchClient({ region: "us-east-1" }),
  elbv2: new ElasticLoadBalancingV2Client({ region: "us-east-1" }),
  ssm: new SSMClient({ region: "us-east-1" }),
});

afterEach(() => {
  cloudwatch.reset();
  elbv2.reset();
  ssm.reset();
});

describe("AwsHealthMonitor.minInService", () => {
  const from = new Date("2026-10-01T10:00:00Z");
  const to = new Date("2026-10-01T10:30:00Z");

  it("returns the lowest per-minute Minimum of GroupInServiceInstances in the window", async () => {
    cloudwatch.on(GetMetricStatisticsCommand).resolves({
      Datapoints: [{ Minimum: 4 }, { Minimum: 2 }, { Minimum: 3 }, { Average: 1 }],
    });

    expect(await monitor.minInService("web", from, to)).toBe(2);
    expect(cloudwatch.commandCalls(GetMetricStatisticsCommand)[0]?.args[0].input).toEqual({
      Namespace: "AWS/AutoScaling",
      MetricName: "GroupInServiceInstances",
      Dimensions: [{ Name: "AutoScalingGroupName", Value: "web" }],
      StartTime: from,
      EndTime: to,
      Period: 60,
      Statistics: ["Minimum"],
    });
  });

  it("returns null when CloudWatch has no datapoint (group metrics not enabled)", async () => {
    cloudwatch.on(GetMetricStatisticsCommand).resolves({ Datapoints: [] });

    expect(await monitor.minInService("web", from, to)).toBeNull();
  });
});

describe("AwsHealthMonitor.alarmStates", () => {
  it("describes metric and composite alarms 100 names per batch, following pages, and leaves unknown names out", async () => {
    const names = Array.from({ length: 150 }, (_, i) => `alarm-${i}`);
    cloudwatch
      .on(DescribeAlarmsCommand)
      .callsFake((input: { AlarmNames: string[] }) => ({
        MetricAlarms: input.AlarmNames.slice(0, 2).map((AlarmName) => ({ AlarmName, StateValue: "OK" })),
        NextToken: input.AlarmNames[0] === "alarm-0" ? "alarms-2" : undefined,
      }))
      .on(DescribeAlarmsCommand, { NextToken: "alarms-2" })
      .resolves({ CompositeAlarms: [{ AlarmName: "alarm-99", StateValue: "ALARM" }] });

    const states = await monitor.alarmStates(names);

    expect(states).toEqual({
      "alarm-0": "OK",
      "alarm-1": "OK",
      "alarm-99": "ALARM",
      "alarm-100": "OK",
      "alarm-101": "OK",
    });
    expect(cloudwatch).toHaveReceivedCommandTimes(DescribeAlarmsCommand, 3);
    const types: AlarmType[] = ["MetricAlarm", "CompositeAlarm"];
    expect(cloudwatch).toHaveReceivedNthCommandWith(DescribeAlarmsCommand, 1, {
      AlarmNames: names.slice(0, 100),
      AlarmTypes: types,
      MaxRecords: 100,
    });
    expect(cloudwatch).toHaveReceivedNthCommandWith(DescribeAlarmsCommand, 2, {
      AlarmNames: names.slice(0, 100),
      AlarmTypes: types,
      MaxRecords: 100,
      NextToken: "alarms-2",
    });
    expect(cloudwatch).toHaveReceivedNthCommandWith(DescribeAlarmsCommand, 3, {
      AlarmNames: names.slice(100),
      AlarmTypes: types,
      MaxRecords: 100,
    });
  });

  it("makes no call for no alarm", async () => {
    expect(await monitor.alarmStates([])).toEqual({});
    expect(cloudwatch).not.toHaveReceivedAnyCommand();
  });
});

describe("AwsHealthMonitor.targetHealth", () => {
  it("asks each target group about the instances and keeps each instance's worst state", async () => {
    elbv2
      .on(DescribeTargetHealthCommand, { TargetGroupArn: "tg-a" })
      .resolves({
        TargetHealthDescriptions: [
          { Target: { Id: "i-1", Port: 80 }, TargetHealth: { State: "healthy" } },
          { Target: { Id: "i-2", Port: 80 }, TargetHealth: { State: "initial" } },
        ],
      })
      .on(DescribeTargetHealthCommand, { TargetGroupArn: "tg-b" })
      .resolves({
        TargetHealthDescriptions: [
          { Target: { Id: "i-1", Port: 8080 }, TargetHealth: { State: "unhealthy" } },
          { Target: { Id: "i-2", Port: 8080 }, TargetHealth: { State: "healthy" } },
        ],
      });

    const health = await monitor.targetHealth(["tg-a", "tg-b"], ["i-1", "i-2"]);

    expect(health).toEqual({ "i-1": "unhealthy", "i-2": "initial" });
    expect(elbv2).toHaveReceivedCommandTimes(DescribeTargetHealthCommand, 2);
    expect(elbv2).toHaveReceivedCommandWith(DescribeTargetHealthCommand, {
      TargetGroupArn: "tg-a",
      Targets: [{ Id: "i-1" }, { Id: "i-2" }],
    });
    expect(elbv2).toHaveReceivedCommandWith(DescribeTargetHealthCommand, {
      TargetGroupArn: "tg-b",
      Targets: [{ Id: "i-1" }, { Id: "i-2" }],
    });
  });
});

describe("AwsHealthMonitor.pingStatus", () => {
  it("filters DescribeInstanceInformation by 50 instance ids per call", async () => {
    const ids = Array.from({ length: 60 }, (_, i) => `i-${i}`);
    ssm.on(DescribeInstanceInformationCommand).callsFake((input: { Filters: { Values: string[] }[] }) => ({
      InstanceInformationList: (input.Filters[0]?.Values ?? []).map((InstanceId) => ({
        InstanceId,
        PingStatus: InstanceId === "i-59" ? "ConnectionLost" : "Online",
      })),
    }));

    const statuses = await monitor.pingStatus(ids);

    expect(Object.keys(statuses)).toHaveLength(60);
    expect(statuses["i-59"]).toBe("ConnectionLost");
    expect(ssm).toHaveReceivedCommandTimes(DescribeInstanceInformationCommand, 2);
    expect(ssm).toHaveReceivedNthCommandWith(DescribeInstanceInformationCommand, 1, {
      Filters: [{ Key: "InstanceIds", Values: ids.slice(0, 50) }],
      MaxResults: 50,
    });
    expect(ssm).toHaveReceivedNthCommandWith(DescribeInstanceInformationCommand, 2, {
      Filters: [{ Key: "InstanceIds", Values: ids.slice(50) }],
      MaxResults: 50,
    });
  });
});
