import {
  type ComplianceExpectation,
  type GroupRecord,
  type HealthVerdict,
  judgeHealth,
  type RunRequest,
} from "@fleet-upgrade/core";
import type { FunctionDeps } from "./deps";
import { alarmsOf } from "./group-support";

/** New instances of the group: those launched from the run's launch template version. */
export async function newInstancesOf(deps: FunctionDeps, groupName: string, version: number | null) {
  const described = await deps.rollout.describeGroup(groupName);
  if (!described || version === null) return { described, fresh: [] };
  return { described, fresh: described.instances.filter((i) => i.launchTemplateVersion === String(version)) };
}

/** Gathers alarms, target health, Auto Scaling health and SSM ping of the new instances; judges them. */
export async function checkGroupHealth(
  deps: FunctionDeps,
  request: RunRequest,
  group: GroupRecord,
  version: number | null,
): Promise<HealthVerdict> {
  const alarms = alarmsOf(request, group);
  const alarmStates = alarms.length > 0 ? await deps.health.alarmStates(alarms) : {};
  // Only instances in service are judged: a new instance still launching or warming up is not yet
  // expected to answer SSM or pass its target group's checks.
  const { fresh: all } = await newInstancesOf(deps, group.name, version);
  const fresh = all.filter((i) => i.lifecycleState === "InService");
  const ids = fresh.map((i) => i.instanceId);
  const targets =
    request.health.targetGroups && group.targetGroupArns.length > 0 && ids.length > 0
      ? await deps.health.targetHealth(group.targetGroupArns, ids)
      : {};
  const ping = request.health.ssmOnline && ids.length > 0 ? await deps.health.pingStatus(ids) : {};
  for (const id of ids) if (request.health.ssmOnline && !(id in ping)) ping[id] = "not registered";
  return judgeHealth(
    {
      alarms: alarmStates,
      targets,
      instanceHealth: Object.fromEntries(fresh.map((i) => [i.instanceId, i.healthy])),
      ping,
    },
    { targetGroups: request.health.targetGroups, ssmOnline: request.health.ssmOnline },
  );
}

/** What compliance verification expects of instances built for this request. */
export function complianceOf(request: RunRequest): ComplianceExpectation {
  return {
    fips: request.hardening.fips,
    stig: request.hardening.stig !== "off",
    kernelTrack: request.image.kernel,
  };
}
