/**
 * Every Lambda function of the app, as data: adding one is one entry here. Infra deploys each entry
 * (infra/function-specs.ts), gives it the policy keyed by the same name (infra/iam.ts), and the
 * definition invokes the tasks by these names; the types make the functions' `TASKS` record and the
 * IAM tables cover every key, and the definition test fails on a task no state invokes.
 */

/** What starts a function: a Task state, an event or schedule, or the status API. */
export type FunctionKind = "task" | "trigger" | "api";

/** The folder of packages/functions/src each kind of entry point lives in. */
export const ENTRY_FOLDERS: Record<FunctionKind, string> = { task: "tasks", trigger: "triggers", api: "api" };

export interface FunctionEntry<K extends FunctionKind = FunctionKind> {
  kind: K;
  /** The file under packages/functions/src exporting `handler`, without `.ts`: `tasks/validate`. */
  entry: string;
  memoryMb: number;
  /** Below the Task state's own timeout, so a slow function fails as a Lambda error Retry can match. */
  timeoutSeconds: number;
  description: string;
}

function fn<K extends FunctionKind>(
  kind: K,
  file: string,
  description: string,
  memoryMb = 512,
  timeoutSeconds = 120,
): FunctionEntry<K> {
  return { kind, entry: `${ENTRY_FOLDERS[kind]}/${file}`, memoryMb, timeoutSeconds, description };
}

export const FUNCTION_TABLE = {
  validate: fn("task", "validate", "validate a run request over the stage defaults", 256, 30),
  // 1,000 groups and 50,000 instances: paged SSM and Auto Scaling reads, the biggest task.
  inventory: fn("task", "inventory", "inventory the targeted groups and SSM-managed instances", 1769, 280),
  // Every group of the account once (template sharing), one refresh look per targeted group.
  readiness: fn(
    "task",
    "readiness",
    "judge the readiness of every targeted group before any change",
    1024,
    280,
  ),
  selectTarget: fn("task", "select-target", "resolve the public AL2023 image per architecture", 256, 60),
  hardenStep: fn("task", "harden-step", "advance the bake of one hardened image by one step"),
  plan: fn("task", "plan", "split groups into waves and preflight them", 1024, 280),
  startWave: fn("task", "start-wave", "start a wave", 256, 60),
  startRefresh: fn("task", "start-refresh", "new launch template version and instance refresh for one group"),
  waitForRefresh: fn("task", "wait-for-refresh", "file the task token of a group's wait", 256, 60),
  pollRefresh: fn("task", "poll-refresh", "poll an instance refresh when no event came in time", 256, 60),
  evaluateHealth: fn("task", "evaluate-health", "judge a group's new instances at a checkpoint"),
  rollbackGroup: fn("task", "rollback-group", "roll a group back"),
  verifyGroup: fn("task", "verify-group", "verify the new instances of a group"),
  finishGroup: fn("task", "finish-group", "record how a group ended"),
  bakeWave: fn("task", "bake-wave", "watch a finished wave's alarms", 256, 60),
  endWave: fn("task", "end-wave", "close a wave", 256, 60),
  awaitApproval: fn("task", "await-approval", "file the task token of a wait for approval", 256, 30),
  finish: fn("task", "finish", "write the run result", 1024, 280),
  reconcile: fn(
    "task",
    "reconcile",
    "roll back, unlock and close a run that ended outside Finish",
    1024,
    280,
  ),
  refreshEvents: fn(
    "trigger",
    "refresh-events",
    "resume the wait of an instance refresh from its event",
    256,
    30,
  ),
  newAmiCheck: fn("trigger", "new-ami-check", "start a run when a new AL2023 image is released", 256, 60),
  statusApi: fn("api", "status-api", "the status API", 512, 29),
} as const satisfies Record<string, FunctionEntry>;

/** The name of a function: the key of its entry, of its policy and of its ARN. */
export type FunctionKey = keyof typeof FUNCTION_TABLE;

/** The functions behind Task states. */
export type TaskFunction = {
  [K in FunctionKey]: (typeof FUNCTION_TABLE)[K]["kind"] extends "task" ? K : never;
}[FunctionKey];

/** Every function, in the table's order. */
export const FUNCTION_KEYS = Object.keys(FUNCTION_TABLE) as FunctionKey[];

function isTask(key: FunctionKey): key is TaskFunction {
  return FUNCTION_TABLE[key].kind === "task";
}

/** The functions behind the state machine's Task states, in the table's order. */
export const TASK_FUNCTIONS: readonly TaskFunction[] = FUNCTION_KEYS.filter(isTask);
