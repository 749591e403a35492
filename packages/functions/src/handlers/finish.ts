import {
  assembleRunResult,
  NO_METRICS,
  newRunRecord,
  RunRequestSchema,
  RunResultSchema,
  type RunStatus,
  runOutcomeOf,
  waveStatusOf,
} from "@fleet-upgrade/core";
import { z } from "zod";
import { lambdaHandler, type Task } from "../lambda";
import { notify } from "../notify";
import { ErrorOutputSchema, errorMessageOf } from "../state";

const InputSchema = z.object({ runId: z.string(), error: ErrorOutputSchema.optional() });

type Output = { runId: string; status: RunStatus; reason: string };

/**
 * Ends the run: its status and reason, every group accounted for, the run result written to the
 * ledger. With `error` (a failure no retry cured), the run ends FAILED naming it.
 */
export const finishTask: Task<unknown, Output> = async (event, deps) => {
  const { runId, error } = InputSchema.parse(event);
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
    return { runId, status: "FAILED", reason };
  }
  const request = RunRequestSchema.parse(existing.request);
  let progress = await deps.ledger.listProgress(runId);
  const stillRunning = progress.filter((p) => p.outcome === "RUNNING");
  if (stillRunning.length > 0) {
    progress = progress.map((p) =>
      p.outcome === "RUNNING"
        ? {
            ...p,
            outcome: "FAILED",
            reason: `the run ended while its refresh ${p.instanceRefreshIds.at(-1) ?? "(none)"} was in progress: check the group`,
          }
        : p,
    );
    await deps.ledger.putProgress(
      runId,
      progress.filter((p) => stillRunning.some((s) => s.name === p.name)),
    );
  }
  const halted = existing.halt ?? (errorReason ? { status: "FAILED" as const, reason: errorReason } : null);
  const outcome = runOutcomeOf({ ...existing, halt: halted }, request, progress);
  const run = {
    ...existing,
    halt: halted,
    status: outcome.status,
    reason: outcome.reason,
    endedAt: now,
    waves: existing.waves.map((w) => {
      const outcomes = progress.filter((p) => w.groups.includes(p.name)).map((p) => p.outcome);
      return w.status === "RUNNING" ? { ...w, status: waveStatusOf(outcomes) } : w;
    }),
  };
  const result = RunResultSchema.parse(assembleRunResult(run, request, progress, NO_METRICS));
  const failing = new Set(["FAILED", "ROLLED_BACK", "SKIPPED"]);
  const groupOutcomes = result.groups.map((g) => ({
    name: g.name,
    outcome: g.outcome,
    reason: failing.has(g.outcome) ? (g.reason ?? null) : null,
  }));
  // Applied to the record as it is now: an abort that landed meanwhile keeps its note.
  await deps.ledger.updateRun(runId, (latest) => ({
    ...latest,
    halt: latest.halt ?? run.halt,
    status: run.status,
    reason: run.reason,
    endedAt: run.endedAt,
    waves: run.waves,
    groupOutcomes,
  }));
  deps.logger.info("run finished", { status: outcome.status, reason: outcome.reason });
  await notify(deps, {
    type: "RunFinished",
    runId,
    status: outcome.status,
    wave: null,
    group: null,
    summary: `run ${runId} ${outcome.status}: ${outcome.reason}`,
  });
  return { runId, status: outcome.status, reason: outcome.reason };
};

export const handler = lambdaHandler("finish", finishTask);
