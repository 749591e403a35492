import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { CreateLaunchTemplateVersionCommand, type EC2Client } from "@aws-sdk/client-ec2";
import type { AlarmStateValue, GroupRollout } from "@fleet-upgrade/core";
import { AutoScalingRollout, type AutoScalingRolloutClients } from "./autoscaling-rollout";
import { UnexpectedResponseError } from "./errors";
import { describeAlarmStates } from "./queries";

export interface AutoScalingGroupRolloutClients extends AutoScalingRolloutClients {
  ec2: EC2Client;
  /** Reads alarm states before a refresh names them; without it, alarms are sent unchecked (at most 10). */
  cloudwatch?: CloudWatchClient;
}

/**
 * Launch template versions (EC2) and instance refreshes (Auto Scaling, see {@link AutoScalingRollout}),
 * with the alarm states a refresh's alarm specification needs (CloudWatch).
 */
export class AutoScalingGroupRollout extends AutoScalingRollout {
  constructor(private readonly allClients: AutoScalingGroupRolloutClients) {
    super(allClients);
  }

  override async createLaunchTemplateVersion(
    input: Parameters<GroupRollout["createLaunchTemplateVersion"]>[0],
  ): Promise<number> {
    const out = await this.allClients.ec2.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateId: input.launchTemplateId,
        SourceVersion: String(input.sourceVersion),
        LaunchTemplateData: { ImageId: input.imageId },
        VersionDescription: input.description,
        ClientToken: input.clientToken,
      }),
    );
    const version = out.LaunchTemplateVersion?.VersionNumber;
    if (version === undefined)
      throw new UnexpectedResponseError("CreateLaunchTemplateVersion", "without a version number");
    return version;
  }

  /** Each alarm's state; without a CloudWatch client, every alarm counts as OK. */
  protected override async alarmStates(names: readonly string[]): Promise<Map<string, AlarmStateValue>> {
    const states = new Map<string, AlarmStateValue>();
    const unique = [...new Set(names)];
    const cloudwatch = this.allClients.cloudwatch;
    if (cloudwatch === undefined) {
      for (const name of unique) states.set(name, "OK");
      return states;
    }
    for (const [name, state] of await describeAlarmStates(cloudwatch, unique)) {
      states.set(name, state as AlarmStateValue);
    }
    return states;
  }
}
