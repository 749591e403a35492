import {
  CALLS_PER_INVOCATION,
  FIRST_READINESS_CURSOR,
  judgeChunkCalls,
  judgeChunkSize,
  judgeRun,
  PLAN_PHASE_CALLS,
  planWaves,
  type ReadinessCursor,
  ReadinessCursorSchema,
  type ReadinessScanPage,
  RunNotReadyError,
  SCAN_PAGE_CALLS,
} from "@fleet-upgrade/core";
import { z } from "zod";
import { readinessReader } from "../runtime/adapters";
import { type Task, taskHandler } from "../runtime/lambda";
import { loadRun } from "./shared/load-run";
import { judgeStep, scanStep } from "./shared/readiness-steps";
import { type RunState, RunStateSchema } from "./shared/state";

const InputSchema = RunStateSchema.extend({
  /** Where the previous page stopped; absent on the first. */
  cursor: ReadinessCursorSchema.optional(),
  /** The previous page's answer; never passed on. */
  done: z.boolean().optional(),
});

type Output = (RunState & { done: false; cursor: ReadinessCursor }) | (RunState & { blocked: number });

/**
 * The preflight (CONTRACTS.md section 2), before the image bake so a doomed run costs nothing: judges
 * every targeted group (read-only) and the plan, one readiness item per group in the ledger. Works in
 * pages (see readiness-pages.ts): while it answers `done: false`, the state machine calls it again
 * with its answer. The last page throws RunNotReadyError (the run FAILS before any change) when an
 * alarm named by the request does not exist or the first wave is empty; BLOCKED groups are left for
 * the plan step, which marks them SKIPPED and never touches them.
 */
export const readinessTask: Task<unknown, Output> = async (event, deps) => {
  const { cursor: from, done: _done, ...state } = InputSchema.parse(event);
  const budget = deps.settings.callsPerInvocation ?? CALLS_PER_INVOCATION;
  const { request } = await loadRun(deps, state.runId);
  let spent = 1;
  let cursor = from ?? FIRST_READINESS_CURSOR;
  let scans: ReadinessScanPage[] | null = null;
  // Phases follow one another within an invocation while its budget lasts: a small fleet takes one.
  for (let worked = false; ; worked = true) {
    if (cursor.phase === "scan") {
      if (worked && spent + SCAN_PAGE_CALLS > budget) break;
      cursor = await scanStep(deps, state.runId, request, cursor);
      spent += SCAN_PAGE_CALLS;
    } else if (cursor.phase === "judge") {
      if (scans === null) {
        if (worked && spent + 1 + judgeChunkCalls(1) > budget) break;
        scans = await deps.ledger.listReadinessScans(state.runId);
        spent += 1;
      }
      const fits = judgeChunkSize(budget - spent);
      if (fits === 0 && worked) break;
      const step = await judgeStep(deps, {
        runId: state.runId,
        request,
        scans,
        cursor,
        count: Math.max(1, fits),
      });
      cursor = step.cursor;
      spent += judgeChunkCalls(step.judged);
    } else {
      if (worked && spent + PLAN_PHASE_CALLS > budget) break;
      const plannable = await deps.ledger.listReadinessPlannable(state.runId);
      const run = judgeRun({
        missingRequestAlarms: cursor.missingRequestAlarms,
        plan: {
          waves: request.rollout.waves,
          plan: planWaves(plannable, request.rollout.waves),
          groups: plannable,
          allowEmptyFirstWave: request.rollout.allowEmptyFirstWave,
        },
      });
      await deps.ledger.putRunReadiness(state.runId, run.readiness);
      deps.logger.info("readiness judged", {
        blocked: cursor.blocked,
        warn: cursor.warn,
        refusal: run.refusal,
      });
      if (run.refusal !== null) throw new RunNotReadyError(run.refusal);
      return { ...state, blocked: cursor.blocked };
    }
  }
  return { ...state, done: false, cursor };
};

export const handler = taskHandler("readiness", readinessTask, { readiness: readinessReader });
