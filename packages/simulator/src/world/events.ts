import type { World } from "../world";
import {
  ACCOUNT_ID,
  type ProgressEvent,
  type ProgressKind,
  type RefreshEvent,
  type RefreshEventType,
  type RefreshState,
} from "./types";

/** Events: EventBridge instance-refresh events (on the clock, maybe dropped) and live progress notices. */

/** EventBridge prints whole seconds. */
export function eventTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function emitRefreshEvent(
  world: World,
  type: RefreshEventType,
  refresh: RefreshState,
  checkpoint?: { percentage: number; delaySeconds: number },
): void {
  const group = world.groups.get(refresh.groupName);
  const event: RefreshEvent = {
    version: "0",
    id: world.ids.eventId(),
    "detail-type": type,
    source: "aws.autoscaling",
    account: ACCOUNT_ID,
    time: eventTime(world.now()),
    region: world.region,
    resources: group === undefined ? [] : [group.arn],
    detail: {
      InstanceRefreshId: refresh.id,
      AutoScalingGroupName: refresh.groupName,
      ...(checkpoint !== undefined && {
        CheckpointPercentage: String(checkpoint.percentage),
        CheckpointDelay: String(checkpoint.delaySeconds),
      }),
    },
  };
  if (world.eventRng.chance(world.scenario.faults.dropEvents)) return;
  // Delivered on the clock (at the same virtual instant), never inside the API call that caused it.
  world.clock.schedule(
    world.now(),
    () => {
      world.deliveredEvents.push(event);
      for (const listener of [...world.eventListeners]) listener(event);
    },
    `event ${type}`,
  );
}

export function emitProgress(
  world: World,
  kind: ProgressKind,
  refresh: RefreshState,
  replaced: number,
  checkpoint?: number,
): void {
  const group = world.groups.get(refresh.groupName);
  const event: ProgressEvent = {
    atMs: world.now(),
    group: refresh.groupName,
    kind,
    instanceRefreshId: refresh.id,
    percentComplete: refresh.percentageComplete,
    replaced,
    desired: group?.desired ?? 0,
    ...(checkpoint !== undefined && { checkpoint }),
  };
  for (const listener of [...world.progressListeners]) listener(event);
}
