import { type CloudWatchClient, GetMetricStatisticsCommand } from "@aws-sdk/client-cloudwatch";
import {
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { paginateDescribeInstanceInformation, type SSMClient } from "@aws-sdk/client-ssm";
import type { HealthMonitor } from "@fleet-upgrade/core";
import { describeAlarmStates } from "./queries";
import { chunk } from "./support";

export interface AwsHealthMonitorClients {
  cloudwatch: CloudWatchClient;
  elbv2: ElasticLoadBalancingV2Client;
  ssm: SSMClient;
}

/**
 * Target health states from worst to best. An instance in several target groups is reported with its
 * worst state: one unhealthy registration is enough to call the instance unhealthy.
 */
const TARGET_STATE_SEVERITY = ["unhealthy", "unavailable", "draining", "initial", "unused", "healthy"];

function severity(state: string): number {
  const index = TARGET_STATE_SEVERITY.indexOf(state);
  // A state newer than this list counts as bad rather than as healthy.
  return index === -1 ? 0 : index;
}

/** Health signals from CloudWatch, ELBv2 target health and SSM. */
export class AwsHealthMonitor implements HealthMonitor {
  constructor(private readonly clients: AwsHealthMonitorClients) {}

  async minInService(groupName: string, from: Date, to: Date): Promise<number | null> {
    const out = await this.clients.cloudwatch.send(
      new GetMetricStatisticsCommand({
        Namespace: "AWS/AutoScaling",
        MetricName: "GroupInServiceInstances",
        Dimensions: [{ Name: "AutoScalingGroupName", Value: groupName }],
        StartTime: from,
        EndTime: to,
        Period: 60,
        Statistics: ["Minimum"],
      }),
    );
    const minima = (out.Datapoints ?? []).flatMap((point) =>
      point.Minimum === undefined ? [] : [point.Minimum],
    );
    return minima.length === 0 ? null : Math.min(...minima);
  }

  /** Metric and composite alarms alike (DescribeAlarms returns only metric alarms unless asked for both). */
  async alarmStates(alarmNames: string[]): Promise<Record<string, string>> {
    return Object.fromEntries(await describeAlarmStates(this.clients.cloudwatch, alarmNames));
  }

  async targetHealth(targetGroupArns: string[], instanceIds: string[]): Promise<Record<string, string>> {
    const health: Record<string, string> = {};
    if (instanceIds.length === 0) return health;
    for (const targetGroupArn of targetGroupArns) {
      const out = await this.clients.elbv2.send(
        new DescribeTargetHealthCommand({
          TargetGroupArn: targetGroupArn,
          Targets: instanceIds.map((Id) => ({ Id })),
        }),
      );
      for (const description of out.TargetHealthDescriptions ?? []) {
        const instanceId = description.Target?.Id;
        const state = description.TargetHealth?.State;
        if (instanceId === undefined || state === undefined) continue;
        const known = health[instanceId];
        if (known === undefined || severity(state) < severity(known)) health[instanceId] = state;
      }
    }
    return health;
  }

  async pingStatus(instanceIds: string[]): Promise<Record<string, string>> {
    const statuses: Record<string, string> = {};
    for (const batch of chunk([...new Set(instanceIds)], 50)) {
      const pages = paginateDescribeInstanceInformation(
        { client: this.clients.ssm },
        { Filters: [{ Key: "InstanceIds", Values: batch }], MaxResults: 50 },
      );
      for await (const page of pages) {
        for (const info of page.InstanceInformationList ?? []) {
          if (info.InstanceId !== undefined && info.PingStatus !== undefined)
            statuses[info.InstanceId] = info.PingStatus;
        }
      }
    }
    return statuses;
  }
}
