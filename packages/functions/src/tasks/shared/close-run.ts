import {
  assembleRunResult,
  type GroupProgress,
  NO_METRICS,
  type RunRecord,
  type RunRequest,
  RunResultSchema,
  waveStatusOf,
} from "@fleet-upgrade/core";
import type { FunctionDeps } from "../../runtime/deps";

/**
 * Bytes of the run record given to `groupOutcomes` at most. DynamoDB refuses an item over 400 KB;
 * beyond this budget the record keeps no per-group list (a run list reads the group items instead),
 * so a run of 5,000 groups with 500-character reasons still closes.
 */
export const GROUP_OUTCOMES_BUDGET_BYTES = 32 * 1024;
/**
 * Bytes of the whole run record `groupOutcomes` may fill it to (issue 11: no ledger item over 64 KiB,
 * with room for a note written after it): the list is left out sooner when the rest is large.
 */
export const RUN_RECORD_BUDGET_BYTES = 60 * 1024;
/** Characters of a reason the run record keeps (CONTRACTS section 1 caps reasons at 500). */
export const REASON_MAX_CHARS = 500;

/** A reason cut to the record's limit, marked when cut. */
export function boundedReason(reason: string): string {
  return reason.length <= REASON_MAX_CHARS ? reason : `${reason.slice(0, REASON_MAX_CHARS - 3)}...`;
}

type GroupOutcomes = NonNullable<RunRecord["groupOutcomes"]>;

/** How each group ended, for a run list; null when the list would not fit the record's budget. */
export function boundedGroupOutcomes(
  run: RunRecord,
  request: RunRequest,
  progress: GroupProgress[],
): GroupOutcomes | null {
  const result = RunResultSchema.parse(assembleRunResult(run, request, progress, NO_METRICS));
  const failing = new Set(["FAILED", "ROLLED_BACK", "SKIPPED"]);
  const outcomes = result.groups.map((g) => ({
    name: g.name,
    outcome: g.outcome,
    reason: failing.has(g.outcome) && g.reason ? boundedReason(g.reason) : null,
  }));
  const rest = Buffer.byteLength(JSON.stringify({ ...run, groupOutcomes: null }));
  const budget = Math.min(GROUP_OUTCOMES_BUDGET_BYTES, RUN_RECORD_BUDGET_BYTES - rest);
  return Buffer.byteLength(JSON.stringify(outcomes)) <= budget ? outcomes : null;
}

/** The waves of a closing run: a wave still RUNNING takes the status its groups' outcomes give. */
export function closedWaves(run: RunRecord, progress: GroupProgress[]): RunRecord["waves"] {
  return run.waves.map((w) => {
    const outcomes = progress.filter((p) => w.groups.includes(p.name)).map((p) => p.outcome);
    return w.status === "RUNNING" ? { ...w, status: waveStatusOf(outcomes) } : w;
  });
}

/** Groups whose lock the run may hold: every group it planned or touched. */
export function groupsOfRun(run: RunRecord, progress: GroupProgress[]): string[] {
  return [...new Set([...run.waves.flatMap((w) => w.groups), ...progress.map((p) => p.name)])];
}

/** Releases every lock the run holds (a lock another run holds is left alone), 25 at a time. */
export async function releaseRunLocks(deps: FunctionDeps, runId: string, groups: string[]): Promise<void> {
  for (let i = 0; i < groups.length; i += 25) {
    await Promise.all(groups.slice(i, i + 25).map((group) => deps.ledger.releaseLock(group, runId)));
  }
}

/**
 * Writes the closing of a run onto the record as it is now (an abort that landed meanwhile keeps
 * its note). Should the full write fail (say, an item over DynamoDB's limit), the record is closed
 * anyway without its per-group list: a run never stays RUNNING because its record grew.
 */
export async function writeClosedRun(
  deps: FunctionDeps,
  runId: string,
  closing: Pick<RunRecord, "status" | "reason" | "endedAt" | "waves" | "halt" | "groupOutcomes">,
  options: { replaceHalt?: boolean } = {},
): Promise<void> {
  const apply = (groupOutcomes: RunRecord["groupOutcomes"]) =>
    deps.ledger.updateRun(runId, (latest) => ({
      ...latest,
      halt: options.replaceHalt ? closing.halt : (latest.halt ?? closing.halt),
      status: closing.status,
      reason: boundedReason(closing.reason),
      endedAt: closing.endedAt,
      waves: closing.waves,
      groupOutcomes,
    }));
  try {
    await apply(closing.groupOutcomes);
  } catch (error) {
    deps.logger.warn("closing the run record in full failed; closing it without its group list", {
      runId,
      error: (error as Error).message,
    });
    await apply(null);
  }
}
