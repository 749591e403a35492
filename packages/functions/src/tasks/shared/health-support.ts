import {
  type AnalysisVerdict,
  analyzeGroup,
  type ComplianceExpectation,
  FleetUpgradeError,
  type GroupRecord,
  type HealthVerdict,
  judgeHealth,
  MAX_ANALYSIS_ENTRIES,
  type RunRequest,
  splitByVersion,
  type TimeWindow,
} from "@fleet-upgrade/core";
import type { FunctionDeps } from "../../runtime/deps";
import { alarmsOf } from "./group-support";

/**
 * The AWS call behind each read the health judgement makes, so a verdict can name the call that
 * failed. The adapters in packages/aws make exactly these calls.
 */
export const HEALTH_CALLS = {
  alarmStates: "cloudwatch:DescribeAlarms",
  minInService: "cloudwatch:GetMetricStatistics",
  targetHealth: "elasticloadbalancing:DescribeTargetHealth",
  pingStatus: "ssm:DescribeInstanceInformation",
  describeGroup: "autoscaling:DescribeAutoScalingGroups",
  describeRefreshes: "autoscaling:DescribeInstanceRefreshes",
  findCommand: "ssm:ListCommands",
  sendCommand: "ssm:SendCommand",
  getCommandStatus: "ssm:GetCommandInvocation",
  listCommandStatuses: "ssm:ListCommandInvocations",
  metricData: "cloudwatch:GetMetricData",
} as const;

/** A thrown value in one line: `Throttling: Rate exceeded`. */
export function describeError(error: unknown): string {
  if (error instanceof Error)
    return error.message && error.message !== error.name ? `${error.name}: ${error.message}` : error.name;
  return String(error);
}

/** A read the health judgement needs failed: the judgement cannot be made, so it fails closed. */
export class HealthReadError extends FleetUpgradeError {
  override readonly name = "HealthReadError";

  constructor(
    readonly call: string,
    cause: unknown,
  ) {
    super(`${call} failed (${describeError(cause)})`, { cause });
  }
}

/** Runs one read, naming the call if it throws (after the SDK's own retries). */
export async function read<T>(call: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw new HealthReadError(call, error);
  }
}

/** The verdict of a judgement that could not be made: unhealthy, naming what failed. */
export function failedClosed(error: unknown): HealthVerdict {
  const what = error instanceof HealthReadError ? error.message : describeError(error);
  return { healthy: false, verdict: `health could not be judged, so it fails closed: ${what}` };
}

/**
 * The same dependencies, but a group is described at most once (the first answer, or failure, is
 * kept): for one look that checks health and judges regression on the same instant's instances
 * instead of asking Auto Scaling for each. Only for the span of one invocation.
 */
export function describingOnce(deps: FunctionDeps): FunctionDeps {
  const described = new Map<string, ReturnType<FunctionDeps["rollout"]["describeGroup"]>>();
  const rollout = Object.create(deps.rollout) as FunctionDeps["rollout"];
  rollout.describeGroup = (name) => {
    let answer = described.get(name);
    if (answer === undefined) {
      answer = deps.rollout.describeGroup(name);
      described.set(name, answer);
    }
    return answer;
  };
  // Copies getters as getters: spreading would read (build, or fail on) adapters the task never uses.
  const view = Object.defineProperties({}, Object.getOwnPropertyDescriptors(deps)) as FunctionDeps;
  Object.defineProperty(view, "rollout", { value: rollout, enumerable: true });
  return view;
}

/** New instances of the group: those launched from the run's launch template version. */
export async function newInstancesOf(deps: FunctionDeps, groupName: string, version: number | null) {
  const described = await read(HEALTH_CALLS.describeGroup, () => deps.rollout.describeGroup(groupName));
  if (!described || version === null) return { described, fresh: [] };
  return { described, fresh: described.instances.filter((i) => i.launchTemplateVersion === String(version)) };
}

/**
 * Gathers alarms, target health, Auto Scaling health and SSM ping of the new instances; judges them.
 * Never throws: any read that fails (a throttled DescribeAlarms, say) makes the group unhealthy
 * with a verdict naming the call, so the caller rolls it back instead of going on unwatched.
 */
export async function checkGroupHealth(
  deps: FunctionDeps,
  request: RunRequest,
  group: GroupRecord,
  version: number | null,
): Promise<HealthVerdict> {
  try {
    const alarms = alarmsOf(request, group);
    const alarmStates =
      alarms.length > 0 ? await read(HEALTH_CALLS.alarmStates, () => deps.health.alarmStates(alarms)) : {};
    const missingAlarms = alarms.filter((a) => !(a in alarmStates));
    // Only instances in service are judged: a new instance still launching or warming up is not yet
    // expected to answer SSM or pass its target group's checks.
    const { fresh: all } = await newInstancesOf(deps, group.name, version);
    const fresh = all.filter((i) => i.lifecycleState === "InService");
    const ids = fresh.map((i) => i.instanceId);
    const targets =
      request.health.targetGroups && group.targetGroupArns.length > 0 && ids.length > 0
        ? await read(HEALTH_CALLS.targetHealth, () => deps.health.targetHealth(group.targetGroupArns, ids))
        : {};
    const ping =
      request.health.ssmOnline && ids.length > 0
        ? await read(HEALTH_CALLS.pingStatus, () => deps.health.pingStatus(ids))
        : {};
    for (const id of ids) if (request.health.ssmOnline && !(id in ping)) ping[id] = "not registered";
    return judgeHealth(
      {
        alarms: alarmStates,
        missingAlarms,
        targets,
        instanceHealth: Object.fromEntries(fresh.map((i) => [i.instanceId, i.healthy])),
        ping,
      },
      { targetGroups: request.health.targetGroups, ssmOnline: request.health.ssmOnline },
    );
  } catch (error) {
    deps.logger.warn("health could not be judged: failing closed", {
      group: group.name,
      error: describeError(error),
    });
    return failedClosed(error);
  }
}

/** What compliance verification expects of instances built for this request. */
export function complianceOf(request: RunRequest): ComplianceExpectation {
  return {
    fips: request.hardening.fips,
    stig: request.hardening.stig !== "off",
    kernelTrack: request.image.kernel,
  };
}

/**
 * Seconds a checkpoint's judgement waits before the regression judge looks: the new instances of
 * the checkpoint enter service as it is reached, so they have no samples yet. The look lands near
 * the end of the checkpoint's delay (a tenth of it, at least 30 s, before the refresh goes on), so
 * the window holds nearly the whole delay. A delay of a minute or less leaves no room: judge at once.
 */
export function analysisWaitSeconds(checkpointDelaySeconds: number): number {
  if (checkpointDelaySeconds <= 60) return 0;
  return checkpointDelaySeconds - Math.max(30, Math.ceil(checkpointDelaySeconds * 0.1));
}

/** How far back a look after the refresh (verify, bake) reads: the last ten minutes. */
export const LOOKBACK_SECONDS = 600;

/** The regression judge's answer for one look: a health verdict plus the judge's own. */
export interface RegressionLook extends HealthVerdict {
  /** FAIL, PASS or INCONCLUSIVE; null when analysis is off or could not run. */
  analysis: AnalysisVerdict | null;
}

/**
 * Judges the group's new instances against the baseline and records every judgement in its
 * progress (`groups[].analysis`, the last MAX_ANALYSIS_ENTRIES). A FAIL is unhealthy, its verdict
 * naming the metric, both medians, the change and the p-value; INCONCLUSIVE and PASS are healthy.
 * Never throws: a read that fails (GetMetricData throttled, say) fails closed, naming the call.
 */
export async function judgeRegression(
  deps: FunctionDeps,
  request: RunRequest,
  runId: string,
  groupName: string,
  look: {
    at: string;
    baselineInstanceIds: string[];
    canaryInstanceIds: string[];
    window: TimeWindow;
    baselineWindow?: TimeWindow;
  },
): Promise<RegressionLook> {
  const settings = request.health.analysis;
  if (!settings.enabled) return { healthy: true, verdict: null, analysis: null };
  try {
    const judged = await read(HEALTH_CALLS.metricData, () =>
      analyzeGroup(deps.metrics, { settings, ...look }),
    );
    if (judged.entries.length > 0) {
      await deps.ledger.updateProgress(runId, groupName, (p) => ({
        ...p,
        analysis: [...(p.analysis ?? []), ...judged.entries].slice(-MAX_ANALYSIS_ENTRIES),
      }));
    }
    deps.logger.info("regression judged", { group: groupName, at: look.at, verdict: judged.verdict });
    return judged.verdict === "FAIL"
      ? { healthy: false, verdict: judged.reason ?? `regression at ${look.at}`, analysis: "FAIL" }
      : { healthy: true, verdict: null, analysis: judged.verdict };
  } catch (error) {
    deps.logger.warn("regression could not be judged: failing closed", {
      group: groupName,
      error: describeError(error),
    });
    return { ...failedClosed(error), analysis: null };
  }
}

/**
 * A look after the refresh finished (verify, bake): the group's new instances in service over the
 * last LOOKBACK_SECONDS against the old instances still in service over the same window, or, when
 * none is left, against the instances inventoried before the run over the LOOKBACK_SECONDS before
 * the refresh started (the group's pre-upgrade figures). Without a recorded start there is no
 * baseline: nothing is judged.
 */
export async function judgeAfterRefresh(
  deps: FunctionDeps,
  request: RunRequest,
  runId: string,
  group: GroupRecord,
  progress: { launchTemplateVersion: { to: number | null }; refreshStartedAt: string | null },
  at: string,
): Promise<RegressionLook> {
  if (!request.health.analysis.enabled || progress.launchTemplateVersion.to === null)
    return { healthy: true, verdict: null, analysis: null };
  let split: { canary: string[]; baseline: string[] };
  try {
    const described = await read(HEALTH_CALLS.describeGroup, () => deps.rollout.describeGroup(group.name));
    split = splitByVersion(described?.instances ?? [], progress.launchTemplateVersion.to);
  } catch (error) {
    return { ...failedClosed(error), analysis: null };
  }
  const now = deps.now();
  const lookback = LOOKBACK_SECONDS * 1000;
  if (split.baseline.length > 0) {
    return judgeRegression(deps, request, runId, group.name, {
      at,
      baselineInstanceIds: split.baseline,
      canaryInstanceIds: split.canary,
      window: { from: new Date(now.getTime() - lookback), to: now },
    });
  }
  if (progress.refreshStartedAt === null) return { healthy: true, verdict: null, analysis: null };
  const started = new Date(progress.refreshStartedAt);
  return judgeRegression(deps, request, runId, group.name, {
    at,
    baselineInstanceIds: group.instanceIds,
    canaryInstanceIds: split.canary,
    window: { from: new Date(Math.max(started.getTime(), now.getTime() - lookback)), to: now },
    baselineWindow: { from: new Date(started.getTime() - lookback), to: started },
  });
}
