import type { GroupProgress, RunRecord, WaveRecord } from "./run-ledger";
import type { RunRequest } from "./run-request";
import type { RunResult, RunStatus, WaveStatus } from "./run-result";

/** A wave's status from its groups' outcomes. */
export function waveStatusOf(outcomes: ReadonlyArray<GroupProgress["outcome"]>): WaveStatus {
  if (outcomes.includes("FAILED")) return "FAILED";
  if (outcomes.includes("ROLLED_BACK")) return "ROLLED_BACK";
  if (outcomes.includes("RUNNING")) return "RUNNING";
  if (outcomes.length > 0 && outcomes.every((o) => o === "NOT_STARTED")) return "NOT_STARTED";
  return "SUCCEEDED";
}

/** How the run ended and why, in one sentence. */
export function runOutcomeOf(
  run: Pick<RunRecord, "halt" | "status">,
  request: RunRequest,
  groups: ReadonlyArray<GroupProgress>,
): { status: RunStatus; reason: string } {
  if (request.dryRun) {
    return { status: "PLANNED", reason: `dry run: ${groups.length} groups planned, nothing changed` };
  }
  const failed = groups.find((g) => g.outcome === "FAILED");
  if (run.halt) {
    // A group left FAILED (a rollback that failed, say) must not hide behind a ROLLED_BACK headline.
    if (run.halt.status === "ROLLED_BACK" && failed) {
      return {
        status: "FAILED",
        reason: `group ${failed.name}: ${failed.reason ?? "failed"} (after ${run.halt.reason})`,
      };
    }
    return { status: run.halt.status, reason: run.halt.reason };
  }
  if (failed) return { status: "FAILED", reason: `group ${failed.name}: ${failed.reason ?? "failed"}` };
  const upgraded = groups.filter((g) => g.outcome === "UPGRADED").length;
  const skipped = groups.filter((g) => g.outcome === "SKIPPED").length;
  const unplanned = groups.filter((g) => g.outcome === "NOT_STARTED").length;
  const parts = [`${upgraded} of ${groups.length} groups upgraded`];
  if (skipped > 0) parts.push(`${skipped} skipped`);
  if (unplanned > 0) parts.push(`${unplanned} not in any wave`);
  return { status: "SUCCEEDED", reason: parts.join(", ") };
}

/** Simulation-only and measured figures; null and empty outside simulation. */
export interface RunMetrics {
  virtualSeconds: number | null;
  lowerBoundSeconds: number | null;
  apiCalls: Record<string, number>;
  stateTransitions: number;
}

/** The metrics of a run outside simulation: nothing measured. */
export const NO_METRICS: RunMetrics = Object.freeze({
  virtualSeconds: null,
  lowerBoundSeconds: null,
  apiCalls: Object.freeze({}) as Record<string, number>,
  stateTransitions: 0,
});

/**
 * The run result (CONTRACTS section 2) from the ledger's records: the run, its waves and the
 * progress of every group. Groups come in wave order, then unplanned ones.
 */
export function assembleRunResult(
  run: RunRecord,
  request: RunRequest,
  groups: ReadonlyArray<GroupProgress>,
  metrics: RunMetrics,
): RunResult {
  const byName = new Map(groups.map((g) => [g.name, g]));
  const ordered: GroupProgress[] = [];
  for (const wave of run.waves)
    for (const name of wave.groups) {
      const g = byName.get(name);
      if (g) ordered.push(g);
    }
  for (const g of [...groups].sort((a, b) => a.name.localeCompare(b.name)))
    if (!ordered.includes(g)) ordered.push(g);
  const waves = run.waves.map((wave: WaveRecord) => ({
    name: wave.name,
    status: wave.groups.length === 0 && wave.status !== "NOT_STARTED" ? "SUCCEEDED" : wave.status,
    groups: wave.groups,
  }));
  return {
    runId: run.runId,
    status: run.status,
    reason: run.reason,
    request,
    target: {
      kernel: request.image.kernel,
      kernelVersion: run.target?.kernelVersion ?? null,
      images: (run.target?.images ?? []).map((i) => ({
        architecture: i.architecture as "x86_64" | "arm64",
        sourceImageId: i.sourceImageId,
        imageId: i.imageId,
      })),
    },
    inventory: {
      groups: run.inventory?.groups ?? 0,
      instances: run.inventory?.instances ?? 0,
      byPlatform: run.inventory?.byPlatform ?? {},
      ...(run.inventory?.untargeted !== undefined ? { untargeted: run.inventory.untargeted } : {}),
    },
    ...(run.estimateSeconds !== undefined ? { estimate: { seconds: run.estimateSeconds } } : {}),
    waves,
    groups: ordered.map((g) => ({
      name: g.name,
      wave: g.wave ?? "",
      outcome: g.outcome,
      ...(g.outcome === "UPGRADED" ? {} : { reason: g.reason ?? reasonFor(g.outcome, run) }),
      fromImageId: g.fromImageId,
      toImageId: g.toImageId,
      launchTemplateVersion: g.launchTemplateVersion,
      minHealthyPercentObserved: g.minHealthyPercentObserved,
      instanceRefreshIds: g.instanceRefreshIds,
      ...(g.notes.length > 0 ? { notes: g.notes } : {}),
      ...(g.analysis && g.analysis.length > 0 ? { analysis: g.analysis } : {}),
    })),
    ...(run.readiness !== undefined ? { readiness: run.readiness } : {}),
    metrics,
    startedAt: run.startedAt,
    ...(run.endedAt ? { endedAt: run.endedAt } : {}),
  };
}

function reasonFor(outcome: GroupProgress["outcome"], run: RunRecord): string {
  if (outcome === "NOT_STARTED") {
    if (run.halt) return `not started: ${run.halt.reason}`;
    return run.status === "PLANNED" ? "dry run: planned, not started" : "not started";
  }
  return outcome.toLowerCase().replace("_", " ");
}
