import {
  type AutoScalingClient,
  CancelInstanceRefreshCommand,
  DescribeAutoScalingGroupsCommand,
  EnableMetricsCollectionCommand,
  type InstanceRefresh,
  paginateDescribeInstanceRefreshes,
  type RefreshPreferences,
  RollbackInstanceRefreshCommand,
  StartInstanceRefreshCommand,
  UpdateAutoScalingGroupCommand,
} from "@aws-sdk/client-auto-scaling";
import {
  type AlarmStateValue,
  type GroupRollout,
  type RefreshState,
  RefreshStatusSchema,
  refreshAlarmsNote,
  type StartRefreshInput,
  splitRefreshAlarms,
  type TemplateUser,
} from "@fleet-upgrade/core";
import { ClientNotGivenError, UnexpectedResponseError } from "./errors";
import { describeAllAutoScalingGroups, launchTemplateSpec } from "./queries";

export interface AutoScalingRolloutClients {
  autoscaling: AutoScalingClient;
}

type GroupSnapshot = NonNullable<Awaited<ReturnType<GroupRollout["describeGroup"]>>>;

/**
 * Instance refreshes and group settings through Auto Scaling alone, so a function that needs no new
 * launch template version bundles no EC2 client: {@link AutoScalingGroupRollout} adds the EC2 and
 * CloudWatch calls. Here a new version fails with {@link ClientNotGivenError}, and alarm states are
 * unreadable (a refresh then names no alarm, as when the read is denied). Service errors propagate unchanged: callers match on
 * `error.name` (InstanceRefreshInProgressFault, ActiveInstanceRefreshNotFoundFault,
 * IrreversibleInstanceRefreshFault, ...).
 */
export class AutoScalingRollout implements GroupRollout {
  constructor(protected readonly clients: AutoScalingRolloutClients) {}

  async createLaunchTemplateVersion(
    _input: Parameters<GroupRollout["createLaunchTemplateVersion"]>[0],
  ): Promise<number> {
    throw new ClientNotGivenError("ec2", "CreateLaunchTemplateVersion");
  }

  /** Each alarm's state: unreadable without CloudWatch. */
  protected async alarmStates(_names: readonly string[]): Promise<Map<string, AlarmStateValue>> {
    throw new ClientNotGivenError("cloudwatch", "DescribeAlarms");
  }

  async describeGroup(groupName: string): Promise<GroupSnapshot | null> {
    const out = await this.clients.autoscaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [groupName] }),
    );
    const group = out.AutoScalingGroups?.find((candidate) => candidate.AutoScalingGroupName === groupName);
    if (group === undefined) return null;
    const members = group.Instances ?? [];
    const inService = members.filter((instance) => instance.LifecycleState === "InService");
    return {
      desired: group.DesiredCapacity ?? 0,
      inService: inService.length,
      healthyInService: inService.filter((instance) => instance.HealthStatus === "Healthy").length,
      instances: members.flatMap((instance) =>
        instance.InstanceId === undefined
          ? []
          : [
              {
                instanceId: instance.InstanceId,
                launchTemplateVersion: instance.LaunchTemplate?.Version ?? null,
                healthy: instance.HealthStatus === "Healthy",
                lifecycleState: instance.LifecycleState ?? "Unknown",
              },
            ],
      ),
    };
  }

  async listTemplateUsers(): Promise<TemplateUser[]> {
    const users: TemplateUser[] = [];
    for (const group of await describeAllAutoScalingGroups(this.clients.autoscaling)) {
      const spec = launchTemplateSpec(group);
      if (group.AutoScalingGroupName === undefined || spec === undefined) continue;
      users.push({
        groupName: group.AutoScalingGroupName,
        launchTemplateId: spec.LaunchTemplateId ?? null,
        launchTemplateName: spec.LaunchTemplateName ?? null,
        // A group that names no version launches from the template's default one.
        // https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_LaunchTemplateSpecification.html
        version: spec.Version ?? "$Default",
      });
    }
    return users;
  }

  async enableMetricsCollection(groupName: string): Promise<void> {
    // Without Metrics, every group metric; "1Minute" is the only granularity AWS offers, and group
    // metrics at that granularity cost nothing extra.
    // https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_EnableMetricsCollection.html
    await this.clients.autoscaling.send(
      new EnableMetricsCollectionCommand({ AutoScalingGroupName: groupName, Granularity: "1Minute" }),
    );
  }

  async pinLaunchTemplateVersion(
    groupName: string,
    launchTemplateId: string,
    version: number,
  ): Promise<void> {
    await this.clients.autoscaling.send(
      new UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: groupName,
        LaunchTemplate: { LaunchTemplateId: launchTemplateId, Version: String(version) },
      }),
    );
  }

  async startRefresh(input: StartRefreshInput): Promise<string> {
    let states: Map<string, AlarmStateValue> | null;
    try {
      states = await this.alarmStates(input.alarmNames);
    } catch (error) {
      // States unknown: name none in the AlarmSpecification (AWS could refuse the refresh); the
      // run's own health checks judge them all, and the note says why.
      states = null;
      input.onAlarmsNote?.(
        `alarm states unreadable (${(error as Error).name}): ${input.alarmNames.join(", ")} judged by the run's own health checks only`,
      );
    }
    const { watched, judgedByRun } =
      states === null ? { watched: [], judgedByRun: [] } : splitRefreshAlarms(input.alarmNames, states);
    const note = refreshAlarmsNote(judgedByRun);
    if (note !== null) input.onAlarmsNote?.(note);
    const preferences: RefreshPreferences = {
      MinHealthyPercentage: input.minHealthyPercentage,
      MaxHealthyPercentage: input.maxHealthyPercentage,
      ...(input.instanceWarmupSeconds !== null && { InstanceWarmup: input.instanceWarmupSeconds }),
      // Without a final 100 the refresh would stop at the last checkpoint instead of finishing.
      CheckpointPercentages: [...input.checkpointPercentages, 100],
      CheckpointDelay: input.checkpointDelaySeconds,
      SkipMatching: false,
      AutoRollback: input.autoRollback ?? true,
      ...(watched.length > 0 && { AlarmSpecification: { Alarms: watched } }),
      ScaleInProtectedInstances: "Refresh",
      StandbyInstances: "Ignore",
    };
    const out = await this.clients.autoscaling.send(
      new StartInstanceRefreshCommand({
        AutoScalingGroupName: input.groupName,
        Strategy: "Rolling",
        DesiredConfiguration: {
          LaunchTemplate: { LaunchTemplateId: input.launchTemplateId, Version: String(input.version) },
        },
        Preferences: preferences,
      }),
    );
    return refreshIdOf("StartInstanceRefresh", out);
  }

  async describeRefreshes(groupName: string, instanceRefreshIds?: string[]): Promise<RefreshState[]> {
    const refreshes: RefreshState[] = [];
    const pages = paginateDescribeInstanceRefreshes(
      { client: this.clients.autoscaling },
      {
        AutoScalingGroupName: groupName,
        ...(instanceRefreshIds !== undefined &&
          instanceRefreshIds.length > 0 && { InstanceRefreshIds: instanceRefreshIds }),
        MaxRecords: 100,
      },
    );
    for await (const page of pages)
      refreshes.push(...(page.InstanceRefreshes ?? []).map((refresh) => toRefreshState(refresh, groupName)));
    // Auto Scaling lists newest first already; the stable sort keeps that promise whatever answers.
    // A refresh without a start time has not started yet: it is the newest.
    return refreshes.sort((a, b) => (b.startTime ?? "~").localeCompare(a.startTime ?? "~"));
  }

  async rollbackRefresh(groupName: string): Promise<string> {
    const out = await this.clients.autoscaling.send(
      new RollbackInstanceRefreshCommand({ AutoScalingGroupName: groupName }),
    );
    return refreshIdOf("RollbackInstanceRefresh", out);
  }

  async cancelRefresh(groupName: string): Promise<string> {
    const out = await this.clients.autoscaling.send(
      new CancelInstanceRefreshCommand({ AutoScalingGroupName: groupName }),
    );
    return refreshIdOf("CancelInstanceRefresh", out);
  }
}

/** The refresh id an answer must carry; an answer without one is not one the product can track. */
function refreshIdOf(operation: string, out: { InstanceRefreshId?: string | undefined }): string {
  if (out.InstanceRefreshId === undefined) {
    throw new UnexpectedResponseError(operation, "without an instance refresh id");
  }
  return out.InstanceRefreshId;
}

function toRefreshState(refresh: InstanceRefresh, groupName: string): RefreshState {
  if (refresh.InstanceRefreshId === undefined) {
    throw new UnexpectedResponseError("DescribeInstanceRefreshes", "without an instance refresh id");
  }
  const status = RefreshStatusSchema.safeParse(refresh.Status);
  // Dropping a refresh of an unknown status could hide one in progress: better to stop and say so.
  if (!status.success) {
    throw new UnexpectedResponseError(
      "DescribeInstanceRefreshes",
      `status ${JSON.stringify(refresh.Status)} for refresh ${refresh.InstanceRefreshId}, unknown to this version`,
    );
  }
  return {
    instanceRefreshId: refresh.InstanceRefreshId,
    groupName: refresh.AutoScalingGroupName ?? groupName,
    status: status.data,
    statusReason: refresh.StatusReason ?? null,
    percentageComplete: refresh.PercentageComplete ?? 0,
    instancesToUpdate: refresh.InstancesToUpdate ?? 0,
    startTime: refresh.StartTime?.toISOString() ?? null,
    endTime: refresh.EndTime?.toISOString() ?? null,
    desiredVersion: refresh.DesiredConfiguration?.LaunchTemplate?.Version ?? null,
  };
}
