/**
 * The one bootstrap of every entry point (tasks, triggers, the status API): middy with Powertools'
 * `injectLambdaContext` (request id and cold start on every log line, appended keys reset after each
 * invocation), what the entry needs built once per cold start from its environment, run and group
 * appended per invocation, metrics flushed, errors logged and rethrown with their name so a Task
 * state's Retry and Catch can match it.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { AdapterFactories } from "./adapters";
import { ADAPTER_NAMES, depsFromEnvironment, type FunctionDeps, type TaskLogger, undeclared } from "./deps";
import { SERVICE_NAME } from "./environment";
import { DependencyNotDeclaredError } from "./errors";
import { type MetricsSink, noMetrics } from "./metrics";

/** A task: the work of one Task state, given its input and its injected dependencies. */
export type Task<I = unknown, O = unknown> = (input: I, deps: FunctionDeps) => Promise<O>;

/** Keys worth appending to every log line of an invocation: the run and the group it works on. */
export function logKeys(event: unknown): Record<string, string> {
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

let powertools: Logger | undefined;

/** The process's Powertools logger: one Lambda process runs one function. */
function processLogger(): Logger {
  powertools ??= new Logger({ serviceName: SERVICE_NAME });
  return powertools;
}

/** The task logger surface over Powertools. */
function taskLoggerOver(logger: Logger): TaskLogger {
  return {
    info: (message, extra) => logger.info(message, extra ?? {}),
    warn: (message, extra) => logger.warn(message, extra ?? {}),
    error: (message, extra) => logger.error(message, extra ?? {}),
  };
}

export interface EntryOptions<C> {
  /** The function's key, named in the error log. */
  name: string;
  /** What the entry needs, from the environment, once per cold start. */
  fromEnvironment: (env: NodeJS.ProcessEnv, logger: TaskLogger) => C;
  /** Given instead by the local runner and tests: no environment read, no Powertools. */
  injected?: C;
  /** The logger the entry's own work uses. */
  loggerOf: (context: C) => TaskLogger;
  /** The metrics sink to flush after each invocation, if the entry records metrics. */
  metricsOf?: (context: C) => MetricsSink;
}

/** Wraps an entry point's work as a Lambda handler (see the file's comment). */
export function entryPoint<E, R, C>(
  options: EntryOptions<C>,
  /** `lambdaContext`: Lambda's own context object, for an adapter that reads it. */
  work: (event: E, context: C, lambdaContext: unknown) => Promise<R>,
) {
  const { injected } = options;
  let built: C | undefined = injected;
  const contextOf = (): C => {
    built ??= options.fromEnvironment(process.env, taskLoggerOver(processLogger()));
    return built;
  };
  const flush = () => {
    if (built !== undefined) options.metricsOf?.(built).flush();
  };
  const handler = middy<E, R>();
  if (!injected) handler.use(injectLambdaContext(processLogger(), { resetKeys: true }));
  return handler
    .use({
      before: async (request) => {
        if (!injected) processLogger().appendKeys(logKeys(request.event));
      },
      after: async () => flush(),
      onError: async (request) => {
        flush();
        const logger = built !== undefined ? options.loggerOf(built) : taskLoggerOver(processLogger());
        const error = request.error as Error | null;
        logger.error(`${options.name} failed`, {
          ...logKeys(request.event),
          errorName: error?.name,
          errorMessage: error?.message,
        });
      },
    })
    .handler(async (event: E, lambdaContext) => work(event, contextOf(), lambdaContext));
}

/** What each deployed entry point named, by function: recorded when its module loads. */
const declaredAdapters = new Map<string, AdapterFactories>();

/**
 * The injected dependencies as the deployed function sees them: an adapter its entry point does not
 * name fails when used ({@link DependencyNotDeclaredError}), and without a metrics factory nothing is
 * recorded. So every simulated run proves each entry names what its task uses.
 */
function asDeployed(name: string, deps: FunctionDeps): FunctionDeps {
  const adapters = declaredAdapters.get(name);
  if (adapters === undefined) return deps;
  // Copies getters as getters: reading an adapter here would build it before the task asks.
  const view = Object.defineProperties({}, Object.getOwnPropertyDescriptors(deps)) as FunctionDeps;
  for (const key of ADAPTER_NAMES) {
    if (adapters[key] !== undefined) continue;
    Object.defineProperty(view, key, {
      enumerable: true,
      configurable: true,
      writable: true,
      value: key === "metricsSink" ? noMetrics : undeclared(name, key),
    });
  }
  return view;
}

/**
 * Wraps a task as a Lambda handler with injected dependencies (the local runner, the simulation and
 * tests inject them all; the task sees only what its entry point names, as when deployed).
 */
export function lambdaHandler<I, O>(name: string, task: Task<I, O>, injected?: FunctionDeps) {
  const deps = injected && asDeployed(name, injected);
  return entryPoint<I, O, FunctionDeps>(
    {
      name,
      fromEnvironment: (env, logger) => depsFromEnvironment(env, logger, name, {}),
      injected: deps,
      loggerOf: (each) => each.logger,
      metricsOf: (each) => each.metricsSink,
    },
    task,
  );
}

/**
 * A deployed function's handler: `adapters` names the factories (runtime/adapters.ts) of what its
 * task uses, the only adapters and SDK clients its bundle carries, built from the environment at cold
 * start. The handler keeps them as `adapters`, for the bundle test.
 */
export function taskHandler<I, O>(name: string, task: Task<I, O>, adapters: AdapterFactories) {
  declaredAdapters.set(name, adapters);
  const handler = entryPoint<I, O, FunctionDeps>(
    {
      name,
      fromEnvironment: (env, logger) => depsFromEnvironment(env, logger, name, adapters),
      loggerOf: (deps) => deps.logger,
      metricsOf: (deps) => deps.metricsSink,
    },
    task,
  );
  return Object.assign(handler, { adapters });
}
