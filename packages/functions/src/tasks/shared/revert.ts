import { isErrorNamed, pollAfterSeconds, type RunRequest } from "@fleet-upgrade/core";
import type { FunctionDeps } from "../../runtime/deps";
import { ACTIVE_REFRESH, expectedToNextStop } from "./group-support";
import type { GroupState } from "./state";

/**
 * Reverts a group this run changed: while its refresh runs, RollbackInstanceRefresh; when the
 * refresh cannot be rolled back (an image from `resolve:ssm:`), cancel it and reverse afterwards;
 * after it finished, a reverse refresh to the recorded previous launch template version. Returns
 * the state that waits for the revert to finish, or a done state with the group FAILED when a
 * refresh this run did not start holds the group.
 */
export async function revertGroup(
  deps: FunctionDeps,
  request: RunRequest,
  state: GroupState,
  why: string,
): Promise<GroupState> {
  const group = await deps.ledger.getGroup(state.runId, state.group);
  let progress = await deps.ledger.getProgress(state.runId, state.group);
  const from = String(progress.launchTemplateVersion.from);
  const startReverse = () =>
    deps.rollout.startRefresh({
      groupName: state.group,
      launchTemplateId: group.launchTemplate.launchTemplateId,
      version: progress.launchTemplateVersion.from,
      minHealthyPercentage: request.rollout.minHealthyPercentage,
      maxHealthyPercentage: request.rollout.maxHealthyPercentage,
      instanceWarmupSeconds: request.rollout.instanceWarmupSeconds,
      checkpointPercentages: [],
      checkpointDelaySeconds: 0,
      // The way back must not roll itself back to the version that regressed.
      alarmNames: [],
      autoRollback: false,
    });
  const refreshes = await deps.rollout.describeRefreshes(state.group);
  const active = refreshes.find((r) => ACTIVE_REFRESH.has(r.status));
  // A refresh to the recorded previous version is the revert itself (perhaps started by an
  // attempt that died before recording it): wait for it, never roll it back.
  const reversing = active !== undefined && active.desiredVersion === from;
  const ours =
    active !== undefined && (reversing || progress.instanceRefreshIds.includes(active.instanceRefreshId));
  let refreshId: string;
  let cancelling = false;
  if (active && !ours) {
    progress = {
      ...progress,
      outcome: "FAILED",
      reason: `${why}; a refresh this run did not start (${active.instanceRefreshId}) holds the group, so it could not be reverted`,
    };
    await deps.ledger.putProgress(state.runId, [progress]);
    return { ...state, phase: "done" };
  }
  if (active) {
    refreshId = active.instanceRefreshId;
    if (active.status === "Cancelling") cancelling = true;
    else if (!reversing && active.status !== "RollbackInProgress") {
      try {
        refreshId = await deps.rollout.rollbackRefresh(state.group);
      } catch (error) {
        if (isErrorNamed(error, "ActiveInstanceRefreshNotFoundFault")) {
          // The refresh finished between the look and the rollback: reverse it instead.
          refreshId = await startReverse();
        } else if (isErrorNamed(error, "IrreversibleInstanceRefreshFault")) {
          await deps.rollout.cancelRefresh(state.group);
          cancelling = true;
          progress = {
            ...progress,
            notes: [
              ...progress.notes,
              "the refresh could not be rolled back in place: cancelled, then reversed",
            ],
          };
        } else throw error;
      }
    }
  } else {
    refreshId = await startReverse();
  }
  await deps.ledger.putProgress(state.runId, [
    {
      ...progress,
      outcome: "RUNNING",
      reason: `rolled back: ${why}`,
      instanceRefreshIds: [...new Set([...progress.instanceRefreshIds, refreshId])],
    },
  ]);
  deps.logger.warn("reverting group", { group: state.group, why, instanceRefreshId: refreshId, cancelling });
  const noCheckpoints = { ...request, rollout: { ...request.rollout, checkpoints: [] } };
  return {
    ...state,
    phase: "waiting",
    rollingBack: true,
    instanceRefreshId: refreshId,
    event: undefined,
    pollAfterSeconds: pollAfterSeconds(expectedToNextStop(deps, noCheckpoints, group, null), false),
  };
}
