import { type CloudWatchClient, GetMetricStatisticsCommand } from "@aws-sdk/client-cloudwatch";
import type { HealthMonitor } from "@fleet-upgrade/core";
import { ClientNotGivenError } from "./errors";
import { describeAlarmStates } from "./queries";

export interface CloudWatchHealthClients {
  cloudwatch: CloudWatchClient;
}

/**
 * The health signals CloudWatch gives (group metrics, alarm states), through CloudWatch alone, so a
 * function that needs only these bundles no ELB or SSM client. {@link AwsHealthMonitor} adds target
 * health and SSM pings; here they fail with {@link ClientNotGivenError}.
 */
export class CloudWatchHealth implements HealthMonitor {
  constructor(protected readonly clients: CloudWatchHealthClients) {}

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

  async targetHealth(_targetGroupArns: string[], _instanceIds: string[]): Promise<Record<string, string>> {
    throw new ClientNotGivenError("elbv2", "DescribeTargetHealth");
  }

  async pingStatus(_instanceIds: string[]): Promise<Record<string, string>> {
    throw new ClientNotGivenError("ssm", "DescribeInstanceInformation");
  }
}
