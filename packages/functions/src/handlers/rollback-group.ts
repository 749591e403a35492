import { pollAfterSeconds } from "@fleet-upgrade/core";
import { ACTIVE_REFRESH, alarmsOf, expectedToNextStop } from "../group-support";
import { lambdaHandler, type Task } from "../lambda";
import { type GroupState, GroupStateSchema } from "../state";
import { loadRun } from "./run-request";

/**
 * A regression: stop later waves and revert the group. While its refresh runs: RollbackInstanceRefresh.
 * After it succeeded: a reverse refresh to the recorded previous launch template version.
 */
export const rollbackGroupTask: Task<unknown, GroupState> = async (event, deps) => {
  const state = GroupStateSchema.parse(event);
  const { request } = await loadRun(deps, state.runId);
  const group = await deps.ledger.getGroup(state.runId, state.group);
  const verdict = state.health?.verdict ?? "health check failed";
  const why = `group ${state.group}: ${verdict}`;
  await deps.ledger.updateRun(state.runId, (r) => ({
    ...r,
    halt: r.halt ?? { status: "ROLLED_BACK", reason: why },
  }));
  let progress = await deps.ledger.getProgress(state.runId, state.group);
  const refreshes = await deps.rollout.describeRefreshes(state.group);
  const active = refreshes.find((r) => ACTIVE_REFRESH.has(r.status));
  let refreshId: string;
  if (active && progress.instanceRefreshIds.includes(active.instanceRefreshId)) {
    if (active.status === "RollbackInProgress") refreshId = active.instanceRefreshId;
    else refreshId = await deps.rollout.rollbackRefresh(state.group);
  } else if (active) {
    progress = {
      ...progress,
      outcome: "FAILED",
      reason: `${verdict}; a refresh this run did not start holds the group, so it could not be reverted`,
    };
    await deps.ledger.putProgress(state.runId, [progress]);
    return { ...state, phase: "done" };
  } else {
    refreshId = await deps.rollout.startRefresh({
      groupName: state.group,
      launchTemplateId: group.launchTemplate.launchTemplateId,
      version: progress.launchTemplateVersion.from,
      minHealthyPercentage: request.rollout.minHealthyPercentage,
      maxHealthyPercentage: request.rollout.maxHealthyPercentage,
      instanceWarmupSeconds: request.rollout.instanceWarmupSeconds,
      checkpointPercentages: [],
      checkpointDelaySeconds: 0,
      alarmNames: alarmsOf(request, group),
    });
  }
  await deps.ledger.putProgress(state.runId, [
    {
      ...progress,
      reason: `rolled back: ${verdict}`,
      instanceRefreshIds: [...new Set([...progress.instanceRefreshIds, refreshId])],
    },
  ]);
  deps.logger.warn("rolling back", { group: state.group, verdict, instanceRefreshId: refreshId });
  const expected = expectedToNextStop(
    deps,
    { ...request, rollout: { ...request.rollout, checkpoints: [] } },
    group,
    null,
  );
  return {
    ...state,
    phase: "waiting",
    rollingBack: true,
    instanceRefreshId: refreshId,
    pollAfterSeconds: pollAfterSeconds(expected, false),
  };
};

export const handler = lambdaHandler("rollbackGroup", rollbackGroupTask);
