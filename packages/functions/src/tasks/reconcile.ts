import {
  type GroupProgress,
  isErrorNamed,
  newRunRecord,
  RunRequestSchema,
  type RunStatus,
} from "@fleet-upgrade/core";
import { z } from "zod";
import { emfMetrics, groupRollout, snsNotifier } from "../runtime/adapters";
import type { FunctionDeps } from "../runtime/deps";
import { type Task, taskHandler } from "../runtime/lambda";
import { recordGroupEnded } from "../runtime/metrics";
import {
  boundedGroupOutcomes,
  boundedReason,
  closedWaves,
  groupsOfRun,
  releaseRunLocks,
  writeClosedRun,
} from "./shared/close-run";
import { ACTIVE_REFRESH } from "./shared/group-support";
import { notify } from "./shared/notify";
import { ErrorOutputSchema, errorMessageOf } from "./shared/state";

/** Seconds between two looks at the refreshes the reconcile path rolls back. */
export const RECONCILE_LOOK_SECONDS = 30;

const ExecutionStatusSchema = z.enum(["FAILED", "TIMED_OUT", "ABORTED"]);
type EndedStatus = z.infer<typeof ExecutionStatusSchema>;

/** The loop's own state: what the first look was given, carried from one look to the next. */
const ReconcileStateSchema = z.looseObject({
  runId: z.string().min(1),
  executionStatus: ExecutionStatusSchema,
  error: ErrorOutputSchema.nullish(),
});

/**
 * EventBridge's "Step Functions Execution Status Change" event, as the rule passes it: the run id
 * is the execution's name. https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html
 */
const StatusChangeEventSchema = z.object({
  detail: z.object({
    name: z.string().min(1),
    status: ExecutionStatusSchema,
    error: z.string().nullish(),
    cause: z.string().nullish(),
  }),
});

const InputSchema = z.union([
  StatusChangeEventSchema.transform(({ detail }) => ({
    runId: detail.name,
    executionStatus: detail.status,
    error: detail.error ? { Error: detail.error, ...(detail.cause ? { Cause: detail.cause } : {}) } : null,
  })),
  ReconcileStateSchema,
]);

export interface ReconcileOutput {
  runId: string;
  executionStatus: EndedStatus;
  error: z.infer<typeof ErrorOutputSchema> | null;
  /** True once nothing of the run runs any more and its record is closed. */
  done: boolean;
  waitSeconds: number;
  status: RunStatus | null;
  reason: string;
}

/** Record statuses that tell the truth about an execution that ended so. */
const CONSISTENT: Record<EndedStatus, RunStatus[]> = {
  ABORTED: ["ABORTED"],
  FAILED: ["FAILED", "ROLLED_BACK", "ABORTED"],
  TIMED_OUT: ["FAILED", "ROLLED_BACK", "ABORTED"],
};

/** What ended the execution, in words for the run's reason. */
function whatHappened(
  status: EndedStatus,
  error: z.infer<typeof ErrorOutputSchema> | null | undefined,
): string {
  if (status === "ABORTED") return "the execution was stopped (StopExecution) before the run finished";
  if (status === "TIMED_OUT") return "the execution timed out before the run finished";
  return error ? `${error.Error}: ${errorMessageOf(error)}` : "the execution failed before the run finished";
}

/**
 * Rolls back the refreshes of the run still in progress (RollbackInstanceRefresh; cancel when a
 * rollback is impossible). A revert of the run's own (a refresh back to the recorded previous
 * version), a rollback or a cancel already under way is left to end. Returns the groups whose
 * refresh still runs.
 */
async function stopRefreshes(deps: FunctionDeps, progress: GroupProgress[]): Promise<string[]> {
  const running: string[] = [];
  for (const group of progress) {
    if (group.instanceRefreshIds.length === 0) continue;
    const refreshes = await deps.rollout.describeRefreshes(group.name);
    const active = refreshes.find((r) => ACTIVE_REFRESH.has(r.status));
    // A refresh the run did not start is not the run's to stop.
    if (!active || !group.instanceRefreshIds.includes(active.instanceRefreshId)) continue;
    running.push(group.name);
    const reversing = active.desiredVersion === String(group.launchTemplateVersion.from);
    if (reversing || active.status === "RollbackInProgress" || active.status === "Cancelling") continue;
    try {
      await deps.rollout.rollbackRefresh(group.name);
      deps.logger.warn("reconcile: rolling back a refresh the run left running", {
        group: group.name,
        instanceRefreshId: active.instanceRefreshId,
      });
    } catch (error) {
      if (isErrorNamed(error, "ActiveInstanceRefreshNotFoundFault")) continue;
      if (!isErrorNamed(error, "IrreversibleInstanceRefreshFault")) throw error;
      await deps.rollout.cancelRefresh(group.name);
      deps.logger.warn("reconcile: the refresh cannot be rolled back; cancelled", { group: group.name });
    }
  }
  return running;
}

/** How a group the run left RUNNING ended, from its last refresh (never UPGRADED: nobody judged it). */
async function settle(deps: FunctionDeps, group: GroupProgress, why: string): Promise<GroupProgress> {
  const ids = group.instanceRefreshIds;
  const [last] = ids.length > 0 ? await deps.rollout.describeRefreshes(group.name, ids) : [];
  const from = String(group.launchTemplateVersion.from);
  const prefix = `the run ended (${why})`;
  if (!last) {
    return { ...group, outcome: "FAILED", reason: `${prefix} before its refresh started: check the group` };
  }
  const reverted =
    last.status === "RollbackSuccessful" || (last.status === "Successful" && last.desiredVersion === from);
  if (reverted) {
    return { ...group, outcome: "ROLLED_BACK", reason: `${prefix}; its refresh was rolled back` };
  }
  const detail =
    last.status === "Successful"
      ? "its refresh finished, but the run ended before it judged the new instances"
      : last.status === "Cancelled"
        ? "its refresh could not be rolled back and was cancelled part-way"
        : `its refresh ended ${last.status}${last.statusReason ? `: ${last.statusReason}` : ""}`;
  return { ...group, outcome: "FAILED", reason: `${prefix}; ${detail}: check the group` };
}

/** The run's closing notice. */
function notifyFinished(deps: FunctionDeps, runId: string, status: RunStatus, reason: string) {
  return notify(deps, {
    type: "RunFinished",
    runId,
    status,
    wave: null,
    group: null,
    summary: `run ${runId} ${status}: ${reason}`,
  });
}

/**
 * The reconcile path (DESIGN step 9), one look at a time: when an execution ended outside Finish
 * (console stop, timeout, an uncaught failure), roll back the run's refreshes still in progress and
 * answer `done: false` until they ended; then settle the groups left RUNNING, release the run's
 * locks, close the record (ABORTED for a stop, FAILED otherwise) and notify. Idempotent: a run
 * already closed with nothing running is left as it is.
 */
export const reconcileTask: Task<unknown, ReconcileOutput> = async (event, deps) => {
  const { runId, executionStatus, error } = InputSchema.parse(event);
  const why = boundedReason(whatHappened(executionStatus, error));
  const status: RunStatus = executionStatus === "ABORTED" ? "ABORTED" : "FAILED";
  const base = { runId, executionStatus, error: error ?? null, waitSeconds: RECONCILE_LOOK_SECONDS };
  const now = deps.now().toISOString();
  const existing = await deps.ledger.getRun(runId);
  if (!existing) {
    await deps.ledger.putRun(
      newRunRecord({
        runId,
        status,
        reason: why,
        request: null,
        startedAt: now,
        endedAt: now,
        halt: { status, reason: why },
      }),
    );
    await notifyFinished(deps, runId, status, why);
    return { ...base, done: true, status, reason: why };
  }
  let progress = await deps.ledger.listProgress(runId);
  const running = await stopRefreshes(deps, progress);
  if (running.length > 0) {
    return {
      ...base,
      done: false,
      status: existing.status,
      reason: `waiting for the refreshes of ${running.length} group(s) to roll back: ${running.slice(0, 10).join(", ")}`,
    };
  }
  const left = progress.filter((p) => p.outcome === "RUNNING");
  if (left.length > 0) {
    const settled = await Promise.all(left.map((p) => settle(deps, p, why)));
    await deps.ledger.putProgress(runId, settled);
    for (const group of settled) recordGroupEnded(deps.metricsSink, group, deps.now());
    progress = progress.map((p) => settled.find((s) => s.name === p.name) ?? p);
  }
  await releaseRunLocks(deps, runId, groupsOfRun(existing, progress));
  if (existing.endedAt !== null && CONSISTENT[executionStatus].includes(existing.status)) {
    // Closed already (by Finish, or an earlier reconcile) as the execution ended: its status stands.
    return { ...base, done: true, status: existing.status, reason: existing.reason };
  }
  const rolledBack = left.filter((p) => progress.find((q) => q.name === p.name)?.outcome === "ROLLED_BACK");
  // A record Finish closed before the execution failed or was stopped after all: the record
  // follows the execution, and its reason keeps what the run had achieved.
  const earlier =
    existing.endedAt !== null ? `, after the run had ended ${existing.status}: ${existing.reason}` : "";
  const reason = boundedReason(
    `${why}${earlier}${rolledBack.length > 0 ? `; rolled back ${rolledBack.length} group(s) it left running` : ""}`,
  );
  const halt = { status, reason } as const;
  const closing = {
    ...existing,
    halt: existing.halt ?? halt,
    status,
    reason,
    endedAt: existing.endedAt ?? now,
    waves: closedWaves(existing, progress),
  };
  const request = RunRequestSchema.safeParse(existing.request);
  let groupOutcomes = null;
  if (request.success) {
    try {
      groupOutcomes = boundedGroupOutcomes(closing, request.data, progress);
    } catch (problem) {
      deps.logger.warn("reconcile: no group list for the record", { error: (problem as Error).message });
    }
  }
  // The record's reason says what ended the execution, whatever an earlier halt said.
  await writeClosedRun(deps, runId, { ...closing, halt, groupOutcomes }, { replaceHalt: true });
  deps.logger.warn("run reconciled", { runId, status, reason });
  await notifyFinished(deps, runId, status, reason);
  return { ...base, done: true, status, reason };
};

export const handler = taskHandler("reconcile", reconcileTask, {
  rollout: groupRollout,
  notifier: snsNotifier,
  metricsSink: emfMetrics,
});
