import {
  type CloudWatchClient,
  type MetricDataQuery,
  paginateGetMetricData,
} from "@aws-sdk/client-cloudwatch";
import type { InstanceMetric, MetricReader } from "@fleet-upgrade/core";
import { UnexpectedResponseError } from "./errors";
import { chunk } from "./support";

/**
 * Metric queries one GetMetricData call takes ("as many as 500 MetricDataQuery structures",
 * GetMetricDataInput.MetricDataQueries in ../shared/aws-models/cloudwatch-2010-08-01.json).
 */
export const MAX_METRIC_QUERIES_PER_CALL = 500;

export interface CloudWatchMetricReaderClients {
  cloudwatch: CloudWatchClient;
}

interface Slot {
  metric: number;
  instanceId: string;
}

/**
 * Per-instance series from CloudWatch GetMetricData: one query per (metric, instance), 500 queries a
 * call, each call paged by NextToken (a page ends at MaxDatapoints, 100,800 by default, and the next
 * page continues the same queries). Calls grow with metrics x instances / 500, never one per instance.
 */
export class CloudWatchMetricReader implements MetricReader {
  constructor(private readonly clients: CloudWatchMetricReaderClients) {}

  async readInstanceSeries(input: {
    metrics: InstanceMetric[];
    instanceIds: string[];
    from: Date;
    to: Date;
    periodSeconds: number;
  }): Promise<Record<string, number[]>[]> {
    const instanceIds = [...new Set(input.instanceIds)];
    const points = input.metrics.map(() => new Map<string, { t: number; v: number }[]>());
    const queries = input.metrics.flatMap((metric, m) =>
      instanceIds.map((instanceId, i) => ({
        slot: { metric: m, instanceId },
        query: {
          // Ids start with a lowercase letter; letters, digits and underscores (MetricDataQuery.Id).
          Id: `m${m}_${i}`,
          MetricStat: {
            Metric: {
              Namespace: metric.namespace,
              MetricName: metric.name,
              Dimensions: [{ Name: "InstanceId", Value: instanceId }],
            },
            Period: input.periodSeconds,
            Stat: metric.stat,
          },
          ReturnData: true,
        } satisfies MetricDataQuery,
      })),
    );

    for (const batch of chunk(queries, MAX_METRIC_QUERIES_PER_CALL)) {
      const slots = new Map<string, Slot>(batch.map((q) => [q.query.Id, q.slot]));
      // The paginator stops at a missing or empty NextToken, as GetMetricData ends its pages.
      const pages = paginateGetMetricData(
        { client: this.clients.cloudwatch },
        {
          MetricDataQueries: batch.map((q) => q.query),
          StartTime: input.from,
          EndTime: input.to,
          ScanBy: "TimestampAscending",
        },
      );
      for await (const out of pages) {
        for (const result of out.MetricDataResults ?? []) {
          const slot = result.Id === undefined ? undefined : slots.get(result.Id);
          if (slot === undefined) {
            throw new UnexpectedResponseError(
              "GetMetricData",
              `a result for a query it was not asked (${result.Id})`,
            );
          }
          if (result.StatusCode === "InternalError" || result.StatusCode === "Forbidden") {
            const metric = input.metrics[slot.metric] as InstanceMetric;
            throw new UnexpectedResponseError(
              "GetMetricData",
              `${result.StatusCode} for ${metric.namespace} ${metric.name} of ${slot.instanceId}${result.Messages?.[0]?.Value === undefined ? "" : ` (${result.Messages[0].Value})`}`,
            );
          }
          const timestamps = result.Timestamps ?? [];
          const values = result.Values ?? [];
          if (timestamps.length !== values.length) {
            throw new UnexpectedResponseError(
              "GetMetricData",
              `${timestamps.length} timestamps for ${values.length} values in result ${result.Id}`,
            );
          }
          const series = points[slot.metric] as Map<string, { t: number; v: number }[]>;
          const list = series.get(slot.instanceId) ?? [];
          timestamps.forEach((timestamp, k) => {
            list.push({ t: new Date(timestamp).getTime(), v: values[k] as number });
          });
          series.set(slot.instanceId, list);
        }
      }
    }

    return points.map((series) =>
      Object.fromEntries(
        instanceIds.map((id) => [id, (series.get(id) ?? []).sort((a, b) => a.t - b.t).map((p) => p.v)]),
      ),
    );
  }
}
