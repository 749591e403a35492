import { createHash } from "node:crypto";
import {
  expectedSecondsToNextStop,
  type GroupRecord,
  type PacingEstimate,
  type RefreshState,
  type RunRequest,
} from "@fleet-upgrade/core";
import type { FunctionDeps } from "./deps";

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
