import { type FunctionDeps, lambdaHandler, TASKS } from "@fleet-upgrade/functions";
import type { TaskFunction } from "@fleet-upgrade/workflow";
import type { FootprintMeter } from "./footprint";

/**
 * A task function as the local runner calls it: the real handler with a local Lambda context,
 * each invocation followed by the meter (its AWS calls counted).
 */
export function invoker(
  name: TaskFunction,
  deps: FunctionDeps,
  meter: FootprintMeter,
): (event: unknown) => Promise<unknown> {
  const handler = lambdaHandler(name, TASKS[name], deps);
  return (event: unknown) => meter.invoke(name, () => handler(event, lambdaContext(name)));
}

/** The Lambda context a local invocation of the function named `name` sees. */
export function lambdaContext(name: string) {
  return {
    functionName: `fleet-upgrade-local-${name}`,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:fleet-upgrade-local-${name}`,
    memoryLimitInMB: "512",
    awsRequestId: "local",
    logGroupName: `/aws/lambda/fleet-upgrade-local-${name}`,
    logStreamName: "local",
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => 300_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
