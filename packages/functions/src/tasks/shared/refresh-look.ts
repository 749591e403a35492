import { type RunRequest, refreshEventFromState } from "@fleet-upgrade/core";
import type { FunctionDeps } from "../../runtime/deps";
import type { GroupState } from "./state";

/**
 * One look at a group's instance refresh, shared by the wait (right after filing its token) and the
 * polling backstop: notes how far a forward refresh got, for live progress, and says what the refresh's
 * state means for the wait. Undefined when Auto Scaling no longer knows the refresh.
 */
export async function lookAtRefresh(
  deps: FunctionDeps,
  state: GroupState,
  refreshId: string,
  request: RunRequest,
) {
  const progress = await deps.ledger.getProgress(state.runId, state.group);
  const [refresh] = await deps.rollout.describeRefreshes(state.group, [refreshId]);
  if (!refresh) return undefined;
  if (!state.rollingBack)
    await deps.ledger.notePercentReplaced(state.runId, state.group, refreshId, refresh.percentageComplete);
  const news = refreshEventFromState(
    refresh,
    request.rollout.checkpoints,
    progress.checkpointsEvaluated,
    state.rollingBack === true,
  );
  return { refresh, news };
}
