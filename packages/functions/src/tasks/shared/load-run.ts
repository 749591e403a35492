import {
  type RunLedger,
  type RunRecord,
  type RunRequest,
  RunRequestSchema,
  type RunState,
} from "@fleet-upgrade/core";
import type { FunctionDeps } from "../../runtime/deps";
import { RunNotFoundError } from "../../runtime/errors";

/** Runs whose requests one process keeps: a few at once per ledger, the oldest forgotten first. */
const REMEMBERED_RUNS = 16;

/**
 * Effective requests already read, per ledger, by run id and start. A run's request never changes
 * once Validate wrote it, so a warm Lambda may keep it between invocations; the start in the key
 * tells apart two runs given the same id (a simulated run repeated on one ledger).
 */
const requests = new WeakMap<RunLedger, Map<string, RunRequest>>();

function remember(ledger: RunLedger, key: string, request: RunRequest): void {
  let known = requests.get(ledger);
  if (known === undefined) {
    known = new Map();
    requests.set(ledger, known);
  }
  known.delete(key);
  known.set(key, request);
  for (const oldest of known.keys()) {
    if (known.size <= REMEMBERED_RUNS) break;
    known.delete(oldest);
  }
}

/** The run's record and its effective request; a run the ledger does not know is an error. */
export async function loadRun(
  deps: FunctionDeps,
  runId: string,
): Promise<{ run: RunRecord; request: RunRequest }> {
  const run = await deps.ledger.getRun(runId);
  if (!run) throw new RunNotFoundError(runId);
  const request = RunRequestSchema.parse(run.request);
  remember(deps.ledger, `${runId}@${run.startedAt}`, request);
  return { run, request };
}

/**
 * What a group's step reads of its run: the part of the record that changes (halt, abort, target)
 * and the request, which does not. The request is read whole only the first time this process
 * meets the run; later invocations read the small projection alone.
 */
export async function loadRunState(
  deps: FunctionDeps,
  runId: string,
): Promise<{ run: RunState; request: RunRequest }> {
  const run = await deps.ledger.getRunState(runId);
  if (!run) throw new RunNotFoundError(runId);
  const known = requests.get(deps.ledger)?.get(`${runId}@${run.startedAt}`);
  return { run, request: known ?? (await loadRun(deps, runId)).request };
}
