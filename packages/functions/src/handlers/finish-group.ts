import type { GroupProgress } from "@fleet-upgrade/core";
import { lambdaHandler, type Task } from "../lambda";
import { errorMessageOf, GroupStateSchema } from "../state";
import { loadRun } from "./run-request";

/**
 * Records how the group ended. Never silent: a failure names what failed and whether the group
 * may be left part-way, and stops later waves.
 */
export const finishGroupTask: Task<unknown, { group: string; outcome: string }> = async (event, deps) => {
  const state = GroupStateSchema.parse(event);
  const { runId, group: name } = state;
  const progress = await deps.ledger.getProgress(runId, name);
  if (state.phase === "done" && !state.error) return { group: name, outcome: progress.outcome };
  const halt = async (status: "FAILED" | "ROLLED_BACK", reason: string) => {
    await deps.ledger.updateRun(runId, (r) => ({
      ...r,
      halt: r.halt ?? { status, reason: `group ${name}: ${reason}` },
    }));
  };

  let next: GroupProgress;
  if (state.error) {
    const message = errorMessageOf(state.error);
    const partWay = progress.instanceRefreshIds.length > 0;
    const reason = partWay
      ? `${state.error.Error}: ${message}; its refresh ${progress.instanceRefreshIds.at(-1)} may have left it part-way: check the group`
      : `${state.error.Error}: ${message}`;
    next = { ...progress, outcome: "FAILED", reason };
    await halt("FAILED", reason);
  } else if (state.rollingBack) {
    const kind = state.event?.kind;
    if (kind === "rolled-back" || kind === "succeeded") {
      next = { ...progress, outcome: "ROLLED_BACK" };
    } else {
      const reason = `${progress.reason ?? "rollback"}; the rollback ended ${kind}: ${state.event?.reason ?? "no reason given"}`;
      next = { ...progress, outcome: "FAILED", reason };
      await halt("FAILED", reason);
    }
  } else if (state.event?.kind === "succeeded" && state.health?.healthy !== false) {
    next = { ...progress, outcome: "UPGRADED", reason: null };
  } else if (state.event?.kind === "rolled-back") {
    const reason = `the instance refresh rolled itself back (alarm AutoRollback): ${state.event.reason ?? "an alarm fired"}`;
    next = { ...progress, outcome: "ROLLED_BACK", reason };
    await deps.ledger.updateRun(runId, (r) => ({
      ...r,
      halt: r.halt ?? { status: "ROLLED_BACK", reason: `group ${name}: ${reason}` },
    }));
  } else {
    const reason = `the instance refresh ended ${state.event?.kind ?? "unexpectedly"}: ${state.event?.reason ?? "no reason given"}`;
    next = { ...progress, outcome: "FAILED", reason };
    await halt("FAILED", reason);
  }

  const { run } = await loadRun(deps, runId);
  const group = await deps.ledger.getGroup(runId, name);
  if (progress.refreshStartedAt && group.desired > 0) {
    const lowest = await deps.health.minInService(name, new Date(progress.refreshStartedAt), deps.now());
    if (lowest !== null)
      next = { ...next, minHealthyPercentObserved: Math.round((lowest / group.desired) * 1000) / 10 };
  }
  await deps.ledger.putProgress(runId, [next]);
  deps.logger.info("group finished", {
    group: name,
    outcome: next.outcome,
    reason: next.reason,
    run: run.status,
  });
  return { group: name, outcome: next.outcome };
};

export const handler = lambdaHandler("finishGroup", finishGroupTask);
