import type { TaskFunction } from "@fleet-upgrade/workflow";
import type { Task } from "./runtime/lambda";
import { awaitApprovalTask } from "./tasks/await-approval";
import { bakeWaveTask } from "./tasks/bake-wave";
import { endWaveTask } from "./tasks/end-wave";
import { evaluateHealthTask } from "./tasks/evaluate-health";
import { finishTask } from "./tasks/finish";
import { finishGroupTask } from "./tasks/finish-group";
import { hardenStepTask } from "./tasks/harden-step";
import { inventoryTask } from "./tasks/inventory";
import { planTask } from "./tasks/plan";
import { pollRefreshTask } from "./tasks/poll-refresh";
import { readinessTask } from "./tasks/readiness";
import { reconcileTask } from "./tasks/reconcile";
import { rollbackGroupTask } from "./tasks/rollback-group";
import { selectTargetTask } from "./tasks/select-target";
import { startRefreshTask } from "./tasks/start-refresh";
import { startWaveTask } from "./tasks/start-wave";
import { validateTask } from "./tasks/validate";
import { verifyGroupTask } from "./tasks/verify-group";
import { waitForRefreshTask } from "./tasks/wait-for-refresh";
import { refreshEventsTask } from "./triggers/refresh-events";

export * from "./api/answer-cache";
export { createStatusApp, handleStatusRequest, statusAppOf } from "./api/app";
export * from "./api/context";
export * from "./api/http";
export { answerHttpApiEvent, eventBodyBytes, type HttpApiEvent } from "./api/lambda-entry";
export * from "./api/live-text";
export * from "./api/operator";
export * from "./api/routes";
export * from "./api/run-view";
export { canonicalJson, newRunId } from "./api/runs";
export * from "./api/slack";
export * from "./api/views";
export * from "./runtime/deps";
export { lambdaHandler, type Task } from "./runtime/lambda";
export { RunNotSettledError } from "./tasks/finish";
export { RECONCILE_LOOK_SECONDS, type ReconcileOutput } from "./tasks/reconcile";
export * from "./tasks/shared/close-run";
export * from "./tasks/shared/state";

/** The task behind each Task state, by function name (the same keys as the function ARNs). */
export const TASKS: Record<TaskFunction, Task> = {
  validate: validateTask,
  inventory: inventoryTask,
  readiness: readinessTask,
  selectTarget: selectTargetTask,
  hardenStep: hardenStepTask,
  plan: planTask,
  startWave: startWaveTask,
  startRefresh: startRefreshTask,
  waitForRefresh: waitForRefreshTask,
  pollRefresh: pollRefreshTask,
  evaluateHealth: evaluateHealthTask,
  rollbackGroup: rollbackGroupTask,
  verifyGroup: verifyGroupTask,
  finishGroup: finishGroupTask,
  bakeWave: bakeWaveTask,
  endWave: endWaveTask,
  awaitApproval: awaitApprovalTask,
  finish: finishTask,
  reconcile: reconcileTask,
};

/** The function that receives instance-refresh events and resumes waiting tasks. */
export const REFRESH_EVENTS_TASK: Task = refreshEventsTask;
