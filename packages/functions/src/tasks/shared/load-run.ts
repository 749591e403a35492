import { type RunRecord, type RunRequest, RunRequestSchema } from "@fleet-upgrade/core";
import type { FunctionDeps } from "../../runtime/deps";
import { RunNotFoundError } from "../../runtime/errors";

/** The run's record and its effective request; a run the ledger does not know is an error. */
export async function loadRun(
  deps: FunctionDeps,
  runId: string,
): Promise<{ run: RunRecord; request: RunRequest }> {
  const run = await deps.ledger.getRun(runId);
  if (!run) throw new RunNotFoundError(runId);
  return { run, request: RunRequestSchema.parse(run.request) };
}
