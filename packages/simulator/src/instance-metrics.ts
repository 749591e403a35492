import { DEFAULT_SCENARIO_METRICS, type Scenario, type ScenarioGroup } from "@fleet-upgrade/core";
import { Random } from "./random";
import type { InstanceState } from "./world";

/**
 * Per-instance metric series of the simulated account (CONTRACTS.md section 3: a group's `metrics`,
 * `onNewImage.metrics.<Name>.shift`). One sample a minute per running instance, as EC2 detailed
 * monitoring publishes AWS/EC2 metrics
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/manage-detailed-monitoring.html); a sample
 * exists once its minute has ended, from the instance's first running minute until it terminates.
 *
 * Each instance has its own level (its share of the load, its neighbours) that holds for its life,
 * and every minute varies around it: `cv` is the coefficient of variation of one sample, of which
 * INSTANCE_VARIANCE_SHARE of the variance lies between instances. Values are a pure function of the
 * seed, the instance id, the metric and the minute: same seed, same series, in whatever order asked.
 */

/** Share of a sample's variance that lies between instances (the intraclass correlation). */
export const INSTANCE_VARIANCE_SHARE = 0.1;

const MINUTE_MS = 60_000;

/** What one instance reports for one metric. */
export interface MetricModel {
  /** Mean of a sample, after the new image's shift. */
  mean: number;
  cv: number;
  /** A percentage: samples stay within 0-100. */
  percent: boolean;
  unit: "Percent" | "None";
}

const groupsByScenario = new WeakMap<Scenario, Map<string, ScenarioGroup>>();

function groupSpec(scenario: Scenario, name: string | null): ScenarioGroup | undefined {
  if (name === null) return undefined;
  let groups = groupsByScenario.get(scenario);
  if (groups === undefined) {
    groups = new Map(scenario.groups.map((g) => [g.name, g]));
    groupsByScenario.set(scenario, groups);
  }
  return groups.get(name);
}

/**
 * The model of `namespace`/`name` on this instance, or undefined when it reports no such metric. A
 * metric the group lists is served in any namespace (AWS/EC2, CWAgent, an application's own);
 * CPUUtilization is served in AWS/EC2 for every instance, 30 / 0.15 unless its group says otherwise.
 */
export function metricModel(
  scenario: Scenario,
  instance: InstanceState,
  namespace: string,
  name: string,
): MetricModel | undefined {
  const group = groupSpec(scenario, instance.groupName);
  const builtIn = namespace === "AWS/EC2" ? DEFAULT_SCENARIO_METRICS[name] : undefined;
  const spec = group?.metrics[name] ?? builtIn;
  if (spec === undefined) return undefined;
  const shift = instance.newImage ? (group?.onNewImage.metrics?.[name]?.shift ?? 0) : 0;
  const percent = name === "CPUUtilization" || /percent/i.test(name);
  return { mean: spec.mean * (1 + shift), cv: spec.cv, percent, unit: percent ? "Percent" : "None" };
}

/** A standard normal draw (Box-Muller) from two uniforms of the stream. */
function gaussian(rng: Random): number {
  const u = 1 - rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** The sample of the minute starting at `minuteMs`. */
function sample(
  seed: number,
  instance: InstanceState,
  name: string,
  model: MetricModel,
  minuteMs: number,
): number {
  const level = gaussian(Random.derive(seed, `metric-level/${instance.instanceId}/${name}`));
  const noise = gaussian(Random.derive(seed, `metric/${instance.instanceId}/${name}/${minuteMs}`));
  const value =
    model.mean *
    (1 +
      model.cv * Math.sqrt(INSTANCE_VARIANCE_SHARE) * level +
      model.cv * Math.sqrt(1 - INSTANCE_VARIANCE_SHARE) * noise);
  return Math.min(model.percent ? 100 : Number.POSITIVE_INFINITY, Math.max(0, value));
}

/**
 * The minute samples of an instance in [fromMs, toMs), at or before `nowMs`: minutes start on the
 * minute, from the first whole minute the instance runs (launch plus the group's launch time) to
 * its termination.
 */
export function minuteSamples(
  scenario: Scenario,
  instance: InstanceState,
  name: string,
  model: MetricModel,
  fromMs: number,
  toMs: number,
  nowMs: number,
): { minuteMs: number; value: number }[] {
  const launchSeconds = groupSpec(scenario, instance.groupName)?.launchSeconds ?? 60;
  const runningMs = instance.launchMs + launchSeconds * 1000;
  const first = Math.ceil(Math.max(fromMs, runningMs) / MINUTE_MS) * MINUTE_MS;
  const stop = Math.min(toMs, instance.terminatedMs ?? Number.POSITIVE_INFINITY);
  const out: { minuteMs: number; value: number }[] = [];
  for (let m = first; m < stop && m + MINUTE_MS <= nowMs; m += MINUTE_MS) {
    out.push({ minuteMs: m, value: sample(scenario.seed, instance, name, model, m) });
  }
  return out;
}

const PERCENTILE = /^p(100(\.0{1,2})?|[0-9]{1,2}(\.[0-9]{1,2})?)$/;

/** True for a statistic this model can compute: the five classic ones and percentiles pNN(.NN). */
export function isStatistic(stat: string): boolean {
  return ["Average", "Minimum", "Maximum", "Sum", "SampleCount"].includes(stat) || PERCENTILE.test(stat);
}

/** A statistic of a period's samples (at least one); percentiles interpolate between ranks. */
export function statistic(values: readonly number[], stat: string): number {
  switch (stat) {
    case "Average":
      return values.reduce((a, b) => a + b, 0) / values.length;
    case "Minimum":
      return Math.min(...values);
    case "Maximum":
      return Math.max(...values);
    case "Sum":
      return values.reduce((a, b) => a + b, 0);
    case "SampleCount":
      return values.length;
    default: {
      const q = Number(stat.slice(1)) / 100;
      const sorted = [...values].sort((a, b) => a - b);
      const position = q * (sorted.length - 1);
      const low = Math.floor(position);
      const high = Math.min(sorted.length - 1, low + 1);
      const lowValue = sorted[low] as number;
      return lowValue + (position - low) * ((sorted[high] as number) - lowValue);
    }
  }
}

/**
 * Datapoints of one metric of one instance: periods of `periodSeconds` from `startMs` (rounded down
 * to the minute, as CloudWatch does for recent data) to `endMs`, each with the samples of its minutes;
 * periods without a sample are absent. Ascending by timestamp.
 */
export function instancePeriods(
  scenario: Scenario,
  instance: InstanceState,
  name: string,
  model: MetricModel,
  startMs: number,
  endMs: number,
  periodSeconds: number,
  nowMs: number,
): { timestampMs: number; values: number[] }[] {
  const start = Math.floor(startMs / MINUTE_MS) * MINUTE_MS;
  // A standard-resolution metric has one sample a minute: a shorter period still groups by minute.
  const periodMs = Math.max(1, Math.round(periodSeconds)) * 1000;
  const samples = minuteSamples(scenario, instance, name, model, start, endMs, nowMs);
  const periods: { timestampMs: number; values: number[] }[] = [];
  for (const { minuteMs, value } of samples) {
    const timestampMs = start + Math.floor((minuteMs - start) / periodMs) * periodMs;
    const last = periods[periods.length - 1];
    if (last !== undefined && last.timestampMs === timestampMs) last.values.push(value);
    else periods.push({ timestampMs, values: [value] });
  }
  return periods;
}
