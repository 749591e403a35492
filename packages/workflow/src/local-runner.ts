// Over 300 lines on purpose: one class, LocalRunner, adapting aws-local-stepfunctions to virtual time
// (task tokens, Wait states, timeouts, stops); its hooks share the run's private state.
import "./polyfill";
import { StateMachine } from "aws-local-stepfunctions";
import type { AslState, StateMachineDefinition } from "./definition";

/** The clock a local run advances: virtual, discrete-event (the simulator's). */
export interface VirtualTime {
  now(): number;
  schedule(atMs: number, fn: () => void, label?: string): number;
  cancel(id: number): void;
  /** Runs everything due at the next scheduled time; false when nothing is scheduled. */
  advance(): boolean;
  /** When the next scheduled event is due; undefined when nothing is scheduled. */
  nextAt?(): number | undefined;
}

/** How a stopped execution ended: StopExecution (console, API) or the definition's TimeoutSeconds. */
export type StopStatus = "ABORTED" | "TIMED_OUT";

/** A Lambda function as the runner calls it: the handler with its event. */
export type LocalFunction = (event: unknown) => Promise<unknown>;

export interface LocalRunOptions {
  definition: StateMachineDefinition;
  /** Handlers by function ARN, as the definition's `FunctionName`s name them. */
  functions: Record<string, LocalFunction>;
  clock: VirtualTime;
  executionName: string;
  input: unknown;
  /** State names whose function dies once right after doing its work (the Lambda crashed). */
  crashAfterSideEffect?: string[];
  /**
   * Wraps every function invocation of a Task state (fault injection): `call` runs the function;
   * what the wrapper returns or throws is what the state sees.
   */
  aroundTask?: (stateName: string, call: () => Promise<unknown>, payload: unknown) => Promise<unknown>;
  onStateEntered?: (stateName: string, input: unknown) => void;
  /** A state ended: its input and the output it passed on (what progress lines should say). */
  onStateExited?: (stateName: string, input: unknown, output: unknown) => void;
  /**
   * Wait states (by name) whose timeout the runner does not enforce: a simulation that reaches
   * one with nobody to resume it ends STALLED (say, WAITING for an approval) instead of jumping
   * days ahead to the timeout.
   */
  untimedWaits?: string[];
  /** Awaited before the clock jumps to its next event (a live simulation paces itself here). */
  beforeAdvance?: () => Promise<void>;
  /**
   * Called when every branch is blocked and nothing is scheduled. Return true if it unblocked
   * something (an operator's approval, say), false to end the run as stalled.
   */
  onStalled?: () => boolean;
}

export interface LocalRunOutcome {
  /**
   * How the execution ended; STALLED: blocked with nothing scheduled that could unblock it;
   * ABORTED: stopped (StopExecution); TIMED_OUT: the definition's TimeoutSeconds passed.
   */
  status: "SUCCEEDED" | "FAILED" | "STALLED" | StopStatus;
  output: unknown;
  error: string | null;
  cause: string | null;
  stateTransitions: number;
}

type EventLogs = ReturnType<StateMachine["run"]>["eventLogs"];

/** Definitions (as JSON) the library has validated already in this process. */
const VALIDATED = new Set<string>();

const LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke";
const LAMBDA_INVOKE_WAIT = "arn:aws:states:::lambda:invoke.waitForTaskToken";
const VIRTUAL_WAIT_RESOURCE =
  "arn:aws:lambda:us-east-1:123456789012:function:fleet-upgrade-local-virtual-wait";
/** Real-time ceiling for a task locally; virtual time settles it long before (setTimeout's maximum). */
const REAL_TIMEOUT_CEILING_SECONDS = 2_000_000;

/** Reads a reference path such as `$.a.b` (the only form the definition uses for durations). */
export function readPath(path: string, input: unknown): unknown {
  if (path === "$") return input;
  if (!path.startsWith("$.")) throw new Error(`unsupported path ${path}`);
  let current: unknown = input;
  for (const key of path.slice(2).split(".")) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** Ends a task of a stalled run: no Retry or Catch takes it (the library honours these flags). */
function stalledError(): Error {
  return Object.assign(namedError("States.Runtime", "the local run stalled"), {
    isCatchable: false,
    isRetryable: false,
  });
}

/** The error a Lambda invocation surfaces as in Step Functions: Error = name, Cause = Lambda's JSON. */
function lambdaError(error: unknown): Error {
  const source = error instanceof Error ? error : new Error(String(error));
  const cause = JSON.stringify({
    errorType: source.name,
    errorMessage: source.message,
    trace: (source.stack ?? "").split("\n"),
  });
  return namedError(source.name, cause);
}

interface WaitingTask {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: number | null;
}

/**
 * Runs the state machine definition locally with aws-local-stepfunctions, reproducing each
 * integration's shapes (`lambda:invoke` yields `{ Payload, StatusCode }`; `.waitForTaskToken` yields
 * the SendTaskSuccess output), with task tokens, timeouts and Wait states in virtual time.
 *
 * Time only moves when nothing can: when no function runs and every branch waits, the clock jumps
 * to the next scheduled event. Wait states run as tasks of the runner (same input, same output,
 * same transitions) because the library's Wait sleeps in real time.
 */
export class LocalRunner {
  private inFlight = 0;
  private activity = 0;
  private tokenSequence = 0;
  private readonly waiting = new Map<string, WaitingTask>();
  private readonly crashed = new Set<string>();
  private stateTransitions = 0;
  /** Set once the run stalled: a Map iteration the library still starts must not run a task. */
  private stopped = false;
  /** Set by stop(): how the execution ended. */
  private stopStatus: StopStatus | null = null;
  private abortExecution: (() => void) | null = null;

  constructor(private readonly options: LocalRunOptions) {}

  /**
   * StopExecution: the execution ends where it stands. A function running now runs to its end
   * (as a Lambda does) but its result goes nowhere; no Catch runs, no later state starts.
   */
  stop(status: StopStatus = "ABORTED"): void {
    if (this.stopped) return;
    this.stopped = true;
    this.stopStatus = status;
    this.activity++;
    this.abortExecution?.();
    for (const [token, task] of this.waiting) {
      this.settle(token, task);
      task.reject(stalledError());
    }
  }

  /** Counts external work (an event delivered to a function) as activity, so time waits for it. */
  track<T>(work: () => Promise<T>): Promise<T> {
    this.inFlight++;
    this.activity++;
    return work().finally(() => {
      this.inFlight--;
      this.activity++;
    });
  }

  /** SendTaskSuccess: resumes the waiting task; false when no task waits on that token. */
  sendTaskSuccess(token: string, output: unknown): boolean {
    const task = this.waiting.get(token);
    if (!task) return false;
    this.settle(token, task);
    task.resolve(output);
    return true;
  }

  /** SendTaskFailure: fails the waiting task with the error and cause given. */
  sendTaskFailure(token: string, error: string, cause: string): boolean {
    const task = this.waiting.get(token);
    if (!task) return false;
    this.settle(token, task);
    task.reject(namedError(error, cause));
    return true;
  }

  /** Tokens of tasks waiting now. */
  waitingTokens(): string[] {
    return [...this.waiting.keys()];
  }

  async run(): Promise<LocalRunOutcome> {
    const { definition, clock } = this.options;
    const local = localDefinition(definition);
    // Validating a definition costs more than a small run: each distinct one is validated once.
    const key = JSON.stringify(local);
    const machine = new StateMachine(local as never, {
      validationOptions: VALIDATED.has(key) ? { noValidate: true } : { checkArn: true, checkPaths: true },
    });
    VALIDATED.add(key);
    const overrides: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const [name, state] of walkStates(local.States)) {
      if (state.Type !== "Task") continue;
      overrides[name] = (input) => this.runTask(name, state, definitionState(definition, name), input);
    }
    const startTime = new Date(clock.now()).toISOString();
    const execution = machine.run(this.options.input as never, {
      overrides: {
        taskResourceLocalHandlers: overrides as never,
        // Retry backoff is not simulated: a retry happens at once in virtual time.
        retryIntervalOverrides: new Proxy({}, { get: () => 0 }) as never,
      },
      context: {
        Execution: { Name: this.options.executionName, StartTime: startTime, Id: this.options.executionName },
        Task: { Token: "local-task-token" },
      } as never,
    });

    this.abortExecution = () => execution.abort();
    const deadline =
      typeof definition.TimeoutSeconds === "number"
        ? clock.now() + definition.TimeoutSeconds * 1000
        : Number.POSITIVE_INFINITY;
    let finished = false;
    let outcome: LocalRunOutcome | undefined;
    const settled = execution.result.then(
      (output) => {
        outcome = { status: "SUCCEEDED", output, error: null, cause: null, stateTransitions: 0 };
      },
      (error: Error & { cause?: { name?: string; message?: string } }) => {
        const inner = error.cause;
        outcome = {
          status: "FAILED",
          output: null,
          error: inner?.name ?? error.name,
          cause: inner?.message ?? error.message,
          stateTransitions: 0,
        };
      },
    );
    void settled.then(() => {
      finished = true;
    });
    const logs = this.consume(execution.eventLogs);

    while (!finished) {
      await this.quiescent();
      if (finished) break;
      if (this.options.beforeAdvance) {
        await this.options.beforeAdvance();
        await this.quiescent();
        if (finished) break;
      }
      const next = clock.nextAt?.();
      if (next !== undefined && next > deadline) {
        // The execution's own TimeoutSeconds comes first: Step Functions ends it TIMED_OUT there.
        clock.schedule(deadline, () => {}, "execution timeout");
        clock.advance();
        this.stop("TIMED_OUT");
        continue;
      }
      if (clock.advance()) continue;
      if (this.options.onStalled?.()) continue;
      this.stopped = true;
      execution.abort();
      // End the blocked tasks (their real-time timers would keep the process alive) with an error
      // no Retry or Catch takes, so no failure handler runs after the run stopped.
      for (const [token, task] of this.waiting) {
        this.settle(token, task);
        task.reject(stalledError());
      }
      await settled.catch(() => undefined);
      await logs;
      return {
        status: "STALLED",
        output: null,
        error: null,
        cause: null,
        stateTransitions: this.stateTransitions,
      };
    }
    await settled;
    await logs;
    if (this.stopStatus) {
      // Functions still running when the execution stopped finish their work (and are ignored).
      await this.quiescent();
      return {
        status: this.stopStatus,
        output: null,
        error: this.stopStatus === "TIMED_OUT" ? "States.Timeout" : null,
        cause: null,
        stateTransitions: this.stateTransitions,
      };
    }
    if (!outcome) throw new Error("the execution ended without an outcome");
    return { ...outcome, stateTransitions: this.stateTransitions };
  }

  private async consume(logs: EventLogs): Promise<void> {
    for await (const event of logs) {
      if (event.type === "StateEntered") {
        this.stateTransitions++;
        this.options.onStateEntered?.(event.state.name, event.state.input);
      } else if (event.type === "StateExited") {
        this.options.onStateExited?.(event.state.name, event.state.input, event.state.output);
      }
    }
  }

  /** Resolves once no function runs and a full turn of the event loop brought no activity. */
  private async quiescent(): Promise<void> {
    for (;;) {
      const before = this.activity;
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      if (this.inFlight === 0 && before === this.activity) return;
    }
  }

  private settle(token: string, task: WaitingTask): void {
    this.waiting.delete(token);
    if (task.timer !== null) this.options.clock.cancel(task.timer);
    this.activity++;
  }

  private async invoke(stateName: string, functionName: unknown, payload: unknown): Promise<unknown> {
    const fn = typeof functionName === "string" ? this.options.functions[functionName] : undefined;
    if (!fn)
      throw namedError("Lambda.ResourceNotFoundException", `Function not found: ${String(functionName)}`);
    const call = () => fn(structuredClone(payload));
    const around = this.options.aroundTask;
    const result = await this.track(async () => {
      try {
        return await (around ? around(stateName, call, payload) : call());
      } catch (error) {
        throw lambdaError(error);
      }
    });
    if (this.stopped) throw stalledError();
    if (this.options.crashAfterSideEffect?.includes(stateName) && !this.crashed.has(stateName)) {
      this.crashed.add(stateName);
      throw namedError(
        "Lambda.Unknown",
        JSON.stringify({
          errorType: "Runtime.ExitError",
          errorMessage: "the function's runtime exited after its work",
        }),
      );
    }
    return result === undefined ? null : structuredClone(result);
  }

  private async runTask(name: string, local: AslState, original: AslState, input: unknown): Promise<unknown> {
    if (this.stopped) throw stalledError();
    if (local.Resource === VIRTUAL_WAIT_RESOURCE) return this.virtualWait(original, input);
    const parameters = (input ?? {}) as { FunctionName?: unknown; Payload?: unknown };
    if (local.Resource === LAMBDA_INVOKE) {
      const payload = await this.invoke(name, parameters.FunctionName, parameters.Payload);
      return {
        ExecutedVersion: "$LATEST",
        Payload: payload,
        SdkHttpMetadata: { HttpStatusCode: 200 },
        SdkResponseMetadata: { RequestId: `local-${this.tokenSequence}` },
        StatusCode: 200,
      };
    }
    if (local.Resource === LAMBDA_INVOKE_WAIT) return this.waitForToken(name, original, parameters);
    throw namedError(
      "States.Runtime",
      `the local runner does not support resource ${String(local.Resource)}`,
    );
  }

  private async waitForToken(
    name: string,
    state: AslState,
    parameters: { FunctionName?: unknown; Payload?: unknown },
  ): Promise<unknown> {
    this.tokenSequence++;
    const token = `local-token-${this.tokenSequence}-${this.options.executionName}`;
    const payload = { ...((parameters.Payload ?? {}) as Record<string, unknown>) };
    const tokenKey = Object.keys(payload).find((key) => payload[key] === "local-task-token");
    if (tokenKey) payload[tokenKey] = token;
    const seconds = this.options.untimedWaits?.includes(name) ? null : this.timeoutSeconds(state, parameters);
    const { promise, resolve, reject } = Promise.withResolvers<unknown>();
    // A stop may end the wait before anyone awaits it: never an unhandled rejection.
    promise.catch(() => undefined);
    const task: WaitingTask = { resolve, reject, timer: null };
    if (seconds !== null) {
      task.timer = this.options.clock.schedule(this.options.clock.now() + seconds * 1000, () => {
        if (!this.waiting.has(token)) return;
        this.waiting.delete(token);
        task.timer = null;
        this.activity++;
        reject(namedError("States.Timeout", "States.Timeout"));
      });
    }
    this.waiting.set(token, task);
    try {
      await this.invoke(name, parameters.FunctionName, payload);
    } catch (error) {
      if (this.waiting.has(token)) this.settle(token, task);
      throw error;
    }
    return promise;
  }

  /** The task's timeout: `TimeoutSeconds`, or `TimeoutSecondsPath` read from the raw input passed as `"<key>.$": "$"`. */
  private timeoutSeconds(state: AslState, parameters: { Payload?: unknown }): number | null {
    if (typeof state.TimeoutSeconds === "number") return state.TimeoutSeconds;
    if (typeof state.TimeoutSecondsPath !== "string") return null;
    const template = ((state.Parameters as Record<string, unknown>)?.Payload ?? {}) as Record<
      string,
      unknown
    >;
    const rawKey = Object.keys(template).find((key) => key.endsWith(".$") && template[key] === "$");
    if (!rawKey) throw new Error('TimeoutSecondsPath needs the raw state in the payload ("state.$": "$")');
    const raw = (parameters.Payload as Record<string, unknown>)[rawKey.slice(0, -2)];
    const value = readPath(state.TimeoutSecondsPath, raw);
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
      throw namedError(
        "States.Runtime",
        `TimeoutSecondsPath ${state.TimeoutSecondsPath} gave ${JSON.stringify(value)}`,
      );
    }
    return value;
  }

  private virtualWait(original: AslState, input: unknown): Promise<unknown> {
    const clock = this.options.clock;
    let until: number;
    if (typeof original.Seconds === "number") until = clock.now() + original.Seconds * 1000;
    else if (typeof original.SecondsPath === "string") {
      const seconds = readPath(original.SecondsPath, input);
      if (typeof seconds !== "number" || seconds < 0) {
        return Promise.reject(
          namedError("States.Runtime", `SecondsPath ${original.SecondsPath} gave ${JSON.stringify(seconds)}`),
        );
      }
      until = clock.now() + seconds * 1000;
    } else {
      const stamp =
        typeof original.Timestamp === "string"
          ? original.Timestamp
          : readPath(String(original.TimestampPath), input);
      until = Date.parse(String(stamp));
    }
    if (until <= clock.now()) return Promise.resolve(input);
    return new Promise((resolve) => {
      clock.schedule(until, () => {
        this.activity++;
        resolve(input);
      });
    });
  }
}

function* walkStates(states: Record<string, AslState>): Generator<[string, AslState]> {
  for (const [name, state] of Object.entries(states)) {
    yield [name, state];
    const processor = (state.ItemProcessor ?? state.Iterator) as
      | { States: Record<string, AslState> }
      | undefined;
    if (processor) yield* walkStates(processor.States);
    const branches = state.Branches as { States: Record<string, AslState> }[] | undefined;
    if (branches) for (const branch of branches) yield* walkStates(branch.States);
  }
}

function definitionState(definition: StateMachineDefinition, name: string): AslState {
  for (const [stateName, state] of walkStates(definition.States)) if (stateName === name) return state;
  throw new Error(`no state ${name}`);
}

/** The definition as run locally: each Wait state becomes a runner task with the same transitions. */
export function localDefinition(definition: StateMachineDefinition): StateMachineDefinition {
  const rewrite = (states: Record<string, AslState>): Record<string, AslState> =>
    Object.fromEntries(
      Object.entries(states).map(([name, state]) => {
        let next: AslState = state;
        if (state.Type === "Wait") {
          next = {
            Type: "Task",
            Resource: VIRTUAL_WAIT_RESOURCE,
            TimeoutSeconds: REAL_TIMEOUT_CEILING_SECONDS,
            ...(state.Next ? { Next: state.Next } : { End: true }),
          };
        }
        if (state.Type === "Task" && typeof state.TimeoutSecondsPath === "string") {
          // The library reads TimeoutSecondsPath from the input after Parameters; AWS reads it from the
          // state input. The runner enforces the timeout itself (in virtual time) from the state input.
          const { TimeoutSecondsPath: _path, ...rest } = state;
          next = { ...rest, TimeoutSeconds: REAL_TIMEOUT_CEILING_SECONDS };
        }
        const processor = state.ItemProcessor as { States: Record<string, AslState> } | undefined;
        if (processor) next = { ...next, ItemProcessor: { ...processor, States: rewrite(processor.States) } };
        return [name, next];
      }),
    );
  return { ...definition, States: rewrite(definition.States) };
}
