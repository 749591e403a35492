import {
  abortEvent,
  checkReasonLength,
  type ExecutionView,
  type RunRecord,
  type RunStarter,
} from "@fleet-upgrade/core";
import type { FunctionDeps } from "../runtime/deps";

/** The key an approval wait files its task token under. */
export const approvalKey = (runId: string) => `APPROVAL#${runId}`;

/** An operator's request that does not fit the run's state (unknown run, nothing to approve). */
export class OperatorRequestError extends Error {
  override readonly name = "OperatorRequestError";
  constructor(
    message: string,
    readonly code: "RunNotFound" | "RunNotWaiting" | "RunEnded" | "RunAborting" | "Conflict",
    /** The run's status as recorded when the request was refused. */
    readonly status: RunRecord["status"] | null = null,
  ) {
    super(message);
  }
}

/** Groups woken at once by an abort; the rest wait their turn. */
const WAKE_CONCURRENCY = 16;
/**
 * Real time an abort spends waking groups: well inside the status API's 29 s. Groups not woken by
 * then read the abort themselves at their next status poll (poll-refresh and wait-for-refresh look
 * at `abortRequested`), so the abort is recorded once and no group is missed.
 */
const WAKE_BUDGET_MS = 15_000;

/**
 * Resumes a run waiting for approval between waves. The status API and the simulated operator
 * call this same function. The run record decides a race with an abort: approve changes it from
 * WAITING to RUNNING with a conditional write, so of a concurrent approve and abort exactly one
 * wins and the other is refused (RunAborting / Conflict), changing nothing.
 */
export async function approveRun(
  deps: FunctionDeps,
  runId: string,
): Promise<{ runId: string; status: string }> {
  const run = await deps.ledger.getRun(runId);
  if (!run) throw new OperatorRequestError(`run ${runId} does not exist`, "RunNotFound");
  await deps.ledger.updateRun(runId, (r) => {
    if (r.endedAt !== null)
      throw new OperatorRequestError(
        `run ${runId} already ended ${r.status}; nothing to approve`,
        "RunEnded",
        r.status,
      );
    if (r.abortRequested !== null)
      throw new OperatorRequestError(
        `run ${runId} is being aborted (${r.abortRequested}); nothing to approve`,
        "RunAborting",
        r.status,
      );
    if (r.status !== "WAITING")
      throw new OperatorRequestError(
        `run ${runId} is ${r.status}, not waiting for an approval`,
        "RunNotWaiting",
        r.status,
      );
    return { ...r, status: "RUNNING" };
  });
  const token = await deps.ledger.takeWaitToken(approvalKey(runId));
  if (!token) {
    // The wait is not (or no longer) there: put the record back as it was and refuse.
    const back = await deps.ledger.updateRun(runId, (r) =>
      r.endedAt === null && r.status === "RUNNING" ? { ...r, status: "WAITING" } : r,
    );
    throw new OperatorRequestError(
      `run ${runId} has no approval waiting (its wait ended); nothing was approved`,
      "RunNotWaiting",
      back.status,
    );
  }
  await deps.resumer.succeed(token.token, { decision: "approve" });
  deps.logger.info("run approved", { runId });
  return { runId, status: "RUNNING" };
}

/**
 * Aborts a run: no new group starts (the halt is recorded first, once), every refresh in progress is
 * rolled back (each waiting group is woken with an abort, within a time budget; the others read the
 * abort at their next poll), a pending approval is answered. The run ends ABORTED once its groups
 * have settled. `actor` (e.g. "Slack user U1") is recorded beside the reason, which is at most 500
 * characters. A second abort, or an abort racing an approval that won, is refused and changes nothing.
 */
export async function abortRun(
  deps: FunctionDeps,
  runId: string,
  reason: string,
  actor: string | null = null,
  wakeBudgetMs = WAKE_BUDGET_MS,
): Promise<{ runId: string; status: string; rollingBack: string[]; rollingBackAtNextPoll: string[] }> {
  checkReasonLength("reason", reason);
  const run = await deps.ledger.getRun(runId);
  if (!run) throw new OperatorRequestError(`run ${runId} does not exist`, "RunNotFound");
  if (run.endedAt !== null) {
    throw new OperatorRequestError(
      `run ${runId} already ended ${run.status}; nothing to abort`,
      "RunEnded",
      run.status,
    );
  }
  const why = `aborted by an operator: ${reason}${actor === null ? "" : ` — by ${actor}`}`;
  const sawWaiting = run.status === "WAITING";
  // A regression already halted the run keeps its halt (and its rollback scope); the abort is
  // recorded beside it.
  await deps.ledger.updateRun(runId, (r) => {
    if (r.endedAt !== null)
      throw new OperatorRequestError(
        `run ${runId} already ended ${r.status}; nothing to abort`,
        "RunEnded",
        r.status,
      );
    if (r.abortRequested !== null)
      throw new OperatorRequestError(
        `run ${runId} is already being aborted (${r.abortRequested})`,
        "RunAborting",
        r.status,
      );
    if (sawWaiting && r.status !== "WAITING")
      throw new OperatorRequestError(
        `run ${runId} was approved while this abort was on its way; it is ${r.status} now: abort again to stop it`,
        "Conflict",
        r.status,
      );
    return { ...r, abortRequested: why, halt: r.halt ?? { status: "ABORTED", reason: why } };
  });
  const running = (await deps.ledger.listProgress(runId)).flatMap((group) => {
    const refreshId = group.instanceRefreshIds.at(-1);
    return group.outcome === "RUNNING" && refreshId ? [{ name: group.name, refreshId }] : [];
  });
  const startedAt = performance.now();
  const rollingBack: string[] = [];
  const atNextPoll: string[] = [];
  let next = 0;
  const wake = async (): Promise<void> => {
    for (let item = running[next++]; item !== undefined; item = running[next++]) {
      if (performance.now() - startedAt > wakeBudgetMs) {
        atNextPoll.push(item.name);
        continue;
      }
      const token = await deps.ledger.takeWaitToken(item.refreshId);
      if (token) await deps.resumer.succeed(token.token, abortEvent(item.refreshId, why));
      rollingBack.push(item.name);
    }
  };
  await Promise.all(Array.from({ length: Math.min(WAKE_CONCURRENCY, running.length) }, wake));
  const approval = await deps.ledger.takeWaitToken(approvalKey(runId));
  if (approval) await deps.resumer.succeed(approval.token, { decision: "abort" });
  deps.logger.warn("run aborted", {
    runId,
    reason,
    rollingBack: rollingBack.length,
    atNextPoll: atNextPoll.length,
  });
  const order = new Map(running.map((g, i) => [g.name, i]));
  const byOrder = (a: string, b: string) => (order.get(a) ?? 0) - (order.get(b) ?? 0);
  return {
    runId,
    status: "ABORTED",
    rollingBack: rollingBack.sort(byOrder),
    rollingBackAtNextPoll: atNextPoll.sort(byOrder),
  };
}

/** How a run ended when its execution ended outside the product's own Finish. */
function statusOfEndedExecution(
  execution: ExecutionView,
  record: RunRecord | undefined,
): RunRecord["status"] {
  if (record?.endedAt) return record.status;
  if (execution.status === "ABORTED") return "ABORTED";
  if (execution.status === "SUCCEEDED") return record?.status ?? "SUCCEEDED";
  return "FAILED";
}

/**
 * Refuses (RunEnded, with the run's real status, changing nothing) an approve or abort of a run whose
 * execution already ended: the ledger may still say RUNNING or WAITING (until the reconciler closes
 * it), but nothing is left to resume. Step Functions' DescribeExecution in AWS; the simulated
 * starter answers the same locally.
 */
async function refuseEndedExecution(
  deps: FunctionDeps,
  starter: RunStarter,
  runId: string,
  verb: "approve" | "abort",
): Promise<void> {
  const execution = await starter.describe(runId);
  if (!execution || execution.status === "RUNNING") return;
  const record = await deps.ledger.getRun(runId);
  const status = statusOfEndedExecution(execution, record);
  throw new OperatorRequestError(
    `run ${runId} cannot ${verb === "approve" ? "be approved" : "be aborted"}: its execution already ended ${execution.status}` +
      (record && record.status !== status ? ` (the ledger still says ${record.status})` : "") +
      `; the run is ${status}`,
    "RunEnded",
    status,
  );
}

/** {@link approveRun}, after checking with Step Functions that the execution still runs. */
export async function approveExecution(
  deps: FunctionDeps,
  starter: RunStarter,
  runId: string,
): Promise<{ runId: string; status: string }> {
  await refuseEndedExecution(deps, starter, runId, "approve");
  return approveRun(deps, runId);
}

export interface AbortOutcome {
  runId: string;
  status: "ABORTED";
  rollingBack: string[];
  rollingBackAtNextPoll: string[];
  /** True when the execution was stopped before it recorded its run (nothing was touched). */
  stopped: boolean;
}

/**
 * Aborts through the ledger ({@link abortRun}). StopExecution is the last resort, used only for an
 * execution that has not recorded its run yet (so nothing of the fleet was touched). An execution
 * that already ended is refused and nothing changes: closing its record is the reconciler's work.
 */
export async function abortExecution(
  deps: FunctionDeps,
  starter: RunStarter,
  runId: string,
  reason: string,
  actor: string | null = null,
  wakeBudgetMs?: number,
): Promise<AbortOutcome> {
  await refuseEndedExecution(deps, starter, runId, "abort");
  try {
    return {
      ...(await abortRun(deps, runId, reason, actor, wakeBudgetMs)),
      status: "ABORTED",
      stopped: false,
    };
  } catch (error) {
    if (!(error instanceof OperatorRequestError && error.code === "RunNotFound")) throw error;
    const execution = await starter.describe(runId);
    if (execution?.status !== "RUNNING") throw error;
    await starter.stop(runId, `aborted by an operator: ${reason}`);
    deps.logger.warn("execution stopped before it recorded its run", { runId, reason });
    return { runId, status: "ABORTED", rollingBack: [], rollingBackAtNextPoll: [], stopped: true };
  }
}
