import {
  expectedSecondsFromStart,
  type GroupProgress,
  onExpectedPace,
  pollAfterSeconds,
  splitByVersion,
} from "@fleet-upgrade/core";
import { groupRollout, healthMonitor, metricReader } from "../runtime/adapters";
import { type Task, taskHandler } from "../runtime/lambda";
import { expectedToNextStop, pacingOf } from "./shared/group-support";
import {
  analysisWaitSeconds,
  checkGroupHealth,
  failedClosed,
  HEALTH_CALLS,
  judgeRegression,
  read,
} from "./shared/health-support";
import { loadRunState } from "./shared/load-run";
import { type GroupState, GroupStateSchema } from "./shared/state";

/**
 * At a checkpoint: judge the new instances before the refresh goes on. First the health checks
 * (alarms, targets, Auto Scaling, SSM) as the checkpoint is reached; then, with `health.analysis`
 * on, the regression judge: the new instances have no samples yet, so the task asks to be called
 * again near the end of the checkpoint's delay (`analysisWait`) and judges them then against the
 * old instances over the same minutes. A FAIL rolls the group back like any regression.
 */
export const evaluateHealthTask: Task<unknown, GroupState> = async (event, deps) => {
  const state = GroupStateSchema.parse(event);
  const { run, request } = await loadRunState(deps, state.runId);
  const group = await deps.ledger.getGroup(state.runId, state.group);
  const checkpoint = state.event?.checkpoint ?? null;
  const pending =
    state.analysisWait && state.analysisWait.checkpoint === checkpoint && state.analysisWait.waitSeconds > 0
      ? state.analysisWait
      : null;
  const now = deps.now();
  const delay = request.rollout.checkpointDelaySeconds;
  const expected = expectedToNextStop(deps, request, group, checkpoint);
  // A checkpoint a poll found late was reached before now: its pause, and the judge's window, began then.
  const reachedAt = pending ? pending.from : (state.event?.reachedAt ?? now.toISOString());
  const waited = Math.max(0, Math.floor((now.getTime() - Date.parse(reachedAt)) / 1000));
  const next = (
    health: GroupState["health"],
    analysisWait: GroupState["analysisWait"],
    progress?: GroupProgress,
  ): GroupState => ({
    ...state,
    health,
    analysisWait,
    lastCheckpoint: checkpoint,
    pollAfterSeconds: pollAfterSeconds(
      Math.max(0, expected - waited),
      false,
      delay,
      progress !== undefined &&
        onExpectedPace({
          startedAt: progress.refreshStartedAt,
          reachedAt,
          expectedSecondsFromStart: expectedSecondsFromStart(
            pacingOf(deps, request, group),
            request.rollout,
            checkpoint,
          ),
        }),
    ),
  });

  if (pending) {
    // The second look at this checkpoint: the regression judge over the delay so far.
    const progress = await deps.ledger.getProgress(state.runId, state.group);
    const done = { ...pending, waitSeconds: 0 };
    if (run.abortRequested) return next({ healthy: false, verdict: run.abortRequested }, done);
    const version = progress.launchTemplateVersion.to;
    let split: { canary: string[]; baseline: string[] };
    try {
      const described = await read(HEALTH_CALLS.describeGroup, () => deps.rollout.describeGroup(group.name));
      split = splitByVersion(described?.instances ?? [], version ?? -1);
    } catch (error) {
      return next(failedClosed(error), done);
    }
    const look = await judgeRegression(deps, request, state.runId, state.group, {
      at: `checkpoint ${checkpoint}%`,
      baselineInstanceIds: split.baseline,
      canaryInstanceIds: split.canary,
      window: { from: new Date(pending.from), to: now },
    });
    deps.logger.info("checkpoint judged", { group: state.group, checkpoint, analysis: look.analysis });
    return next({ healthy: look.healthy, verdict: look.verdict }, done, progress);
  }

  const progress = await deps.ledger.updateProgress(state.runId, state.group, (p) => ({
    ...p,
    checkpointsEvaluated: [
      ...new Set([
        ...p.checkpointsEvaluated,
        ...request.rollout.checkpoints.filter((c) => checkpoint !== null && c <= checkpoint),
      ]),
    ],
  }));
  const seen = state.event?.percentage ?? checkpoint;
  if (seen !== null && state.instanceRefreshId)
    await deps.ledger.notePercentReplaced(state.runId, state.group, state.instanceRefreshId, seen);
  const health = run.abortRequested
    ? { healthy: false, verdict: run.abortRequested }
    : await checkGroupHealth(deps, request, group, progress.launchTemplateVersion.to);
  deps.logger.info("checkpoint evaluated", {
    group: state.group,
    checkpoint,
    healthy: health.healthy,
    verdict: health.verdict,
  });
  const wait = analysisWaitSeconds(delay);
  if (health.healthy && request.health.analysis.enabled && checkpoint !== null && wait > 0) {
    return next(health, { checkpoint, from: reachedAt, waitSeconds: Math.max(1, wait - waited) }, progress);
  }
  return next(health, undefined, progress);
};

export const handler = taskHandler("evaluateHealth", evaluateHealthTask, {
  rollout: groupRollout,
  health: healthMonitor,
  metrics: metricReader,
});
