import { Logger } from "@aws-lambda-powertools/logger";
import middy from "@middy/core";
import { depsFromEnvironment, type FunctionDeps, type TaskLogger } from "./deps";

/** A task: the work of one Task state, given its input and its injected dependencies. */
export type Task<I = unknown, O = unknown> = (input: I, deps: FunctionDeps) => Promise<O>;

/** Keys worth appending to every log line of a task: the run and the group it works on. */
function logKeys(event: unknown): Record<string, string> {
  if (event === null || typeof event !== "object") return {};
  const source = event as Record<string, unknown>;
  const state = (source.state as Record<string, unknown> | undefined) ?? source;
  const keys: Record<string, string> = {};
  for (const key of ["runId", "group", "architecture"]) {
    const value = state[key];
    if (typeof value === "string") keys[key] = value;
  }
  return keys;
}

let environmentDeps: FunctionDeps | undefined;
let powertools: Logger | undefined;

function coldStartDeps(): FunctionDeps {
  if (!environmentDeps) {
    powertools = new Logger({ serviceName: "fleet-upgrade" });
    const logger: TaskLogger = {
      info: (message, extra) => powertools?.info(message, extra ?? {}),
      warn: (message, extra) => powertools?.warn(message, extra ?? {}),
      error: (message, extra) => powertools?.error(message, extra ?? {}),
    };
    environmentDeps = depsFromEnvironment(process.env, logger);
  }
  return environmentDeps;
}

/**
 * Wraps a task as a Lambda handler: dependencies from the environment at cold start (or injected,
 * as the local runner does), run and group appended to the log, errors logged and rethrown with
 * their name so the state's Retry and Catch can match it.
 */
export function lambdaHandler<I, O>(name: string, task: Task<I, O>, injected?: FunctionDeps) {
  return middy<I, O>()
    .use({
      onError: async (request) => {
        const deps = injected ?? environmentDeps;
        const error = request.error as Error | null;
        deps?.logger.error(`${name} failed`, {
          ...logKeys(request.event),
          errorName: error?.name,
          errorMessage: error?.message,
        });
      },
    })
    .handler(async (event: I) => {
      const deps = injected ?? coldStartDeps();
      if (!injected) powertools?.appendKeys(logKeys(event));
      return task(event, deps);
    });
}
