import {
  abortEvent,
  estimateReachedAtMs,
  expectedSecondsFromStart,
  pollAfterSeconds,
} from "@fleet-upgrade/core";
import { groupRollout } from "../runtime/adapters";
import { InstanceRefreshGoneError, RefreshIdMissingError } from "../runtime/errors";
import { type Task, taskHandler } from "../runtime/lambda";
import { expectedToNextStop, pacingOf } from "./shared/group-support";
import { loadRunState } from "./shared/load-run";
import { lookAtRefresh } from "./shared/refresh-look";
import { type GroupState, GroupStateSchema } from "./shared/state";

/** The backstop: the wait timed out (an event was lost or is late), so ask Auto Scaling. */
export const pollRefreshTask: Task<unknown, GroupState> = async (event, deps) => {
  const state = GroupStateSchema.parse(event);
  const refreshId = state.instanceRefreshId;
  if (!refreshId) throw new RefreshIdMissingError(state.group, "polls");
  // The token of the timed-out wait is dead: remove it so no late event tries it.
  await deps.ledger.takeWaitToken(refreshId);
  const { run, request } = await loadRunState(deps, state.runId);
  if (run.abortRequested && !state.rollingBack) {
    return { ...state, timeout: undefined, event: abortEvent(refreshId, run.abortRequested) };
  }
  const group = await deps.ledger.getGroup(state.runId, state.group);
  const look = await lookAtRefresh(deps, state, refreshId, request);
  if (!look) throw new InstanceRefreshGoneError(state.group, refreshId);
  const { refresh, news } = look;
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

export const handler = taskHandler("pollRefresh", pollRefreshTask, { rollout: groupRollout });
