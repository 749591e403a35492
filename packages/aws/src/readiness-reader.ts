import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { IAMClient } from "@aws-sdk/client-iam";
import type { AlarmDescription } from "@fleet-upgrade/core";
import { GroupsReader, type GroupsReaderClients } from "./groups-reader";
import { describeAlarmStates, instanceProfileRole } from "./queries";

export interface AwsReadinessReaderClients extends GroupsReaderClients {
  cloudwatch: CloudWatchClient;
  iam: IAMClient;
}

/** The preflight's full look: {@link GroupsReader} with instance profile roles (IAM) and alarm states (CloudWatch). */
export class AwsReadinessReader extends GroupsReader {
  constructor(private readonly allClients: AwsReadinessReaderClients) {
    super(allClients);
  }

  protected override async profileRole(profile: string): Promise<string | null> {
    return instanceProfileRole(this.allClients.iam, profile);
  }

  protected override async alarmStates(names: string[]): Promise<Map<string, AlarmDescription["state"]>> {
    const states = new Map<string, AlarmDescription["state"]>();
    for (const [name, s] of await describeAlarmStates(this.allClients.cloudwatch, names))
      states.set(name, s === "OK" || s === "ALARM" || s === "INSUFFICIENT_DATA" ? s : null);
    return states;
  }
}
