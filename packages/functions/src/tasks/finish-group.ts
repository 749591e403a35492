import { type GroupProgress, isErrorNamed } from "@fleet-upgrade/core";
import { cloudWatchHealth, emfMetrics, groupRollout } from "../runtime/adapters";
import type { FunctionDeps } from "../runtime/deps";
import { type Task, taskHandler } from "../runtime/lambda";
import { recordGroupEnded } from "../runtime/metrics";
import { ACTIVE_REFRESH, isOurs } from "./shared/group-support";
import { describeError, HEALTH_CALLS } from "./shared/health-support";
import { errorMessageOf, type GroupState, GroupStateSchema } from "./shared/state";

/** The refresh's own StatusReason, when the event that ended the wait carried none. */
async function reasonOf(deps: FunctionDeps, state: GroupState): Promise<string> {
  if (state.event?.reason) return state.event.reason;
  if (!state.instanceRefreshId) return "no reason given";
  try {
    const [refresh] = await deps.rollout.describeRefreshes(state.group, [state.instanceRefreshId]);
    return refresh?.statusReason ?? "no reason given";
  } catch (error) {
    return `no reason known (${HEALTH_CALLS.describeRefreshes} failed: ${describeError(error)})`;
  }
}

/**
 * The run stops watching the group because a step failed: a refresh of this run still moving
 * toward the new image must not go on unwatched. Rolls it back (cancels it when it cannot be
 * rolled back) and says what it did. A refresh already rolling back or cancelling is left to end.
 * Throws when it cannot stop the refresh: the state's Retry tries again, and the lock stays with
 * this run until then.
 */
async function stopOurRefresh(
  deps: FunctionDeps,
  state: GroupState,
  progress: GroupProgress,
): Promise<string> {
  const refreshes = await deps.rollout.describeRefreshes(state.group);
  const active = refreshes.find((r) => ACTIVE_REFRESH.has(r.status));
  if (!active || !isOurs(active, progress.launchTemplateVersion.to, progress.instanceRefreshIds)) {
    const last = progress.instanceRefreshIds.at(-1);
    return last
      ? `its refresh ${last} had already ended, so the group may run the new version ${progress.launchTemplateVersion.to}: check the group`
      : "no refresh of this run was in progress";
  }
  if (state.rollingBack || active.status === "RollbackInProgress" || active.status === "Cancelling") {
    return `its refresh ${active.instanceRefreshId} was already ${active.status === "Cancelling" ? "cancelling" : "rolling back"}; it was left to end`;
  }
  try {
    await deps.rollout.rollbackRefresh(state.group);
    return `its refresh ${active.instanceRefreshId} was rolled back (RollbackInstanceRefresh), so the group returns to version ${progress.launchTemplateVersion.from}; check that the rollback ends`;
  } catch (error) {
    if (isErrorNamed(error, "ActiveInstanceRefreshNotFoundFault"))
      return `its refresh ${active.instanceRefreshId} ended before it could be rolled back: check the group`;
    if (!isErrorNamed(error, "IrreversibleInstanceRefreshFault")) throw error;
  }
  await deps.rollout.cancelRefresh(state.group);
  return `its refresh ${active.instanceRefreshId} could not be rolled back, so it was cancelled: instances already replaced keep the new version, check the group`;
}

/**
 * Records how the group ended and releases its lock. Never silent: a failure names what failed and
 * whether the group may be left part-way, and stops later waves; instances left on the old version
 * (standby, say) are named in the group's notes.
 */
export const finishGroupTask: Task<unknown, { group: string; outcome: string }> = async (event, deps) => {
  const state = GroupStateSchema.parse(event);
  const { runId, group: name } = state;
  const progress = await deps.ledger.getProgress(runId, name);
  if (state.phase === "done" && !state.error) {
    await deps.ledger.releaseLock(name, runId);
    return { group: name, outcome: progress.outcome };
  }
  const halt = async (status: "FAILED" | "ROLLED_BACK", reason: string) => {
    await deps.ledger.updateRun(runId, (r) => ({
      ...r,
      halt: r.halt ?? { status, reason: `group ${name}: ${reason}` },
    }));
  };

  let next: GroupProgress;
  const kind = state.event?.kind;
  if (state.error) {
    const message = errorMessageOf(state.error);
    // A refresh whose start was never recorded (the task died after StartInstanceRefresh) is still
    // recognised by its desired version, so it is looked for once a version was made.
    const mayRefresh = progress.instanceRefreshIds.length > 0 || progress.launchTemplateVersion.to !== null;
    const stopped = mayRefresh ? await stopOurRefresh(deps, state, progress) : null;
    const reason = stopped
      ? `${state.error.Error}: ${message}; ${stopped}`
      : `${state.error.Error}: ${message}`;
    next = { ...progress, outcome: "FAILED", reason };
    await halt("FAILED", reason);
  } else if (state.rollingBack) {
    let described: Awaited<ReturnType<FunctionDeps["rollout"]["describeGroup"]>> = null;
    let unchecked: string | null = null;
    if (kind === "rolled-back" || kind === "succeeded") {
      try {
        described = await deps.rollout.describeGroup(name);
      } catch (error) {
        unchecked = `${HEALTH_CALLS.describeGroup} failed (${describeError(error)})`;
      }
    }
    const to = String(progress.launchTemplateVersion.to);
    const stillNew = (described?.instances ?? []).filter(
      (i) => i.launchTemplateVersion === to && i.lifecycleState !== "Terminating",
    );
    if ((kind === "rolled-back" || kind === "succeeded") && stillNew.length === 0) {
      next = { ...progress, outcome: "ROLLED_BACK" };
      if (unchecked)
        next.notes = [
          ...next.notes,
          `the rollback ended ${kind}, but no instance could be checked for the new version: ${unchecked}`,
        ];
    } else if (kind === "rolled-back" || kind === "succeeded") {
      const ids = stillNew.map((i) => i.instanceId).join(", ");
      const reason = `${progress.reason ?? "rollback"}; but instances still run the new version ${to}: ${ids}: check the group`;
      next = { ...progress, outcome: "FAILED", reason };
      await halt("FAILED", reason);
    } else {
      const reason = `${progress.reason ?? "rollback"}; the rollback ended ${kind}: ${await reasonOf(deps, state)}`;
      next = { ...progress, outcome: "FAILED", reason };
      await halt("FAILED", reason);
    }
  } else if (kind === "succeeded" && state.health?.healthy !== false) {
    next = { ...progress, outcome: "UPGRADED", reason: null };
    const to = String(progress.launchTemplateVersion.to);
    let left: { instanceId: string }[] = [];
    try {
      const described = await deps.rollout.describeGroup(name);
      left = (described?.instances ?? []).filter((i) => i.launchTemplateVersion !== to);
    } catch (error) {
      // The refresh succeeded and its health was judged: only the list of stragglers is unknown.
      next.notes = [
        ...next.notes,
        `instances left on the previous version (standby or protected) are unknown: ${HEALTH_CALLS.describeGroup} failed (${describeError(error)})`,
      ];
    }
    if (left.length > 0) {
      const ids = left.map((i) => i.instanceId).join(", ");
      next.notes = [
        ...next.notes,
        `still on the previous version after the refresh (standby or protected): ${ids}`,
      ];
    }
  } else if (kind === "rolled-back") {
    const reason = `the instance refresh rolled itself back: ${await reasonOf(deps, state)}`;
    next = { ...progress, outcome: "ROLLED_BACK", reason };
    await halt("ROLLED_BACK", reason);
  } else {
    // A refresh that succeeded onto instances judged unhealthy is not an upgrade: its verdict says why.
    const reason =
      kind === "succeeded"
        ? `the instance refresh succeeded, but the group was judged unhealthy: ${state.health?.verdict ?? "no verdict given"}`
        : `the instance refresh ended ${kind ?? "unexpectedly"}: ${await reasonOf(deps, state)}`;
    next = { ...progress, outcome: "FAILED", reason };
    await halt("FAILED", reason);
  }

  const group = await deps.ledger.getGroup(runId, name);
  if (progress.refreshStartedAt && group.desired > 0) {
    // A figure for the record, not a judgement: when it cannot be read the outcome stands, the
    // lock is still released, and the notes say why the figure is missing.
    try {
      const lowest = await deps.health.minInService(name, new Date(progress.refreshStartedAt), deps.now());
      if (lowest !== null) {
        next = { ...next, minHealthyPercentObserved: Math.round((lowest / group.desired) * 1000) / 10 };
      }
    } catch (error) {
      next = {
        ...next,
        notes: [
          ...next.notes,
          `lowest in-service share unknown: ${HEALTH_CALLS.minInService} failed (${describeError(error)})`,
        ],
      };
    }
  }
  await deps.ledger.putProgress(runId, [next]);
  await deps.ledger.releaseLock(name, runId);
  recordGroupEnded(deps.metricsSink, next, deps.now());
  deps.logger.info("group finished", { group: name, outcome: next.outcome, reason: next.reason });
  return { group: name, outcome: next.outcome };
};

export const handler = taskHandler("finishGroup", finishGroupTask, {
  rollout: groupRollout,
  health: cloudWatchHealth,
  metricsSink: emfMetrics,
});
