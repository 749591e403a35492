import {
  type ComplianceExpectation,
  type GroupRecord,
  type HealthVerdict,
  judgeHealth,
  type RunRequest,
} from "@fleet-upgrade/core";
import type { FunctionDeps } from "./deps";
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
} as const;

/** A thrown value in one line: `Throttling: Rate exceeded`. */
export function describeError(error: unknown): string {
  if (error instanceof Error)
    return error.message && error.message !== error.name ? `${error.name}: ${error.message}` : error.name;
  return String(error);
}

/** A read the health judgement needs failed: the judgement cannot be made, so it fails closed. */
export class HealthReadError extends Error {
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
