import type { GroupProgress, GroupRecord, HealthMonitor, RunRequest } from "@fleet-upgrade/core";
import type { FunctionDeps } from "../../runtime/deps";
import { alarmsOf } from "./group-support";
import { checkGroupHealth, judgeAfterRefresh } from "./health-support";
import type { BakeFound } from "./state";

/** DescribeAlarms names at most 100 alarms a call (../shared/aws-models, cloudwatch AlarmNames). */
const ALARMS_PER_CALL = 100;
/** DescribeInstanceInformation filters at most 50 instance ids a call (the health adapter's chunk). */
const INSTANCES_PER_PING = 50;
/** GetMetricData takes at most 500 queries a call (one per metric and instance). */
const QUERIES_PER_METRIC_CALL = 500;

/**
 * The most AWS calls one bake look at an upgraded group can make, as health-support reads it:
 * its share of the page's alarms read, the group described, each target group, SSM ping by 50 ids; with the regression judge,
 * the group described again, two metric reads (a baseline window and the new one) and its record
 * (read and written). An estimate from above, so a page never outgrows its budget.
 */
export function lookCalls(request: RunRequest, group: GroupRecord): number {
  const instances = Math.max(1, group.desired, group.instanceIds.length);
  // A share of the page's one DescribeAlarms read (see withPageAlarms), not a call of its own.
  const alarms = alarmsOf(request, group).length / ALARMS_PER_CALL;
  const targets = request.health.targetGroups ? group.targetGroupArns.length : 0;
  const ping = request.health.ssmOnline ? Math.ceil(instances / INSTANCES_PER_PING) : 0;
  const analysis = request.health.analysis;
  const metricCalls = Math.ceil((analysis.metrics.length * 2 * instances) / QUERIES_PER_METRIC_CALL);
  const judge = analysis.enabled ? 1 + 2 * metricCalls + 2 : 0;
  return alarms + 1 + targets + ping + judge;
}

/** Regressed groups the halt's reason names besides the first. */
const ALSO_NAMED = 5;

/** What was found so far, with the regressions of one more page (in wave order) added. */
export function addFound(
  found: BakeFound | undefined,
  page: { name: string; verdict: string }[],
): BakeFound | undefined {
  let next = found;
  for (const r of page) {
    next = next
      ? {
          count: next.count + 1,
          first: next.first,
          also: next.also.length < ALSO_NAMED ? [...next.also, r.name] : next.also,
        }
      : { count: 1, first: r, also: [] };
  }
  return next;
}

/** The halt's reason: the first regressed group and its verdict, then a few of the others. */
export function haltReason(found: BakeFound, wave: string): string {
  const more = found.count - 1 - found.also.length;
  const others =
    found.count === 1
      ? ""
      : ` (also regressed: ${found.also.join(", ")}${more > 0 ? ` and ${more} more` : ""})`;
  return `group ${found.first.name} while wave ${wave} baked: ${found.first.verdict}${others}`;
}

/**
 * One look at an upgraded group: its health (alarms, targets, Auto Scaling, SSM), then the
 * regression judge (its new instances against its pre-upgrade figures). Null when it is healthy;
 * otherwise the verdict, and whether the judge recorded analysis in its progress (read it again).
 */
export async function lookAtGroup(
  deps: FunctionDeps,
  request: RunRequest,
  runId: string,
  group: GroupRecord,
  progress: GroupProgress,
): Promise<{ verdict: string; judged: boolean } | null> {
  // Fails closed: a health read that errs is a regression, naming the call.
  const verdict = await checkGroupHealth(deps, request, group, progress.launchTemplateVersion.to);
  if (!verdict.healthy) return { verdict: verdict.verdict ?? "unhealthy", judged: false };
  const judged = await judgeAfterRefresh(deps, request, runId, group, progress, "bake");
  return judged.healthy ? null : { verdict: judged.verdict ?? "regressed", judged: true };
}

/**
 * The page's alarms read together (DescribeAlarms, 100 names a call) instead of once per group:
 * the run's own alarms are every group's. Each look then takes its alarms from that answer; a read
 * that failed fails every look that needed it, naming the call, as its own read would have.
 */
export async function withPageAlarms(
  deps: FunctionDeps,
  request: RunRequest,
  groups: GroupRecord[],
): Promise<FunctionDeps> {
  const names = [...new Set(groups.flatMap((group) => alarmsOf(request, group)))];
  if (names.length === 0) return deps;
  const health = deps.health;
  const answer = await health.alarmStates(names).then(
    (states) => ({ states }),
    (error: unknown) => ({ error }),
  );
  const paged: HealthMonitor = {
    minInService: (groupName, from, to) => health.minInService(groupName, from, to),
    targetHealth: (arns, ids) => health.targetHealth(arns, ids),
    pingStatus: (ids) => health.pingStatus(ids),
    alarmStates: async (asked) => {
      if ("error" in answer) throw answer.error;
      return Object.fromEntries(
        asked.flatMap((name) => {
          const state = answer.states[name];
          return state === undefined ? [] : [[name, state]];
        }),
      );
    },
  };
  // Not a spread: the entry's deps build each adapter when first used, and only those it declares.
  return new Proxy(deps, {
    get: (target, key) => (key === "health" ? paged : Reflect.get(target, key)),
  });
}
