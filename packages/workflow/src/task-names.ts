/**
 * The Lambda functions behind the state machine's Task states. One function per task; the same
 * names key the handlers locally and the function ARNs in AWS.
 */
export const TASK_FUNCTIONS = [
  "validate",
  "inventory",
  "selectTarget",
  "hardenStep",
  "plan",
  "startWave",
  "startRefresh",
  "waitForRefresh",
  "pollRefresh",
  "evaluateHealth",
  "rollbackGroup",
  "verifyGroup",
  "finishGroup",
  "bakeWave",
  "endWave",
  "awaitApproval",
  "finish",
  "reconcile",
] as const;
export type TaskFunction = (typeof TASK_FUNCTIONS)[number];

/** Function ARNs by task, substituted into the definition. */
export type FunctionArns = Record<TaskFunction, string>;

/** ARNs for local runs: well-formed, never called in AWS. */
export function localFunctionArns(region = "us-east-1", account = "123456789012"): FunctionArns {
  return Object.fromEntries(
    TASK_FUNCTIONS.map((name) => [
      name,
      `arn:aws:lambda:${region}:${account}:function:fleet-upgrade-local-${name}`,
    ]),
  ) as FunctionArns;
}
