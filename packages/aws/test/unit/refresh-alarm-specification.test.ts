import "aws-sdk-client-mock-vitest/extend";
import { AutoScalingClient, StartInstanceRefreshCommand } from "@aws-sdk/client-auto-scaling";
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { EC2Client } from "@aws-sdk/client-ec2";
import type { StartRefreshInput } from "@fleet-upgrade/core";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { AutoScalingGroupRollout } from "../../src/autoscaling-group-rollout";

const autoscaling = mockClient(AutoScalingClient);
const cloudwatch = mockClient(CloudWatchClient);
const rollout = new AutoScalingGroupRollout({
  autoscaling: new AutoScalingClient({ region: "us-east-1" }),
  ec2: new EC2Client({ region: "us-east-1" }),
  cloudwatch: new CloudWatchClient({ region: "us-east-1" }),
});

const names = Array.from({ length: 12 }, (_, i) => `alarm-${i}`);
const input = (notes: string[]): StartRefreshInput => ({
  groupName: "web",
  launchTemplateId: "lt-web",
  version: 8,
  minHealthyPercentage: 90,
  maxHealthyPercentage: 110,
  instanceWarmupSeconds: null,
  checkpointPercentages: [20],
  checkpointDelaySeconds: 600,
  alarmNames: [...names, "sparse-5xx", "gone"],
  onAlarmsNote: (note) => notes.push(note),
});

afterEach(() => {
  autoscaling.reset();
  cloudwatch.reset();
});

describe("the AlarmSpecification a refresh is started with", () => {
  it("holds at most 10 alarms, only in OK, and notes every other alarm for the run's own checks", async () => {
    cloudwatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [
        ...names.map((AlarmName) => ({ AlarmName, StateValue: "OK" as const })),
        { AlarmName: "sparse-5xx", StateValue: "INSUFFICIENT_DATA" as const },
      ],
    });
    autoscaling.on(StartInstanceRefreshCommand).resolves({ InstanceRefreshId: "r-1" });
    const notes: string[] = [];
    await expect(rollout.startRefresh(input(notes))).resolves.toBe("r-1");
    const sent = autoscaling.commandCalls(StartInstanceRefreshCommand)[0]?.args[0].input;
    expect(sent?.Preferences?.AlarmSpecification?.Alarms).toEqual(names.slice(0, 10));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain("alarm-10 (beyond the 10 alarms a refresh takes)");
    expect(notes[0]).toContain("sparse-5xx (in INSUFFICIENT_DATA)");
    expect(notes[0]).toContain("gone (not found in CloudWatch)");
  });

  it("names no alarm when their states cannot be read, and says the run judges them all", async () => {
    cloudwatch
      .on(DescribeAlarmsCommand)
      .rejects(Object.assign(new Error("Rate exceeded"), { name: "Throttling" }));
    autoscaling.on(StartInstanceRefreshCommand).resolves({ InstanceRefreshId: "r-2" });
    const notes: string[] = [];
    await expect(rollout.startRefresh(input(notes))).resolves.toBe("r-2");
    const sent = autoscaling.commandCalls(StartInstanceRefreshCommand)[0]?.args[0].input;
    expect(sent?.Preferences?.AlarmSpecification).toBeUndefined();
    expect(notes).toEqual([expect.stringContaining("alarm states unreadable (Throttling)")]);
  });
});
