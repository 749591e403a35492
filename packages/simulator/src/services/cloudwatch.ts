// Over 300 lines on purpose: one service's handler table; most of it is GetMetricData's validation,
// paging and statistics as the cited model states them, which only that operation uses.
import type {
  DescribeAlarmsCommandInput,
  Dimension,
  GetMetricDataCommandInput,
  GetMetricStatisticsCommandInput,
} from "@aws-sdk/client-cloudwatch";
import { ServiceFault, validationFault } from "../errors";
import { instancePeriods, isStatistic, metricModel, statistic } from "../instance-metrics";
import type { GroupState, InstanceState, World } from "../world";
import { checkRange, paginate, type ServiceContext, type ServiceHandlers } from "./common";

const S = "cloudwatch" as const;
const MAX_DATAPOINTS = 1440;

/*
 * GetMetricData as ../shared/aws-models/cloudwatch-2010-08-01.json states it: input
 * MetricDataQueries (required; "as many as 500 MetricDataQuery structures"), StartTime (inclusive,
 * rounded down to the minute for recent data), EndTime (exclusive), NextToken, ScanBy (default
 * TimestampDescending), MaxDatapoints (default 100,800; the page ends there and NextToken goes on);
 * a MetricDataQuery has an Id ("the first character must be a lowercase letter"; letters, digits,
 * underscores; unique in the call), either MetricStat {Metric, Period, Stat, Unit} or Expression,
 * an optional Label and ReturnData. Output: MetricDataResults [{Id, Label, Timestamps, Values,
 * StatusCode Complete | PartialData | InternalError | Forbidden, Messages}], NextToken, Messages;
 * the one modelled error is InvalidNextToken.
 */
const MAX_METRIC_DATA_QUERIES = 500;
const DEFAULT_MAX_DATAPOINTS = 100_800;
const METRIC_ID = /^[a-z][a-zA-Z0-9_]*$/;

/** The instance a query names: exactly one dimension, InstanceId (CloudWatch matches dimensions exactly). */
function instanceOf(world: World, dimensions: readonly Dimension[] | undefined): InstanceState | undefined {
  if (dimensions?.length !== 1) return undefined;
  const [only] = dimensions;
  if (only?.Name !== "InstanceId" || only.Value === undefined) return undefined;
  return world.instances.get(only.Value);
}

/** Period rule of MetricStat.Period and GetMetricStatistics: 1, 5, 10, 30 or a multiple of 60. */
function checkPeriod(period: number | undefined, parameter: string): number {
  const value = period ?? 0;
  if (
    !Number.isInteger(value) ||
    value < 1 ||
    (value >= 60 ? value % 60 !== 0 : ![1, 5, 10, 30].includes(value))
  ) {
    throw validationFault(
      S,
      `The parameter ${parameter} must be 1, 5, 10, 30 or a multiple of 60 (got ${value}).`,
    );
  }
  return value;
}

/** Datapoints of a per-instance metric over [start, end), one per period with data, ascending. */
function instanceSeries(
  ctx: ServiceContext,
  dimensions: readonly Dimension[] | undefined,
  namespace: string | undefined,
  metricName: string | undefined,
  startMs: number,
  endMs: number,
  period: number,
): { unit: string; periods: { timestampMs: number; values: number[] }[] } | undefined {
  const instance = instanceOf(ctx.world, dimensions);
  if (instance === undefined || namespace === undefined || metricName === undefined) return undefined;
  const model = metricModel(ctx.world.scenario, instance, namespace, metricName);
  if (model === undefined) return undefined;
  const periods = instancePeriods(
    ctx.world.scenario,
    instance,
    metricName,
    model,
    startMs,
    endMs,
    period,
    ctx.world.now(),
  );
  return { unit: model.unit, periods };
}

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
    const extended = input.ExtendedStatistics ?? [];
    if (statistics.length === 0 && extended.length === 0) {
      throw new ServiceFault(
        "MissingRequiredParameterException",
        "At least one of Statistics or ExtendedStatistics is required.",
      );
    }
    const badPercentile = extended.find((p) => !/^p/.test(p) || !isStatistic(p));
    if (badPercentile !== undefined) {
      throw validationFault(
        S,
        `The value ${badPercentile} for parameter ExtendedStatistics is not a percentile like p90.`,
      );
    }
    const perInstance = instanceSeries(
      ctx,
      input.Dimensions,
      input.Namespace,
      input.MetricName,
      start,
      end,
      period,
    );
    if (perInstance !== undefined) {
      return {
        Label: input.MetricName,
        Datapoints: perInstance.periods.map(({ timestampMs, values }) => ({
          Timestamp: new Date(timestampMs),
          Unit: perInstance.unit,
          ...Object.fromEntries(statistics.map((stat) => [stat, statistic(values, stat)])),
          ...(extended.length > 0 && {
            ExtendedStatistics: Object.fromEntries(extended.map((p) => [p, statistic(values, p)])),
          }),
        })),
      };
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

  GetMetricData(ctx, raw) {
    const input = raw as GetMetricDataCommandInput;
    const queries = input.MetricDataQueries ?? [];
    if (queries.length === 0) {
      throw new ServiceFault(
        "MissingRequiredParameterException",
        "The parameter MetricDataQueries is required.",
      );
    }
    if (queries.length > MAX_METRIC_DATA_QUERIES) {
      throw validationFault(
        S,
        `The collection MetricDataQueries must not have a size greater than ${MAX_METRIC_DATA_QUERIES} (got ${queries.length}).`,
      );
    }
    const start = input.StartTime === undefined ? Number.NaN : new Date(input.StartTime).getTime();
    const end = input.EndTime === undefined ? Number.NaN : new Date(input.EndTime).getTime();
    if (Number.isNaN(start) || Number.isNaN(end)) {
      throw new ServiceFault("MissingRequiredParameterException", "StartTime and EndTime are required.");
    }
    if (end <= start)
      throw validationFault(S, "The parameter StartTime must be less than the parameter EndTime.");
    const maxDatapoints = input.MaxDatapoints ?? DEFAULT_MAX_DATAPOINTS;
    if (!Number.isInteger(maxDatapoints) || maxDatapoints < 1) {
      throw validationFault(
        S,
        `The parameter MaxDatapoints must be a positive integer (got ${maxDatapoints}).`,
      );
    }
    const descending = (input.ScanBy ?? "TimestampDescending") === "TimestampDescending";

    const ids = new Set<string>();
    const series = queries.map((query, index) => {
      const id = query.Id ?? "";
      if (!METRIC_ID.test(id)) {
        throw validationFault(
          S,
          `The value ${JSON.stringify(id)} for MetricDataQueries[${index}].Id must start with a lowercase letter and hold only letters, digits and underscores.`,
        );
      }
      if (ids.has(id)) throw validationFault(S, `The Id ${id} is used by more than one MetricDataQuery.`);
      ids.add(id);
      const stat = query.MetricStat;
      if (stat === undefined || query.Expression !== undefined) {
        throw validationFault(
          S,
          query.Expression !== undefined
            ? `MetricDataQueries[${index}]: the simulator serves MetricStat queries, not expressions.`
            : `MetricDataQueries[${index}] must specify either Expression or MetricStat.`,
        );
      }
      const period = checkPeriod(stat.Period, `MetricDataQueries[${index}].MetricStat.Period`);
      if (stat.Stat === undefined || !isStatistic(stat.Stat)) {
        throw validationFault(
          S,
          `The value ${stat.Stat} for MetricDataQueries[${index}].MetricStat.Stat is not a statistic.`,
        );
      }
      const metric = stat.Metric;
      const found = instanceSeries(
        ctx,
        metric?.Dimensions,
        metric?.Namespace,
        metric?.MetricName,
        start,
        end,
        period,
      );
      const points = (found?.periods ?? []).map(({ timestampMs, values }) => ({
        timestampMs,
        value: statistic(values, stat.Stat as string),
      }));
      if (descending) points.reverse();
      return {
        id,
        label: query.Label ?? metric?.MetricName ?? id,
        returned: query.ReturnData !== false,
        points,
      };
    });

    // A page holds at most MaxDatapoints points, query after query; NextToken continues where it stopped.
    const items = series.flatMap((s, query) =>
      s.returned ? s.points.map((point, k) => ({ query, point, last: k === s.points.length - 1 })) : [],
    );
    const { page, nextToken } = paginate(S, items, maxDatapoints, input.NextToken);
    const onPage = new Map<number, { timestamps: Date[]; values: number[]; complete: boolean }>();
    for (const item of page) {
      const entry = onPage.get(item.query) ?? { timestamps: [], values: [], complete: false };
      entry.timestamps.push(new Date(item.point.timestampMs));
      entry.values.push(item.point.value);
      entry.complete = item.last;
      onPage.set(item.query, entry);
    }
    const firstPage = input.NextToken === undefined || input.NextToken === "";
    return {
      MetricDataResults: series.flatMap((s, query) => {
        const entry = onPage.get(query);
        // Queries without data are answered once, empty and complete; later pages carry what continues.
        if (!s.returned || (entry === undefined && !(firstPage && s.points.length === 0))) return [];
        return [
          {
            Id: s.id,
            Label: s.label,
            Timestamps: entry?.timestamps ?? [],
            Values: entry?.values ?? [],
            StatusCode: entry === undefined || entry.complete ? "Complete" : "PartialData",
          },
        ];
      }),
      Messages: [],
      ...(nextToken !== undefined && { NextToken: nextToken }),
    };
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
