/**
 * What the HTML report draws over time, gathered from a simulated run: when each group's refresh
 * started and ended, its checkpoints, the moment (and percent) of a regression with its reason,
 * and the fleet's in-service capacity and share on the new image. Built from the events the
 * simulation already emits (`onEvent`) and the simulated account after the run; nothing is added
 * to the run result.
 */
import type { RunResult } from "@fleet-upgrade/core";
import type { SimulationEvent } from "@fleet-upgrade/harness";
import type { SimulatedAccount } from "@fleet-upgrade/simulator";

export interface GroupSpan {
  group: string;
  wave: string;
  outcome: string;
  startMs: number;
  endMs: number;
}

export interface Checkpoint {
  group: string;
  atMs: number;
  percent: number;
}

export interface Regression {
  group: string;
  atMs: number;
  /** The group's percent replaced when it regressed. */
  percent: number;
  reason: string;
}

export interface FleetSample {
  atMs: number;
  /** In-service healthy instances of every group, percent of their desired capacity. */
  inServicePercent: number;
  /** Instances of every group on the new image, percent of their desired capacity. */
  newImagePercent: number;
}

export interface RunPicture {
  startMs: number;
  endMs: number;
  /** Every group of the result, in order (a group never started has no span). */
  rows: { group: string; wave: string; outcome: string }[];
  spans: GroupSpan[];
  checkpoints: Checkpoint[];
  regressions: Regression[];
  fleet: FleetSample[];
}

/** The account as the picture reads it (a test may pass a stand-in). */
export type PictureAccount = Pick<SimulatedAccount, "group">;

/**
 * Builds the picture of a run. `events` are the simulation's events in order; `account` is the
 * simulated account after the run (its groups' refreshes and in-service timelines).
 */
export function pictureOf(result: RunResult, events: SimulationEvent[], account: PictureAccount): RunPicture {
  const first = events[0]?.atMs ?? Date.parse(result.startedAt ?? "") ?? 0;
  const startMs = Number.isFinite(first) ? first : 0;
  const endMs = Math.max(startMs + 1, ...events.map((e) => e.atMs));
  const rows = result.groups.map((g) => ({ group: g.name, wave: g.wave, outcome: g.outcome }));
  const spans: GroupSpan[] = [];
  for (const g of result.groups) {
    const refreshes = (account.group(g.name)?.refreshes ?? []).filter(
      (r) => !r.foreign && g.instanceRefreshIds.includes(r.instanceRefreshId),
    );
    if (refreshes.length === 0) continue;
    spans.push({
      group: g.name,
      wave: g.wave,
      outcome: g.outcome,
      startMs: Math.min(...refreshes.map((r) => r.startMs)),
      endMs: Math.max(...refreshes.map((r) => r.endMs ?? endMs)),
    });
  }

  const checkpoints: Checkpoint[] = [];
  const regressions: Regression[] = [];
  const percentOf = new Map<string, number>();
  const reasonOf = (group: string): string => {
    const fromResult = result.groups.find((g) => g.name === group)?.reason;
    const fromRefresh = account.group(group)?.refreshes.find((r) => r.statusReason)?.statusReason;
    // "group web-canary: ..." repeats the group the picture already names.
    return (fromResult ?? fromRefresh ?? "health regression").replace(`group ${group}: `, "");
  };
  const regressed = (group: string, atMs: number) => {
    if (regressions.some((r) => r.group === group)) return;
    regressions.push({ group, atMs, percent: percentOf.get(group) ?? 0, reason: reasonOf(group) });
  };
  for (const event of events) {
    if (event.kind === "refresh") {
      const p = event.progress;
      if (p.kind === "instances-replaced" || p.kind === "checkpoint")
        percentOf.set(p.group, p.percentComplete);
      if (p.kind === "checkpoint")
        checkpoints.push({ group: p.group, atMs: p.atMs, percent: p.percentComplete });
      // Auto Scaling's own alarm-triggered rollback, or one the run started (below).
      if (p.kind === "rollback-started") regressed(p.group, p.atMs);
    } else if (event.kind === "state" && event.state === "RollbackGroup") {
      const input = (event.input ?? {}) as { group?: unknown; event?: { kind?: unknown } };
      // An operator's abort rolls back too, but that is not a regression.
      if (typeof input.group === "string" && input.event?.kind !== "abort")
        regressed(input.group, event.atMs);
    }
  }
  return {
    startMs,
    endMs,
    rows,
    spans,
    checkpoints,
    regressions,
    fleet: fleetOf(result, events, account, startMs, endMs),
  };
}

/** Steps through every moment something changed and sums the groups' state at it. */
function fleetOf(
  result: RunResult,
  events: SimulationEvent[],
  account: PictureAccount,
  startMs: number,
  endMs: number,
): FleetSample[] {
  const names = result.groups.map((g) => g.name);
  const desired = new Map<string, number>();
  const timelines = new Map<string, { atMs: number; inServiceHealthy: number }[]>();
  for (const name of names) {
    const snapshot = account.group(name);
    if (!snapshot) continue;
    desired.set(name, snapshot.desired);
    timelines.set(name, snapshot.timeline);
  }
  const totalDesired = [...desired.values()].reduce((a, b) => a + b, 0);
  if (totalDesired === 0) return [];

  // Instances on the new image per group, over time: replaced while rolling out, minus those
  // rolled back once a rollback starts.
  const onNew: { atMs: number; group: string; count: number }[] = [];
  const atRollback = new Map<string, number>();
  const replaced = new Map<string, number>();
  for (const event of events) {
    if (event.kind !== "refresh") continue;
    const p = event.progress;
    if (p.kind === "instances-replaced" || p.kind === "checkpoint" || p.kind === "refresh-succeeded") {
      replaced.set(p.group, p.replaced);
      onNew.push({ atMs: p.atMs, group: p.group, count: p.replaced });
    } else if (p.kind === "rollback-started") {
      atRollback.set(p.group, replaced.get(p.group) ?? p.replaced);
    } else if (p.kind === "rollback-progress" || p.kind === "rollback-succeeded") {
      const base = atRollback.get(p.group) ?? 0;
      const left = p.kind === "rollback-succeeded" ? 0 : Math.max(0, base - p.replaced);
      onNew.push({ atMs: p.atMs, group: p.group, count: left });
    }
  }

  const moments = new Set<number>([startMs, endMs]);
  for (const timeline of timelines.values())
    for (const point of timeline) if (point.atMs >= startMs) moments.add(point.atMs);
  for (const point of onNew) moments.add(point.atMs);
  const valueAt = <T extends { atMs: number }>(
    points: T[],
    atMs: number,
    read: (p: T) => number,
    before: number,
  ) => {
    let value = before;
    for (const point of points) {
      if (point.atMs > atMs) break;
      value = read(point);
    }
    return value;
  };
  return [...moments]
    .filter((atMs) => atMs >= startMs && atMs <= endMs)
    .sort((a, b) => a - b)
    .map((atMs) => {
      let inService = 0;
      let newImage = 0;
      for (const name of names) {
        inService += valueAt(
          timelines.get(name) ?? [],
          atMs,
          (p) => p.inServiceHealthy,
          desired.get(name) ?? 0,
        );
        newImage += valueAt(
          onNew.filter((p) => p.group === name),
          atMs,
          (p) => p.count,
          0,
        );
      }
      const percent = (n: number) => Math.round((n / totalDesired) * 1000) / 10;
      return { atMs, inServicePercent: percent(inService), newImagePercent: percent(newImage) };
    });
}
