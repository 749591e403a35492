import {
  assembleRunResult,
  NO_METRICS,
  RunRequestSchema,
  type RunResult,
  RunResultSchema,
} from "@fleet-upgrade/core";
import type { FunctionDeps } from "./deps";

/**
 * The run result as it stands, assembled from the run's record and its group items: final once
 * the run ended, live before (status RUNNING or WAITING, groups as far as they got). Undefined for an unknown run and
 * for a run whose request was refused (it has no request to show).
 */
export async function readRunResult(deps: FunctionDeps, runId: string): Promise<RunResult | undefined> {
  const run = await deps.ledger.getRun(runId);
  if (!run) return undefined;
  const request = RunRequestSchema.safeParse(run.request);
  if (!request.success) return undefined;
  const progress = await deps.ledger.listProgress(runId);
  const reason =
    run.halt?.reason ??
    (run.status === "WAITING" ? "waiting for an approval to start the next wave" : run.reason);
  return RunResultSchema.parse(assembleRunResult({ ...run, reason }, request.data, progress, NO_METRICS));
}
