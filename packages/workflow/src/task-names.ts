import { TASK_FUNCTIONS, type TaskFunction } from "./function-table";

export { TASK_FUNCTIONS, type TaskFunction };

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
