import type { GroupProgress } from "@fleet-upgrade/core";
import type { FunctionDeps } from "../deps";
import { lambdaHandler, type Task } from "../lambda";
import { errorMessageOf, type GroupState, GroupStateSchema } from "../state";

/** The refresh's own StatusReason, when the event that ended the wait carried none. */
async function reasonOf(deps: FunctionDeps, state: GroupState): Promise<string> {
  if (state.event?.reason) return state.event.reason;
  if (!state.instanceRefreshId) return "no reason given";
  const [refresh] = await deps.rollout.describeRefreshes(state.group, [state.instanceRefreshId]);
  return refresh?.statusReason ?? "no reason given";
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
    const refreshId = progress.instanceRefreshIds.at(-1);
    const reason = refreshId
      ? `${state.error.Error}: ${message}; its refresh ${refreshId} may have left it part-way: check the group`
      : `${state.error.Error}: ${message}`;
    next = { ...progress, outcome: "FAILED", reason };
    await halt("FAILED", reason);
  } else if (state.rollingBack) {
    const described =
      kind === "rolled-back" || kind === "succeeded" ? await deps.rollout.describeGroup(name) : null;
    const to = String(progress.launchTemplateVersion.to);
    const stillNew = (described?.instances ?? []).filter(
      (i) => i.launchTemplateVersion === to && i.lifecycleState !== "Terminating",
    );
    if ((kind === "rolled-back" || kind === "succeeded") && stillNew.length === 0) {
      next = { ...progress, outcome: "ROLLED_BACK" };
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
    const described = await deps.rollout.describeGroup(name);
    const to = String(progress.launchTemplateVersion.to);
    const left = (described?.instances ?? []).filter((i) => i.launchTemplateVersion !== to);
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
    const reason = `the instance refresh ended ${kind ?? "unexpectedly"}: ${await reasonOf(deps, state)}`;
    next = { ...progress, outcome: "FAILED", reason };
    await halt("FAILED", reason);
  }

  const group = await deps.ledger.getGroup(runId, name);
  if (progress.refreshStartedAt && group.desired > 0) {
    const lowest = await deps.health.minInService(name, new Date(progress.refreshStartedAt), deps.now());
    if (lowest !== null) {
      next = { ...next, minHealthyPercentObserved: Math.round((lowest / group.desired) * 1000) / 10 };
    }
  }
  await deps.ledger.putProgress(runId, [next]);
  await deps.ledger.releaseLock(name, runId);
  deps.logger.info("group finished", { group: name, outcome: next.outcome, reason: next.reason });
  return { group: name, outcome: next.outcome };
};

export const handler = lambdaHandler("finishGroup", finishGroupTask);
