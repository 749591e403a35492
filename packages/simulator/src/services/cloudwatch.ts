import type { DescribeAlarmsCommandInput, GetMetricStatisticsCommandInput } from "@aws-sdk/client-cloudwatch";
import { ServiceFault, validationFault } from "../errors";
import type { GroupState } from "../world";
import { checkRange, paginate, type ServiceHandlers } from "./common";

const S = "cloudwatch" as const;
const MAX_DATAPOINTS = 1440;

/** Index of the last timeline entry at or before `ms` (-1 when none). */
function lastAtOrBefore(times: readonly number[], ms: number): number {
  let lo = 0;
  let hi = times.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((times[mid] as number) <= ms) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/** Statistics of the in-service healthy count over [from, to): value in effect at `from` plus every change inside. */
function windowStats(
  group: GroupState,
  from: number,
  to: number,
): { min: number; max: number; avg: number } | null {
  const times = group.timelineMs;
  const values = group.timelineValue;
  let i = lastAtOrBefore(times, from);
  if (i < 0) {
    if (times.length === 0 || (times[0] as number) >= to) return null;
    i = 0;
  }
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let weighted = 0;
  let cursor = Math.max(from, times[i] as number);
  for (let j = i; j < times.length && (times[j] as number) < to; j++) {
    const value = values[j] as number;
    const end = Math.min(to, (times[j + 1] as number | undefined) ?? to);
    min = Math.min(min, value);
    max = Math.max(max, value);
    weighted += value * Math.max(0, end - cursor);
    cursor = end;
  }
  const span = to - Math.max(from, times[i] as number);
  return { min, max, avg: span > 0 ? weighted / span : min };
}

export const cloudwatchHandlers: ServiceHandlers = {
  GetMetricStatistics(ctx, raw) {
    const input = raw as GetMetricStatisticsCommandInput;
    const period = input.Period ?? 0;
    if (!Number.isInteger(period) || period < 1 || (period >= 60 && period % 60 !== 0)) {
      throw validationFault(S, `The parameter Period must be a multiple of 60 (got ${period}).`);
    }
    const start = input.StartTime?.getTime();
    const end = input.EndTime?.getTime();
    if (start === undefined || end === undefined || Number.isNaN(start) || Number.isNaN(end)) {
      throw new ServiceFault("MissingRequiredParameterException", "StartTime and EndTime are required.");
    }
    if (end <= start)
      throw validationFault(S, "The parameter StartTime must be less than the parameter EndTime.");
    const windows = Math.ceil((end - start) / (period * 1000));
    if (windows > MAX_DATAPOINTS) {
      throw new ServiceFault(
        "InvalidParameterCombinationException",
        `You have requested up to ${windows} datapoints, which exceeds the limit of ${MAX_DATAPOINTS}. You may reduce the datapoints requested by increasing Period, or decreasing the time range.`,
      );
    }
    const statistics = input.Statistics ?? [];
    if (statistics.length === 0) {
      throw new ServiceFault(
        "MissingRequiredParameterException",
        "At least one of Statistics or ExtendedStatistics is required.",
      );
    }
    const name = input.Dimensions?.find((d) => d.Name === "AutoScalingGroupName")?.Value;
    const group = name === undefined ? undefined : ctx.world.groups.get(name);
    const metric = input.MetricName ?? "";
    const datapoints: object[] = [];
    const supported =
      input.Namespace === "AWS/AutoScaling" &&
      (metric === "GroupInServiceInstances" || metric === "GroupDesiredCapacity");
    // Group metrics exist only while collection is on, from when it was enabled:
    // https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-metrics.html
    const enabledMs = group?.metricsEnabledMs ?? null;
    if (group !== undefined && supported && enabledMs !== null) {
      const now = ctx.world.now();
      for (let w = 0; w < windows; w++) {
        const from = start + w * period * 1000;
        if (from >= now) break;
        if (from < enabledMs) continue;
        const to = Math.min(from + period * 1000, end, now);
        const stats =
          metric === "GroupDesiredCapacity"
            ? { min: group.desired, max: group.desired, avg: group.desired }
            : windowStats(group, from, to);
        if (stats === null) continue;
        datapoints.push({
          Timestamp: new Date(from),
          Unit: "None",
          ...(statistics.includes("Minimum") && { Minimum: stats.min }),
          ...(statistics.includes("Maximum") && { Maximum: stats.max }),
          ...(statistics.includes("Average") && { Average: stats.avg }),
          ...(statistics.includes("SampleCount") && {
            SampleCount: Math.max(1, Math.round((to - from) / 60_000)),
          }),
          ...(statistics.includes("Sum") && {
            Sum: stats.avg * Math.max(1, Math.round((to - from) / 60_000)),
          }),
        });
      }
    }
    return { Label: metric, Datapoints: datapoints };
  },

  DescribeAlarms(ctx, raw) {
    const input = raw as DescribeAlarmsCommandInput;
    checkRange(S, "MaxRecords", input.MaxRecords, 1, 100);
    const names = input.AlarmNames ?? [];
    if (names.length > 100)
      throw validationFault(S, `AlarmNames takes at most 100 names, got ${names.length}.`);
    const types = input.AlarmTypes ?? ["MetricAlarm"];
    let alarms = [...ctx.world.alarms.values()];
    if (names.length > 0) alarms = alarms.filter((a) => names.includes(a.name));
    if (input.AlarmNamePrefix !== undefined)
      alarms = alarms.filter((a) => a.name.startsWith(input.AlarmNamePrefix as string));
    if (input.StateValue !== undefined) alarms = alarms.filter((a) => a.state === input.StateValue);
    if (!types.includes("MetricAlarm")) alarms = [];
    const { page, nextToken } = paginate(S, alarms, input.MaxRecords ?? 50, input.NextToken);
    return {
      MetricAlarms: page.map((alarm) => ({
        AlarmName: alarm.name,
        AlarmArn: alarm.arn,
        AlarmDescription: `Simulated alarm ${alarm.name}`,
        ActionsEnabled: true,
        StateValue: alarm.state,
        StateReason: alarm.reason,
        StateUpdatedTimestamp: new Date(alarm.updatedMs),
        StateTransitionedTimestamp: new Date(alarm.updatedMs),
        MetricName: "HTTPCode_Target_5XX_Count",
        Namespace: "AWS/ApplicationELB",
        Statistic: "Sum",
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 10,
        ComparisonOperator: "GreaterThanThreshold",
        TreatMissingData: "notBreaching",
      })),
      CompositeAlarms: [],
      ...(nextToken !== undefined && { NextToken: nextToken }),
    };
  },
};
