import type { InstanceMetric, MetricReader } from "./ports";
import { judgeMetric } from "./regression-judge";
import type { AnalysisSettings } from "./run-request";
import type { AnalysisEntry, AnalysisVerdict } from "./run-result";

/** A time window, `from` inclusive, `to` exclusive. */
export interface TimeWindow {
  from: Date;
  to: Date;
}

export interface AnalyzeGroupInput {
  /** The run's `health.analysis`. */
  settings: AnalysisSettings;
  /** When this judgement happens: `checkpoint 20%`, `verify`, `bake`. */
  at: string;
  /** Old-image instances of the group. */
  baselineInstanceIds: readonly string[];
  /** New-image instances of the group. */
  canaryInstanceIds: readonly string[];
  /** The window judged: both sides over it, unless `baselineWindow` is given. */
  window: TimeWindow;
  /**
   * The baseline's own window: the group's pre-upgrade figures, when no old instance is left (the
   * bake after a finished refresh). Without it the baseline is read over `window`, side by side.
   */
  baselineWindow?: TimeWindow;
  /**
   * Seconds per sample (default 60). With EC2 basic monitoring, AWS/EC2 metrics exist every 5
   * minutes and a 60-second read returns those; detailed monitoring gives one a minute.
   */
  periodSeconds?: number;
}

export interface GroupAnalysis {
  /** FAIL if any metric FAILs, else INCONCLUSIVE if any is, else PASS; null when analysis is off. */
  verdict: AnalysisVerdict | null;
  /** One entry per metric, for `groups[].analysis`. */
  entries: AnalysisEntry[];
  /** The FAILs in words (metric, both medians, the change, the p-value); null without a FAIL. */
  reason: string | null;
}

/** The label of a metric in `groups[].analysis`: `AWS/EC2 CPUUtilization` (the statistic when not Average). */
export function metricLabel(metric: InstanceMetric): string {
  return `${metric.namespace} ${metric.name}${metric.stat === "Average" ? "" : ` ${metric.stat}`}`;
}

const round = (value: number | null, digits: number): number | null =>
  value === null ? null : Number(value.toFixed(digits));
const significant = (value: number | null): number | null =>
  value === null ? null : Number(value.toPrecision(3));
const percent = (value: number): string => `${value >= 0 ? "+" : ""}${Math.round(value * 100)}%`;

/**
 * Judges a group's new-image instances against its old-image ones on every metric of the run's
 * analysis settings: reads the series through `reader` (one read for both sides when they share the
 * window, so calls grow with metrics x instances / 500) and returns the entries for
 * `groups[].analysis` and the overall verdict. A handler throws `HealthRegressionError(reason)` on FAIL.
 *
 * When: the new instances of a checkpoint enter service as it is reached, so at that instant they
 * have no samples yet (INCONCLUSIVE). Judge over the checkpoint's delay, `[reachedAt, now)`, before
 * it ends (bench/analysis.ts judges at its end: 10 one-minute samples per instance at the default
 * 600 s). After the last batch no old instance is left: pass the old ids with `baselineWindow`
 * before the refresh started (the bake look).
 *
 * @example
 * const { verdict, entries, reason } = await analyzeGroup(reader, {
 *   settings: request.health.analysis, at: "checkpoint 20%",
 *   baselineInstanceIds: oldIds, canaryInstanceIds: newIds,
 *   window: { from: checkpointReachedAt, to: now },
 * });
 */
export async function analyzeGroup(reader: MetricReader, input: AnalyzeGroupInput): Promise<GroupAnalysis> {
  const { settings } = input;
  if (!settings.enabled) return { verdict: null, entries: [], reason: null };
  const periodSeconds = input.periodSeconds ?? 60;
  const metrics = settings.metrics.map(({ namespace, name, stat }) => ({ namespace, name, stat }));
  const baselineIds = [...new Set(input.baselineInstanceIds)];
  const canaryIds = [...new Set(input.canaryInstanceIds)].filter((id) => !baselineIds.includes(id));

  const read = async (ids: string[], window: TimeWindow): Promise<Record<string, number[]>[]> =>
    ids.length === 0 || window.to.getTime() <= window.from.getTime()
      ? metrics.map(() => ({}))
      : reader.readInstanceSeries({
          metrics,
          instanceIds: ids,
          from: window.from,
          to: window.to,
          periodSeconds,
        });
  let baselineSeries: Record<string, number[]>[];
  let canarySeries: Record<string, number[]>[];
  if (input.baselineWindow === undefined) {
    baselineSeries = canarySeries = await read([...baselineIds, ...canaryIds], input.window);
  } else {
    baselineSeries = await read(baselineIds, input.baselineWindow);
    canarySeries = await read(canaryIds, input.window);
  }

  const entries: AnalysisEntry[] = [];
  const failures: string[] = [];
  settings.metrics.forEach((metric, index) => {
    const samples = (series: Record<string, number[]>[], ids: string[]) =>
      ids.map((instanceId) => ({ instanceId, values: series[index]?.[instanceId] ?? [] }));
    const judgement = judgeMetric({
      baseline: samples(baselineSeries, baselineIds),
      canary: samples(canarySeries, canaryIds),
      worse: metric.worse,
      tolerance: metric.tolerance,
      confidence: settings.confidence,
      minInstances: settings.minInstances,
    });
    const label = metricLabel(metric);
    entries.push({
      at: input.at,
      metric: label,
      baseline: { instances: judgement.baseline.instances, median: round(judgement.baseline.median, 4) },
      canary: { instances: judgement.canary.instances, median: round(judgement.canary.median, 4) },
      change: round(judgement.change, 4),
      pValue: significant(judgement.pValue),
      verdict: judgement.verdict,
    });
    if (judgement.verdict === "FAIL") {
      const change =
        judgement.change === null
          ? "up from a median of 0"
          : `${percent(judgement.change)}, tolerance ${percent(metric.tolerance).slice(1)}`;
      failures.push(
        `${label} regressed at ${input.at}: median ${significant(judgement.canary.median)} on ${judgement.canary.instances} new instance(s) ` +
          `against ${significant(judgement.baseline.median)} on ${judgement.baseline.instances} old (${change}, ${metric.worse} is worse), ` +
          `p = ${significant(judgement.pValue)}`,
      );
    }
  });
  const verdict: AnalysisVerdict = entries.some((e) => e.verdict === "FAIL")
    ? "FAIL"
    : entries.some((e) => e.verdict === "INCONCLUSIVE")
      ? "INCONCLUSIVE"
      : "PASS";
  return { verdict, entries, reason: failures.length === 0 ? null : failures.join("; ") };
}

/**
 * A group's in-service instances split by image: those on the new launch template version are the
 * canary, the others the baseline. Instances not InService (Pending, Terminating, ...) are left out:
 * they do not serve the same traffic.
 *
 * @example
 * const group = await rollout.describeGroup("web");
 * const { canary, baseline } = splitByVersion(group.instances, 4);
 */
export function splitByVersion(
  instances: readonly { instanceId: string; launchTemplateVersion: string | null; lifecycleState: string }[],
  newVersion: number,
): { canary: string[]; baseline: string[] } {
  const serving = instances.filter((i) => i.lifecycleState === "InService");
  return {
    canary: serving.filter((i) => i.launchTemplateVersion === String(newVersion)).map((i) => i.instanceId),
    baseline: serving.filter((i) => i.launchTemplateVersion !== String(newVersion)).map((i) => i.instanceId),
  };
}

/**
 * One judgement as a line for the status text and the report:
 * `checkpoint 20% AWS/EC2 CPUUtilization: FAIL, median 63 on 2 new vs 41.2 on 8 old (+53%), p = 0.004`.
 */
export function formatAnalysisEntry(entry: AnalysisEntry): string {
  const side = (s: AnalysisEntry["canary"], what: string) =>
    `${s.median === null ? "no data" : `median ${significant(s.median)}`} on ${s.instances} ${what}`;
  const change = entry.change === null ? "" : ` (${percent(entry.change)})`;
  const p = entry.pValue === null ? "" : `, p = ${significant(entry.pValue)}`;
  return `${entry.at} ${entry.metric}: ${entry.verdict}, ${side(entry.canary, "new")} vs ${side(entry.baseline, "old")}${change}${p}`;
}
