import { createHash } from "node:crypto";
import {
  expectedSecondsToNextStop,
  type GroupRecord,
  type PacingEstimate,
  type RefreshState,
  type RunRequest,
  type TemplateUser,
} from "@fleet-upgrade/core";
import type { FunctionDeps } from "../../runtime/deps";

/** A refresh that still holds the group: one at a time per group. */
export const ACTIVE_REFRESH = new Set([
  "Pending",
  "InProgress",
  "Cancelling",
  "RollbackInProgress",
  "Baking",
]);

/** The group's own alarm tag: `fleet-upgrade:alarms=web-5xx,web-latency`. */
export const ALARMS_TAG = "fleet-upgrade:alarms";

/** Alarms watched for a group: the request's and the group's own. */
export function alarmsOf(request: RunRequest, group: GroupRecord): string[] {
  const own = (group.tags[ALARMS_TAG] ?? "")
    .split(",")
    .map((a) => a.trim())
    .filter((a) => a !== "");
  return [...new Set([...request.health.alarms, ...own])];
}

/** An idempotency token, the same for the same run and purpose, within AWS's length limits. */
export function clientToken(...parts: string[]): string {
  return `fu-${createHash("sha256").update(parts.join("\u0000")).digest("hex").slice(0, 40)}`;
}

/** What the orchestrator can know of the group's pacing. */
export function pacingOf(deps: FunctionDeps, request: RunRequest, group: GroupRecord): PacingEstimate {
  return {
    desired: group.desired,
    launchSeconds: deps.settings.launchEstimateSeconds,
    warmupSeconds:
      request.rollout.instanceWarmupSeconds ??
      group.defaultInstanceWarmup ??
      deps.settings.warmupEstimateSeconds,
  };
}

export function expectedToNextStop(
  deps: FunctionDeps,
  request: RunRequest,
  group: GroupRecord,
  fromCheckpoint: number | null,
): number {
  return expectedSecondsToNextStop(pacingOf(deps, request, group), request.rollout, fromCheckpoint);
}

/** True when the refresh is the one this run started (its desired version is ours). */
export function isOurs(refresh: RefreshState, ourVersion: number | null, ourIds: string[]): boolean {
  if (ourIds.includes(refresh.instanceRefreshId)) return true;
  return ourVersion !== null && refresh.desiredVersion === String(ourVersion);
}

/** Readiness code (CONTRACTS section 2): a group outside the run uses the template at $Latest or $Default. */
export const TEMPLATE_SHARED = "TEMPLATE_SHARED";

/**
 * The run's groups that must not be touched because a group outside the run launches from the same
 * template at `$Latest` or `$Default`: a new version made for the run would reach that group at
 * its next launch (at once for `$Latest`; for `$Default` as soon as anyone makes it the default).
 * Returns, per blocked run group, the reason naming the outside groups. Matches the template by
 * id, or by name where a description gave only the name.
 *
 * @example
 * sharedTemplateReasons([webRecord], [{ groupName: "legacy", launchTemplateId: "lt-1", launchTemplateName: "web", version: "$Latest" }])
 * // Map { "web" => "TEMPLATE_SHARED: launch template web (lt-1) is also used at $Latest by legacy, ..." }
 */
export function sharedTemplateReasons(runGroups: GroupRecord[], users: TemplateUser[]): Map<string, string> {
  const inRun = new Set(runGroups.map((g) => g.name));
  const reasons = new Map<string, string>();
  for (const group of runGroups) {
    const { launchTemplateId, launchTemplateName } = group.launchTemplate;
    const outside = users.filter(
      (u) =>
        !inRun.has(u.groupName) &&
        (u.version === "$Latest" || u.version === "$Default") &&
        (u.launchTemplateId === launchTemplateId ||
          (u.launchTemplateId === null && u.launchTemplateName === launchTemplateName)),
    );
    if (outside.length === 0) continue;
    const shown = outside
      .slice(0, 5)
      .map((u) => `${u.groupName} (${u.version})`)
      .join(", ");
    const more = outside.length > 5 ? ` and ${outside.length - 5} more` : "";
    reasons.set(
      group.name,
      `${TEMPLATE_SHARED}: launch template ${launchTemplateName} (${launchTemplateId}) is also used by ${shown}${more}, outside this run; a new version would reach them, so the group was left alone: pin those groups to a numbered version or give them their own template`,
    );
  }
  return reasons;
}
