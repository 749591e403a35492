/**
 * The figures operators chart (infra/dashboard.ts): groups upgraded, groups rolled back, and the
 * minutes each group's refresh took, per stage. In AWS they go out as CloudWatch embedded metric
 * format (EMF) log lines through Powertools Metrics, so no PutMetricData permission is needed
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format.html);
 * the simulation and tests inject a sink that prints nothing.
 */
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { SERVICE_NAME } from "./environment";

/** The CloudWatch namespace of the app's metrics. */
export const METRICS_NAMESPACE = "FleetUpgrade";
/** The dimension every metric carries besides Powertools' `service`: the deployed stage. */
export const STAGE_DIMENSION = "stage";

/** The metrics, by name, with their CloudWatch unit. */
export const FLEET_METRICS = {
  /** A group whose refresh succeeded and whose health held: 1 per group. */
  GroupsUpgraded: MetricUnit.Count,
  /** A group returned to its previous launch template version: 1 per group. */
  GroupsRolledBack: MetricUnit.Count,
  /** Minutes from a group's refresh start to the group's end, whatever the outcome. */
  RefreshMinutes: MetricUnit.NoUnit,
} as const;
export type FleetMetric = keyof typeof FLEET_METRICS;

/** Where tasks record metrics; the bootstrap flushes it once per invocation. */
export interface MetricsSink {
  record(metric: FleetMetric, value: number): void;
  flush(): void;
}

/** Records nothing: the local runs and tests that do not look at metrics. */
export const noMetrics: MetricsSink = { record() {}, flush() {} };

/** Keeps what was recorded, for tests. */
export class RecordingMetricsSink implements MetricsSink {
  readonly recorded: { metric: FleetMetric; value: number }[] = [];
  record(metric: FleetMetric, value: number): void {
    this.recorded.push({ metric, value });
  }
  flush(): void {}
}

/** Powertools Metrics: one EMF log line per invocation that recorded anything. */
export class EmfMetricsSink implements MetricsSink {
  private readonly metrics: Metrics;
  constructor(stage: string) {
    this.metrics = new Metrics({
      namespace: METRICS_NAMESPACE,
      serviceName: SERVICE_NAME,
      defaultDimensions: { [STAGE_DIMENSION]: stage },
    });
  }
  record(metric: FleetMetric, value: number): void {
    this.metrics.addMetric(metric, FLEET_METRICS[metric], value);
  }
  flush(): void {
    // Publishing nothing would log a warning on every task that records no metric.
    if (this.metrics.hasStoredMetrics()) this.metrics.publishStoredMetrics();
  }
}

/**
 * Records how a group ended: one upgraded or rolled-back group, and the minutes since its refresh
 * started (a group that never started one has no refresh minutes).
 */
export function recordGroupEnded(
  sink: MetricsSink,
  group: { outcome: string; refreshStartedAt: string | null },
  now: Date,
): void {
  if (group.outcome === "UPGRADED") sink.record("GroupsUpgraded", 1);
  if (group.outcome === "ROLLED_BACK") sink.record("GroupsRolledBack", 1);
  if (group.refreshStartedAt) {
    const minutes = (now.getTime() - Date.parse(group.refreshStartedAt)) / 60_000;
    sink.record("RefreshMinutes", Math.round(minutes * 10) / 10);
  }
}
