import { abortEvent } from "@fleet-upgrade/core";
import type { FunctionDeps } from "./deps";

/** The key an approval wait files its task token under. */
export const approvalKey = (runId: string) => `APPROVAL#${runId}`;

/** An operator's request that does not fit the run's state (unknown run, nothing to approve). */
export class OperatorRequestError extends Error {
  override readonly name = "OperatorRequestError";
  constructor(
    message: string,
    readonly code: "RunNotFound" | "RunNotWaiting" | "RunEnded",
  ) {
    super(message);
  }
}

/**
 * Resumes a run waiting for approval between waves. The status API and the simulated operator
 * call this same function.
 */
export async function approveRun(
  deps: FunctionDeps,
  runId: string,
): Promise<{ runId: string; status: string }> {
  const run = await deps.ledger.getRun(runId);
  if (!run) throw new OperatorRequestError(`run ${runId} does not exist`, "RunNotFound");
  const token = await deps.ledger.takeWaitToken(approvalKey(runId));
  if (!token) {
    throw new OperatorRequestError(
      `run ${runId} is ${run.status}, not waiting for an approval`,
      "RunNotWaiting",
    );
  }
  await deps.ledger.updateRun(runId, (r) => ({ ...r, status: "RUNNING" }));
  await deps.resumer.succeed(token.token, { decision: "approve" });
  deps.logger.info("run approved", { runId });
  return { runId, status: "RUNNING" };
}

/**
 * Aborts a run: no new group starts (the halt is recorded first), every refresh in progress is
 * rolled back (each waiting group is woken with an abort), a pending approval is answered. The run
 * ends ABORTED once its groups have settled.
 */
export async function abortRun(
  deps: FunctionDeps,
  runId: string,
  reason: string,
): Promise<{ runId: string; status: string; rollingBack: string[] }> {
  const run = await deps.ledger.getRun(runId);
  if (!run) throw new OperatorRequestError(`run ${runId} does not exist`, "RunNotFound");
  if (run.endedAt !== null) {
    throw new OperatorRequestError(`run ${runId} already ended ${run.status}; nothing to abort`, "RunEnded");
  }
  const why = `aborted by an operator: ${reason}`;
  // A regression already halted the run keeps its halt (and its rollback scope); the abort is
  // recorded beside it.
  await deps.ledger.updateRun(runId, (r) => ({
    ...r,
    abortRequested: why,
    halt: r.halt ?? { status: "ABORTED", reason: why },
  }));
  const rollingBack: string[] = [];
  for (const group of await deps.ledger.listProgress(runId)) {
    const refreshId = group.instanceRefreshIds.at(-1);
    if (group.outcome !== "RUNNING" || !refreshId) continue;
    const token = await deps.ledger.takeWaitToken(refreshId);
    if (token) await deps.resumer.succeed(token.token, abortEvent(refreshId, why));
    rollingBack.push(group.name);
  }
  const approval = await deps.ledger.takeWaitToken(approvalKey(runId));
  if (approval) await deps.resumer.succeed(approval.token, { decision: "abort" });
  deps.logger.warn("run aborted", { runId, reason, rollingBack });
  return { runId, status: "ABORTED", rollingBack };
}
