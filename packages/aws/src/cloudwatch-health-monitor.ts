import {
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { paginateDescribeInstanceInformation, type SSMClient } from "@aws-sdk/client-ssm";
import { CloudWatchHealth, type CloudWatchHealthClients } from "./cloudwatch-health";
import { chunk } from "./support";

export interface AwsHealthMonitorClients extends CloudWatchHealthClients {
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
export class AwsHealthMonitor extends CloudWatchHealth {
  constructor(private readonly allClients: AwsHealthMonitorClients) {
    super(allClients);
  }

  override async targetHealth(
    targetGroupArns: string[],
    instanceIds: string[],
  ): Promise<Record<string, string>> {
    const health: Record<string, string> = {};
    if (instanceIds.length === 0) return health;
    for (const targetGroupArn of targetGroupArns) {
      const out = await this.allClients.elbv2.send(
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

  override async pingStatus(instanceIds: string[]): Promise<Record<string, string>> {
    const statuses: Record<string, string> = {};
    for (const batch of chunk([...new Set(instanceIds)], 50)) {
      const pages = paginateDescribeInstanceInformation(
        { client: this.allClients.ssm },
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
