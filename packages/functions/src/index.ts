import type { TaskFunction } from "@fleet-upgrade/workflow";
import { awaitApprovalTask } from "./handlers/await-approval";
import { bakeWaveTask } from "./handlers/bake-wave";
import { endWaveTask } from "./handlers/end-wave";
import { evaluateHealthTask } from "./handlers/evaluate-health";
import { finishTask } from "./handlers/finish";
import { finishGroupTask } from "./handlers/finish-group";
import { hardenStepTask } from "./handlers/harden-step";
import { inventoryTask } from "./handlers/inventory";
import { planTask } from "./handlers/plan";
import { pollRefreshTask } from "./handlers/poll-refresh";
import { reconcileTask } from "./handlers/reconcile";
import { refreshEventsTask } from "./handlers/refresh-events";
import { rollbackGroupTask } from "./handlers/rollback-group";
import { selectTargetTask } from "./handlers/select-target";
import { startRefreshTask } from "./handlers/start-refresh";
import { startWaveTask } from "./handlers/start-wave";
import { validateTask } from "./handlers/validate";
import { verifyGroupTask } from "./handlers/verify-group";
import { waitForRefreshTask } from "./handlers/wait-for-refresh";
import type { Task } from "./lambda";

export * from "./close-run";
export * from "./deps";
export { RunNotSettledError } from "./handlers/finish";
export { RECONCILE_LOOK_SECONDS, type ReconcileOutput } from "./handlers/reconcile";
export { lambdaHandler, type Task } from "./lambda";
export * from "./operator";
export * from "./run-view";
export * from "./state";
export * from "./status/http";
export * from "./status/router";
export * from "./status/slack";
export * from "./status/views";

/** The task behind each Task state, by function name (the same keys as the function ARNs). */
export const TASKS: Record<TaskFunction, Task> = {
  validate: validateTask,
  inventory: inventoryTask,
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
