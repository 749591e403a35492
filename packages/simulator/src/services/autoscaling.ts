// Over 300 lines on purpose: one service's handler table (groups, refreshes, their descriptions and
// the StartInstanceRefresh preference checks), each helper used by one or two of its operations.
import type {
  CancelInstanceRefreshCommandInput,
  DescribeAutoScalingGroupsCommandInput,
  DescribeInstanceRefreshesCommandInput,
  EnableMetricsCollectionCommandInput,
  RollbackInstanceRefreshCommandInput,
  StartInstanceRefreshCommandInput,
  UpdateAutoScalingGroupCommandInput,
} from "@aws-sdk/client-auto-scaling";
import { ServiceFault, validationFault } from "../errors";
import type { GroupState, RefreshPreferencesState, RefreshState } from "../world";
import { checkRange, paginate, requireString, type ServiceContext, type ServiceHandlers } from "./common";

const S = "autoscaling" as const;

/** "By default, you can only specify up to 50 names. You can optionally increase this limit using MaxRecords" (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeAutoScalingGroups.html). */
export const MAX_GROUP_NAMES_PER_CALL = 50;
/** "You can specify up to 10 alarms" (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_AlarmSpecification.html). */
export const MAX_REFRESH_ALARMS = 10;
/** Group metrics the simulator reports once collection is enabled. */
const GROUP_METRICS = ["GroupInServiceInstances", "GroupDesiredCapacity"];

function groupOrFail(ctx: ServiceContext, name: string): GroupState {
  const group = ctx.world.groups.get(name);
  if (group === undefined) {
    throw validationFault(S, `AutoScalingGroup name not found - AutoScalingGroup ${name} not found`);
  }
  return group;
}

function describeGroup(ctx: ServiceContext, group: GroupState): object {
  const { world } = ctx;
  const instances = [];
  for (const id of group.members) {
    const instance = world.instances.get(id);
    if (instance === undefined) continue;
    instances.push({
      InstanceId: instance.instanceId,
      InstanceType: instance.instanceType,
      AvailabilityZone: instance.availabilityZone,
      LifecycleState: instance.lifecycle ?? "Pending",
      HealthStatus: instance.lifecycle === "Pending" || instance.healthy ? "Healthy" : "Unhealthy",
      LaunchTemplate:
        instance.launchTemplate && !group.launchConfiguration
          ? {
              LaunchTemplateId: instance.launchTemplate.id,
              LaunchTemplateName: instance.launchTemplate.name,
              Version: instance.launchTemplate.version,
            }
          : undefined,
      ...(group.launchConfiguration && { LaunchConfigurationName: group.template.name }),
      ProtectedFromScaleIn: false,
    });
  }
  return {
    AutoScalingGroupName: group.name,
    AutoScalingGroupARN: group.arn,
    ...(group.launchConfiguration
      ? { LaunchConfigurationName: group.template.name }
      : {
          LaunchTemplate: {
            LaunchTemplateId: group.template.id,
            LaunchTemplateName: group.template.name,
            Version: group.versionSpec,
          },
        }),
    MinSize: group.min,
    MaxSize: group.max,
    DesiredCapacity: group.desired,
    // The group's own warmup, as a group set up for instance refreshes declares it.
    DefaultInstanceWarmup: group.warmupSeconds,
    DefaultCooldown: 300,
    AvailabilityZones: [...group.availabilityZones],
    LoadBalancerNames: [],
    TargetGroupARNs: group.targetGroupArn === null ? [] : [group.targetGroupArn],
    HealthCheckType: group.targetGroupArn === null ? "EC2" : "ELB",
    HealthCheckGracePeriod: 300,
    Instances: instances,
    CreatedTime: new Date(group.createdMs),
    SuspendedProcesses: [],
    // Group metrics are off until EnableMetricsCollection (AWS's default):
    // https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-metrics.html
    EnabledMetrics:
      group.metricsEnabledMs === null
        ? []
        : GROUP_METRICS.map((Metric) => ({ Metric, Granularity: "1Minute" })),
    Tags: Object.entries(group.tags).map(([Key, Value]) => ({
      ResourceId: group.name,
      ResourceType: "auto-scaling-group",
      Key,
      Value,
      PropagateAtLaunch: true,
    })),
    TerminationPolicies: ["Default"],
    NewInstancesProtectedFromScaleIn: false,
    ServiceLinkedRoleARN: `arn:aws:iam::${ctx.world.accountId}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
    CapacityRebalance: false,
  };
}

function matchesFilters(
  group: GroupState,
  filters: DescribeAutoScalingGroupsCommandInput["Filters"],
): boolean {
  for (const filter of filters ?? []) {
    const name = filter.Name ?? "";
    const values = filter.Values ?? [];
    if (name.startsWith("tag:")) {
      const value = group.tags[name.slice(4)];
      if (value === undefined || !values.includes(value)) return false;
    } else if (name === "tag-key") {
      if (!values.some((key) => key in group.tags)) return false;
    } else if (name === "tag-value") {
      if (!Object.values(group.tags).some((value) => values.includes(value))) return false;
    } else {
      throw validationFault(S, `Filter name ${name} is not supported: use tag:<key>, tag-key or tag-value.`);
    }
  }
  return true;
}

function describeRefresh(refresh: RefreshState): object {
  return {
    InstanceRefreshId: refresh.id,
    AutoScalingGroupName: refresh.groupName,
    Status: refresh.status,
    ...(refresh.statusReason !== null && { StatusReason: refresh.statusReason }),
    StartTime: new Date(refresh.startMs),
    ...(refresh.endMs !== null && { EndTime: new Date(refresh.endMs) }),
    PercentageComplete: refresh.percentageComplete,
    InstancesToUpdate: refresh.instancesToUpdate,
    ProgressDetails: {
      LivePoolProgress: {
        PercentageComplete: refresh.percentageComplete,
        InstancesToUpdate: refresh.instancesToUpdate,
      },
    },
    Preferences: structuredClone(refresh.preferences),
    ...(refresh.desiredConfiguration !== null && {
      DesiredConfiguration: structuredClone(refresh.desiredConfiguration),
    }),
    Strategy: "Rolling",
    ...(refresh.rollback !== null && {
      RollbackDetails: {
        RollbackReason: refresh.rollback.reason,
        RollbackStartTime: new Date(refresh.rollback.startMs),
        PercentageCompleteOnRollback: refresh.rollback.percentageCompleteOnRollback,
        InstancesToUpdateOnRollback: refresh.rollback.instancesToUpdateOnRollback,
        ProgressDetailsOnRollback: {
          LivePoolProgress: {
            PercentageComplete: refresh.rollback.percentageCompleteOnRollback,
            InstancesToUpdate: refresh.rollback.instancesToUpdateOnRollback,
          },
        },
      },
    }),
  };
}

function preferencesFrom(input: StartInstanceRefreshCommandInput): RefreshPreferencesState {
  const p = input.Preferences ?? {};
  const min = p.MinHealthyPercentage ?? 90;
  const max = p.MaxHealthyPercentage ?? 100;
  checkRange(S, "MinHealthyPercentage", min, 0, 100);
  checkRange(S, "MaxHealthyPercentage", max, 100, 200);
  if (max - min > 100) {
    throw validationFault(
      S,
      "The difference between MaxHealthyPercentage and MinHealthyPercentage cannot exceed 100.",
    );
  }
  checkRange(S, "CheckpointDelay", p.CheckpointDelay, 0, 172_800);
  checkRange(S, "BakeTime", p.BakeTime, 0, 172_800);
  checkRange(S, "InstanceWarmup", p.InstanceWarmup, 0, 2_147_483_647);
  const checkpoints = p.CheckpointPercentages;
  if (checkpoints !== undefined) {
    let previous = 0;
    for (const c of checkpoints) {
      if (!Number.isInteger(c) || c < 1 || c > 100 || c <= previous) {
        throw validationFault(
          S,
          `CheckpointPercentages must be ascending integers 1-100, got ${JSON.stringify(checkpoints)}.`,
        );
      }
      previous = c;
    }
  }
  return {
    MinHealthyPercentage: min,
    MaxHealthyPercentage: max,
    ...(p.InstanceWarmup !== undefined && { InstanceWarmup: p.InstanceWarmup }),
    ...(checkpoints !== undefined && { CheckpointPercentages: [...checkpoints] }),
    CheckpointDelay: p.CheckpointDelay ?? 3600,
    SkipMatching: p.SkipMatching ?? false,
    AutoRollback: p.AutoRollback ?? false,
    // Both default to Wait (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_RefreshPreferences.html).
    ScaleInProtectedInstances: p.ScaleInProtectedInstances ?? "Wait",
    StandbyInstances: p.StandbyInstances ?? "Wait",
    ...(p.AlarmSpecification?.Alarms !== undefined && {
      AlarmSpecification: { Alarms: [...p.AlarmSpecification.Alarms] },
    }),
    BakeTime: p.BakeTime ?? 0,
  };
}

export const autoscalingHandlers: ServiceHandlers = {
  DescribeAutoScalingGroups(ctx, raw) {
    const input = raw as DescribeAutoScalingGroupsCommandInput;
    checkRange(S, "MaxRecords", input.MaxRecords, 1, 100);
    const names = input.AutoScalingGroupNames;
    const nameLimit = Math.max(MAX_GROUP_NAMES_PER_CALL, input.MaxRecords ?? MAX_GROUP_NAMES_PER_CALL);
    if (names !== undefined && names.length > nameLimit) {
      throw validationFault(
        S,
        `1 validation error detected: Value '[${names.length} names]' at 'autoScalingGroupNames' failed to satisfy constraint: Member must have length less than or equal to ${nameLimit} (at most 50 names, or MaxRecords when higher, up to 100)`,
      );
    }
    const groups: GroupState[] = [];
    if (names !== undefined && names.length > 0) {
      for (const name of names) {
        const group = ctx.world.groups.get(name);
        if (group !== undefined && !groups.includes(group)) groups.push(group);
      }
    } else {
      groups.push(...ctx.world.groups.values());
    }
    const matching = groups.filter((group) => matchesFilters(group, input.Filters));
    const { page, nextToken } = paginate(S, matching, input.MaxRecords ?? 50, input.NextToken);
    return {
      AutoScalingGroups: page.map((group) => describeGroup(ctx, group)),
      ...(nextToken !== undefined && { NextToken: nextToken }),
    };
  },

  StartInstanceRefresh(ctx, raw) {
    const input = raw as StartInstanceRefreshCommandInput;
    const group = groupOrFail(ctx, requireString(S, "autoScalingGroupName", input.AutoScalingGroupName));
    if (input.Strategy !== undefined && input.Strategy !== "Rolling") {
      throw validationFault(
        S,
        `Strategy ${input.Strategy} is not supported by the simulated account; use Rolling.`,
      );
    }
    const active = ctx.engine.activeRefresh(group);
    if (active !== undefined) {
      throw new ServiceFault(
        "InstanceRefreshInProgressFault",
        `An Instance Refresh is already in progress and blocks the execution of this Instance Refresh (${active.id} is ${active.status}).`,
      );
    }
    const lt = input.DesiredConfiguration?.LaunchTemplate;
    if (lt === undefined) {
      throw validationFault(
        S,
        "The simulated account requires a DesiredConfiguration with a LaunchTemplate and a numbered Version (rollback needs it).",
      );
    }
    const template =
      lt.LaunchTemplateId !== undefined
        ? ctx.world.templates.get(lt.LaunchTemplateId)
        : lt.LaunchTemplateName !== undefined
          ? ctx.world.templatesByName.get(lt.LaunchTemplateName)
          : undefined;
    if (template === undefined) {
      throw validationFault(
        S,
        `The specified launch template ${lt.LaunchTemplateId ?? lt.LaunchTemplateName ?? "(none)"} does not exist.`,
      );
    }
    const spec = lt.Version ?? "$Default";
    if (!/^[1-9][0-9]*$/.test(spec)) {
      throw validationFault(
        S,
        `DesiredConfiguration version ${spec} is not a numbered version: name an exact version so the refresh can be rolled back.`,
      );
    }
    const version = ctx.world.resolveVersion(template, spec);
    if (version === undefined) {
      throw validationFault(S, `Launch template ${template.name} has no version ${spec}.`);
    }
    const preferences = preferencesFrom(input);
    const alarms = preferences.AlarmSpecification?.Alarms ?? [];
    if (alarms.length > MAX_REFRESH_ALARMS) {
      throw validationFault(
        S,
        `1 validation error detected: Value '[${alarms.join(", ")}]' at 'preferences.alarmSpecification.alarms' failed to satisfy constraint: Member must have length less than or equal to ${MAX_REFRESH_ALARMS}`,
      );
    }
    for (const name of alarms) {
      const alarm = ctx.world.alarms.get(name);
      if (alarm === undefined) {
        throw validationFault(S, `The alarm ${name} in AlarmSpecification does not exist.`);
      }
      // A refresh starts only when every alarm it watches is OK: one in ALARM or INSUFFICIENT_DATA
      // refuses it (https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-rollback.html,
      // "Start an instance refresh with auto rollback").
      if (alarm.state !== "OK") {
        throw validationFault(
          S,
          `The instance refresh cannot start: alarm ${name} in AlarmSpecification is in ${alarm.state} state; every alarm must be OK.`,
        );
      }
    }
    const refresh = ctx.engine.start(group, {
      templateId: template.id,
      templateName: template.name,
      version,
      preferences,
    });
    return { InstanceRefreshId: refresh.id };
  },

  DescribeInstanceRefreshes(ctx, raw) {
    const input = raw as DescribeInstanceRefreshesCommandInput;
    checkRange(S, "MaxRecords", input.MaxRecords, 1, 100);
    const group = groupOrFail(ctx, requireString(S, "autoScalingGroupName", input.AutoScalingGroupName));
    const ids = input.InstanceRefreshIds;
    const refreshes = [...group.refreshes]
      .reverse()
      .filter((refresh) => ids === undefined || ids.length === 0 || ids.includes(refresh.id));
    const { page, nextToken } = paginate(S, refreshes, input.MaxRecords ?? 50, input.NextToken);
    return {
      InstanceRefreshes: page.map(describeRefresh),
      ...(nextToken !== undefined && { NextToken: nextToken }),
    };
  },

  RollbackInstanceRefresh(ctx, raw) {
    const input = raw as RollbackInstanceRefreshCommandInput;
    const group = groupOrFail(ctx, requireString(S, "autoScalingGroupName", input.AutoScalingGroupName));
    const active = ctx.engine.activeRefresh(group);
    if (
      active === undefined ||
      (active.status !== "InProgress" && active.status !== "Baking" && active.status !== "Pending")
    ) {
      throw new ServiceFault(
        "ActiveInstanceRefreshNotFoundFault",
        `No in-progress Instance Refresh found for Auto Scaling group ${group.name} to roll back.`,
      );
    }
    const blocker = ctx.engine.rollbackBlocker(active);
    if (blocker !== null) throw new ServiceFault("IrreversibleInstanceRefreshFault", blocker);
    ctx.engine.rollback(active, "Rollback requested by a RollbackInstanceRefresh request.");
    return { InstanceRefreshId: active.id };
  },

  CancelInstanceRefresh(ctx, raw) {
    const input = raw as CancelInstanceRefreshCommandInput;
    const group = groupOrFail(ctx, requireString(S, "autoScalingGroupName", input.AutoScalingGroupName));
    const active = ctx.engine.activeRefresh(group);
    // Cancels a refresh or a rollback in progress; Cancelling until in-flight launches finish
    // (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_CancelInstanceRefresh.html,
    // https://docs.aws.amazon.com/autoscaling/ec2/userguide/cancel-instance-refresh.html).
    if (active === undefined || active.status === "Cancelling") {
      throw new ServiceFault(
        "ActiveInstanceRefreshNotFoundFault",
        `No in-progress Instance Refresh found for Auto Scaling group ${group.name} to cancel.`,
      );
    }
    ctx.engine.cancel(active, input.WaitForTransitioningInstances ?? true);
    return { InstanceRefreshId: active.id };
  },

  EnableMetricsCollection(ctx, raw) {
    const input = raw as EnableMetricsCollectionCommandInput;
    const group = groupOrFail(ctx, requireString(S, "autoScalingGroupName", input.AutoScalingGroupName));
    if (group.metricsEnabledMs === null) group.metricsEnabledMs = ctx.world.now();
    return {};
  },

  UpdateAutoScalingGroup(ctx, raw) {
    const input = raw as UpdateAutoScalingGroupCommandInput;
    const group = groupOrFail(ctx, requireString(S, "autoScalingGroupName", input.AutoScalingGroupName));
    const spec = input.LaunchTemplate;
    if (spec !== undefined) {
      if (spec.LaunchTemplateId !== undefined && spec.LaunchTemplateId !== group.template.id) {
        throw new ServiceFault(
          "ValidationError",
          `launchTemplateId ${spec.LaunchTemplateId} is not the launch template of ${group.name}; the simulator does not switch templates`,
        );
      }
      const version = spec.Version ?? "$Default";
      if (/^\d+$/.test(version) && !group.template.versions.some((v) => v.number === Number(version))) {
        throw new ServiceFault("ValidationError", `launch template version ${version} does not exist`);
      }
      group.versionSpec = version;
    }
    if (input.DesiredCapacity !== undefined || input.MinSize !== undefined || input.MaxSize !== undefined) {
      throw new ServiceFault(
        "ValidationError",
        "the simulator changes only the launch template version of a group",
      );
    }
    return {};
  },
};
