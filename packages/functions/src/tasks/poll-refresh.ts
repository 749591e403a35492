import {
  abortEvent,
  estimateReachedAtMs,
  expectedSecondsFromStart,
  pollAfterSeconds,
  refreshEventFromState,
} from "@fleet-upgrade/core";
import { lambdaHandler, type Task } from "../runtime/lambda";
import { expectedToNextStop, pacingOf } from "./shared/group-support";
import { loadRun } from "./shared/load-run";
import { type GroupState, GroupStateSchema } from "./shared/state";

/** The backstop: the wait timed out (an event was lost or is late), so ask Auto Scaling. */
export const pollRefreshTask: Task<unknown, GroupState> = async (event, deps) => {
  const state = GroupStateSchema.parse(event);
  const refreshId = state.instanceRefreshId;
  if (!refreshId) throw new Error(`group ${state.group} polls without a refresh id`);
  // The token of the timed-out wait is dead: remove it so no late event tries it.
  await deps.ledger.takeWaitToken(refreshId);
  const { run, request } = await loadRun(deps, state.runId);
  if (run.abortRequested && !state.rollingBack) {
    return { ...state, timeout: undefined, event: abortEvent(refreshId, run.abortRequested) };
  }
  const progress = await deps.ledger.getProgress(state.runId, state.group);
  const group = await deps.ledger.getGroup(state.runId, state.group);
  const [refresh] = await deps.rollout.describeRefreshes(state.group, [refreshId]);
  if (!refresh)
    throw new Error(`instance refresh ${refreshId} of ${state.group} is gone from DescribeInstanceRefreshes`);
  if (!state.rollingBack)
    await deps.ledger.notePercentReplaced(state.runId, state.group, refreshId, refresh.percentageComplete);
  const news = refreshEventFromState(
    refresh,
    request.rollout.checkpoints,
    progress.checkpointsEvaluated,
    state.rollingBack === true,
  );
  if (news.kind === "checkpoint" && state.rollingBack !== true) {
    // Reached some time since the wait began: what follows counts from then, not from this poll.
    const nowMs = deps.now().getTime();
    const reachedAtMs = estimateReachedAtMs({
      startedAtMs: refresh.startTime === null ? null : Date.parse(refresh.startTime),
      expectedSecondsFromStart: expectedSecondsFromStart(
        pacingOf(deps, request, group),
        request.rollout,
        news.checkpoint,
      ),
      previousLookMs: nowMs - (state.pollAfterSeconds ?? 0) * 1000,
      nowMs,
    });
    news.reachedAt = new Date(reachedAtMs).toISOString();
  }
  const expected = expectedToNextStop(deps, request, group, state.lastCheckpoint ?? null);
  return { ...state, timeout: undefined, event: news, pollAfterSeconds: pollAfterSeconds(expected, true) };
};

export const handler = lambdaHandler("pollRefresh", pollRefreshTask);
