import {
  CALLS_PER_INVOCATION,
  FleetUpgradeError,
  newRunRecord,
  pageEnd,
  RunRequestSchema,
  type RunStatus,
  runOutcomeOf,
} from "@fleet-upgrade/core";
import { z } from "zod";
import { snsNotifier } from "../runtime/adapters";
import { type Task, taskHandler } from "../runtime/lambda";
import {
  boundedGroupOutcomes,
  closedWaves,
  groupsOfRun,
  releaseRunLocks,
  writeClosedRun,
} from "./shared/close-run";
import { notify } from "./shared/notify";
import { ErrorOutputSchema, errorMessageOf } from "./shared/state";

const InputSchema = z.object({
  runId: z.string(),
  error: ErrorOutputSchema.optional(),
  /** Where the previous page stopped releasing locks (an index into the run's groups). */
  cursor: z.number().int().nonnegative().optional(),
});

type Output =
  | { runId: string; done: true; status: RunStatus; reason: string }
  | { runId: string; done: false; cursor: number; error?: z.infer<typeof ErrorOutputSchema> };

/** Calls of one page besides the locks: the run and its groups read, the record closed, the notice sent. */
const FINISH_OVERHEAD_CALLS = 10;
/** Releasing a lock reads it, then deletes it only as read. */
const LOCK_RELEASE_CALLS = 2;

/** Finish found groups still running: the run goes to the reconcile path instead of closing. */
export class RunNotSettledError extends FleetUpgradeError {
  override readonly name = "RunNotSettledError";
  constructor(readonly groups: string[]) {
    const shown = groups.slice(0, 10).join(", ");
    super(
      `group${groups.length === 1 ? "" : "s"} ${shown}${groups.length > 10 ? ` and ${groups.length - 10} more` : ""} still ran when the run reached Finish (a failure could not be recorded)`,
    );
  }
}

/**
 * Ends the run: its status and reason, every group accounted for, its group locks released, the
 * record closed in the ledger. With `error` (a failure no retry cured), the run ends FAILED naming
 * it. A group still RUNNING stops it (RunNotSettledError): the reconcile path takes over.
 */
export const finishTask: Task<unknown, Output> = async (event, deps) => {
  const { runId, error, cursor } = InputSchema.parse(event);
  const now = deps.now().toISOString();
  const existing = await deps.ledger.getRun(runId);
  const errorReason = error ? `${error.Error}: ${errorMessageOf(error)}` : null;
  if (!existing) {
    const reason = errorReason ?? "the run ended before it was recorded";
    await deps.ledger.putRun(
      newRunRecord({
        runId,
        status: "FAILED",
        reason,
        request: null,
        startedAt: now,
        endedAt: now,
        halt: { status: "FAILED", reason },
      }),
    );
    await notify(deps, {
      type: "RunFinished",
      runId,
      status: "FAILED",
      wave: null,
      group: null,
      summary: `run ${runId} FAILED: ${reason}`,
    });
    return { runId, done: true, status: "FAILED", reason };
  }
  const request = RunRequestSchema.parse(existing.request);
  const progress = await deps.ledger.listProgress(runId);
  const stillRunning = progress.filter((p) => p.outcome === "RUNNING");
  if (stillRunning.length > 0) {
    // A group whose processor could not even record its failure: its refresh may still replace
    // instances. Never close such a run here: the reconcile path rolls it back, waits, closes.
    throw new RunNotSettledError(stillRunning.map((p) => p.name));
  }
  // The locks in pages, so no invocation grows with the fleet; the record closes on the last page.
  const groups = groupsOfRun(existing, progress);
  const from = Math.min(cursor ?? 0, groups.length);
  const budget = (deps.settings.callsPerInvocation ?? CALLS_PER_INVOCATION) - FINISH_OVERHEAD_CALLS;
  const end = pageEnd(
    groups.map(() => LOCK_RELEASE_CALLS),
    from,
    budget,
  );
  await releaseRunLocks(deps, runId, groups.slice(from, end));
  if (end < groups.length) return { runId, done: false, cursor: end, ...(error && { error }) };
  const halted = existing.halt ?? (errorReason ? { status: "FAILED" as const, reason: errorReason } : null);
  const outcome = runOutcomeOf({ ...existing, halt: halted }, request, progress);
  const run = {
    ...existing,
    halt: halted,
    status: outcome.status,
    reason: outcome.reason,
    endedAt: now,
    waves: closedWaves(existing, progress),
  };
  await writeClosedRun(deps, runId, { ...run, groupOutcomes: boundedGroupOutcomes(run, request, progress) });
  deps.logger.info("run finished", { status: outcome.status, reason: outcome.reason });
  await notify(deps, {
    type: "RunFinished",
    runId,
    status: outcome.status,
    wave: null,
    group: null,
    summary: `run ${runId} ${outcome.status}: ${outcome.reason}`,
  });
  return { runId, done: true, status: outcome.status, reason: outcome.reason };
};

export const handler = taskHandler("finish", finishTask, { notifier: snsNotifier });
