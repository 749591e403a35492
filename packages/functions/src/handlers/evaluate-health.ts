import { pollAfterSeconds } from "@fleet-upgrade/core";
import { expectedToNextStop } from "../group-support";
import { checkGroupHealth } from "../health-support";
import { lambdaHandler, type Task } from "../lambda";
import { type GroupState, GroupStateSchema } from "../state";
import { loadRun } from "./run-request";

/** At a checkpoint: judge the new instances before the refresh goes on. */
export const evaluateHealthTask: Task<unknown, GroupState> = async (event, deps) => {
  const state = GroupStateSchema.parse(event);
  const { run, request } = await loadRun(deps, state.runId);
  const group = await deps.ledger.getGroup(state.runId, state.group);
  const checkpoint = state.event?.checkpoint ?? null;
  const progress = await deps.ledger.updateProgress(state.runId, state.group, (p) => ({
    ...p,
    checkpointsEvaluated: [
      ...new Set([
        ...p.checkpointsEvaluated,
        ...request.rollout.checkpoints.filter((c) => checkpoint !== null && c <= checkpoint),
      ]),
    ],
  }));
  const health = run.abortRequested
    ? { healthy: false, verdict: run.abortRequested }
    : await checkGroupHealth(deps, request, group, progress.launchTemplateVersion.to);
  deps.logger.info("checkpoint evaluated", {
    group: state.group,
    checkpoint,
    healthy: health.healthy,
    verdict: health.verdict,
  });
  const expected = expectedToNextStop(deps, request, group, checkpoint);
  return {
    ...state,
    health,
    lastCheckpoint: checkpoint,
    pollAfterSeconds: pollAfterSeconds(expected, false, request.rollout.checkpointDelaySeconds),
  };
};

export const handler = lambdaHandler("evaluateHealth", evaluateHealthTask);
