import type { AddressInfo } from "node:net";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SFNClient } from "@aws-sdk/client-sfn";
import { ensureLedgerTable } from "@fleet-upgrade/aws";
import {
  type EndState,
  groupLowerBoundSeconds,
  needsHardening,
  parseRunRequest,
  type RunRequest,
  type RunResult,
  runLowerBoundSeconds,
  type Scenario,
} from "@fleet-upgrade/core";
import {
  abortRun,
  approveRun,
  DEFAULT_SETTINGS,
  depsFromClients,
  type FunctionDeps,
  type FunctionSettings,
  lambdaHandler,
  OperatorRequestError,
  REFRESH_EVENTS_TASK,
  readRunResult,
  TASKS,
} from "@fleet-upgrade/functions";
import { type ProgressEvent, SIMULATED_CREDENTIALS, SimulatedAccount } from "@fleet-upgrade/simulator";
import {
  buildDefinition,
  buildReconcileDefinition,
  LocalRunner,
  type LocalRunOutcome,
  localFunctionArns,
  TASK_FUNCTIONS,
  type TaskFunction,
} from "@fleet-upgrade/workflow";
import dynalite from "dynalite";
import { FootprintMeter, type RunFootprint } from "./footprint";
import { answerCommands, countCommands } from "./sdk-answers";

/** Something worth showing while a simulated run advances. */
export type SimulationEvent =
  | { kind: "state"; atMs: number; state: string; input: unknown }
  | { kind: "refresh"; atMs: number; progress: ProgressEvent }
  | { kind: "operator"; atMs: number; action: string; detail: string }
  | { kind: "notification"; atMs: number; summary: string };

export interface SimulationOptions {
  /** The run request; the scenario's `request` when absent. */
  request?: unknown;
  runId?: string;
  settings?: FunctionSettings;
  onEvent?: (event: SimulationEvent) => void;
  /**
   * Wraps every Task's function call of the run's executions (fault injection in tests): `call`
   * runs the function; `stop` stops the execution now, as StopExecution from the console would.
   */
  aroundTask?: (
    stateName: string,
    call: () => Promise<unknown>,
    control: { execution: "run" | "reconcile"; stop: () => void; payload: unknown },
  ) => Promise<unknown>;
  /** The execution's TimeoutSeconds (the definition's own when absent). */
  timeoutSeconds?: number;
}

export interface SimulationOutcome {
  result: RunResult;
  /** The run ended WAITING for an approval nobody gave. */
  stalled: boolean;
  /** The simulated account after the run, for inspection. */
  account: SimulatedAccount;
  /** The run's largest invocation, state payload and ledger item (issue 11). */
  footprint: RunFootprint;
}

const TABLE_NAME = "fleet-upgrade-ledger";
let tableSequence = 0;

/** A DynamoDB implementation on a loopback port: the ledger's real API, no mock. */
export async function startLedgerServer(): Promise<{ endpoint: string; close: () => Promise<void> }> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  let active = 0;
  server.on("request", (_request, response) => {
    active++;
    response.on("close", () => active--);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Let requests in flight finish (dynalite closes its database with the server), then drop
      // the idle keep-alive connections that would hold close() for seconds.
      for (let waited = 0; active > 0 && waited < 5_000; waited += 10) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      server.closeAllConnections();
      await closed;
    },
  };
}

/** Validates the request the simulation will run, as the first state would; throws with every problem. */
export function effectiveRequest(
  scenario: Scenario,
  request: unknown,
  settings: FunctionSettings,
): RunRequest {
  const parsed = parseRunRequest(request ?? scenario.request ?? {}, settings.stage);
  if (!parsed.ok) {
    const error = new Error("invalid run request") as Error & { problems: unknown };
    error.name = "InvalidRunRequestError";
    error.problems = parsed.problems;
    throw error;
  }
  return parsed.request;
}

/** Real-time pacing for a live simulation: `speed` virtual seconds per real second. */
export interface Pacing {
  speed: number;
}

/**
 * A simulated account with its ledger and the product's functions wired to it: the real
 * definition on the local runner, the real handlers and adapters, the simulator behind the SDK
 * clients, the ledger on dynalite. Runs one execution at a time (the account's clock is shared).
 */
export class SimulatedEnvironment {
  readonly account: SimulatedAccount;
  readonly deps: FunctionDeps;
  private runner: LocalRunner | null = null;
  private readonly calls: Record<string, number> = {};
  private readonly meter = new FootprintMeter();
  private readonly arns;
  private readonly functions: Record<string, (event: unknown) => Promise<unknown>> = {};
  private listeners = new Set<(event: SimulationEvent) => void>();
  private readonly dynamodb: DynamoDBClient;
  private closed = false;

  private constructor(
    readonly scenario: Scenario,
    readonly settings: FunctionSettings,
    private readonly ledgerServer: { endpoint: string; close: () => Promise<void> },
    private readonly pacing: Pacing | null,
    private readonly tableName: string = TABLE_NAME,
  ) {
    this.account = SimulatedAccount.create(scenario);
    const clock = this.account.clock;
    const meter = this.meter;
    this.dynamodb = meter.countCalls(
      meter.measureItems(
        countCommands(
          new DynamoDBClient({
            region: this.account.region,
            endpoint: ledgerServer.endpoint,
            credentials: SIMULATED_CREDENTIALS,
          }),
          "dynamodb",
          this.calls,
        ),
      ),
    );
    const dynamodb = this.dynamodb;
    const sfn = meter.countCalls(
      answerCommands(
        new SFNClient({ region: this.account.region, credentials: SIMULATED_CREDENTIALS }),
        "states",
        this.calls,
        (operation, input) => this.answerStates(operation, input),
      ),
    );
    const clients = this.account.createClients();
    for (const client of Object.values(clients)) meter.countCalls(client);
    this.deps = depsFromClients(
      { ...clients, sfn, dynamodb },
      {
        tableName: this.tableName,
        // The scenario's stage settings (CONTRACTS.md section 3): without fleetInstanceRoles, every role may be passed.
        settings: {
          ...settings,
          readiness: {
            ...settings.readiness,
            fleetInstanceRoles: scenario.stage?.fleetInstanceRoles ?? settings.readiness.fleetInstanceRoles,
          },
        },
        now: () => new Date(clock.now()),
        notificationTopicArn: `arn:aws:sns:${this.account.region}:${this.account.accountId}:fleet-upgrade-notifications`,
      },
    );
    this.arns = localFunctionArns(this.account.region, this.account.accountId);
    for (const name of TASK_FUNCTIONS) this.functions[this.arns[name]] = invoker(name, this.deps, meter);
    const onRefreshEvent = lambdaHandler("refreshEvents", REFRESH_EVENTS_TASK, this.deps);
    this.account.onRefreshEvent((event) => {
      const work = () =>
        meter.invoke("refreshEvents", () => onRefreshEvent(event, lambdaContext("refreshEvents")));
      if (this.runner) void this.runner.track(work);
      else void work();
    });
    this.account.onProgress((progress) => this.emit({ kind: "refresh", atMs: clock.now(), progress }));
    this.account.onNotification((published) => {
      const summary = (JSON.parse(published.message) as { summary?: string }).summary ?? published.message;
      this.emit({ kind: "notification", atMs: published.atMs, summary });
    });
  }

  /**
   * `ledgerEndpoint`: a DynamoDB emulator already running (shared by many environments, each with
   * a table of its own); without it the environment starts and closes its own.
   */
  static async start(
    scenario: Scenario,
    options: { settings?: FunctionSettings; pacing?: Pacing; ledgerEndpoint?: string } = {},
  ): Promise<SimulatedEnvironment> {
    const server = options.ledgerEndpoint
      ? { endpoint: options.ledgerEndpoint, close: async () => {} }
      : await startLedgerServer();
    const tableName = options.ledgerEndpoint ? `${TABLE_NAME}-${++tableSequence}` : TABLE_NAME;
    const env = new SimulatedEnvironment(
      scenario,
      options.settings ?? DEFAULT_SETTINGS,
      server,
      options.pacing ?? null,
      tableName,
    );
    await ensureLedgerTable(env.dynamodb, tableName);
    return env;
  }

  /** True while an execution runs. */
  get busy(): boolean {
    return this.runner !== null;
  }

  /** Subscribes to progress of every run; returns an unsubscribe function. */
  subscribe(listener: (event: SimulationEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: SimulationEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private answerStates(operation: string, input: unknown): unknown {
    const body = input as { taskToken?: string; output?: string; error?: string; cause?: string };
    const runner = this.runner;
    if (operation === "SendTaskSuccess") {
      if (!runner?.sendTaskSuccess(String(body.taskToken), JSON.parse(body.output ?? "null")))
        throw taskTimedOut();
      return {};
    }
    if (operation === "SendTaskFailure") {
      if (!runner?.sendTaskFailure(String(body.taskToken), body.error ?? "Error", body.cause ?? ""))
        throw taskTimedOut();
      return {};
    }
    throw new Error(`the simulated Step Functions does not answer ${operation}`);
  }

  /**
   * Runs one execution of the state machine to its end (or until it can make no progress) and
   * returns its result with the simulation's metrics. Throws when another execution runs.
   */
  async run(options: SimulationOptions = {}): Promise<SimulationOutcome> {
    if (this.runner) throw new Error("a simulated run is already in progress; one at a time");
    const { scenario, account } = this;
    const clock = account.clock;
    const requestInput = options.request ?? scenario.request ?? {};
    const request = effectiveRequest(scenario, requestInput, this.settings);
    const runId = options.runId ?? `sim-${scenario.name}-${scenario.seed}`;
    const unsubscribe = options.onEvent ? this.subscribe(options.onEvent) : () => {};
    const emit = (event: SimulationEvent) => this.emit(event);
    const onApprovalWait = scriptedOperator(scenario, runId, this.deps, () => runner, clock, emit);
    const pacing = this.pacing;
    const around = options.aroundTask;
    const runner: LocalRunner = new LocalRunner({
      definition: buildDefinition(
        this.arns,
        options.timeoutSeconds ? { timeoutSeconds: options.timeoutSeconds } : {},
      ),
      functions: this.functions,
      clock,
      executionName: runId,
      input: requestInput,
      crashAfterSideEffect: scenario.faults.crashAfterSideEffect,
      ...(around
        ? {
            aroundTask: (state: string, call: () => Promise<unknown>, payload: unknown) =>
              around(state, call, { execution: "run", stop: () => runner.stop("ABORTED"), payload }),
          }
        : {}),
      untimedWaits: ["WaitForApproval"],
      onStateEntered: (state, input) => {
        this.meter.stateEntered(state, input);
        emit({ kind: "state", atMs: clock.now(), state, input });
        if (state === "WaitForApproval")
          onApprovalWait(String((input as { wave?: { name?: string } }).wave?.name));
      },
      ...(pacing ? { beforeAdvance: () => paceTo(clock, pacing, runner, () => this.closed) } : {}),
    });
    this.runner = runner;
    this.meter.reset();
    const callsBefore = { ...account.apiCalls(), ...this.calls };
    const startMs = clock.now();
    try {
      const outcome = await runner.run();
      await this.reconcileIfNeeded(runId, outcome, options);
      const run = await this.deps.ledger.getRun(runId);
      const result = await readRunResult(this.deps, runId);
      if (!run || !result) {
        throw new Error(
          `the simulated run ended ${outcome.status} without a result${outcome.error ? `: ${outcome.error}: ${outcome.cause}` : ""}`,
        );
      }
      const bound = lowerBound(
        scenario,
        request,
        run.waves.map((w) => w.groups),
      );
      const apiCalls: Record<string, number> = {};
      for (const [key, count] of Object.entries({ ...account.apiCalls(), ...this.calls })) {
        const made = count - (callsBefore[key] ?? 0);
        if (made > 0) apiCalls[key] = made;
      }
      const endState = await this.endState(runId, outcome.status);
      return {
        account,
        footprint: this.meter.footprint,
        stalled: outcome.status === "STALLED",
        result: {
          ...result,
          metrics: {
            virtualSeconds: (clock.now() - startMs) / 1000,
            lowerBoundSeconds: bound,
            apiCalls: Object.fromEntries(Object.entries(apiCalls).sort(([a], [b]) => a.localeCompare(b))),
            stateTransitions: outcome.stateTransitions,
            endState,
          },
        },
      };
    } finally {
      this.runner = null;
      unsubscribe();
    }
  }

  /** The StopExecution of the console: the execution running now ends ABORTED where it stands. */
  stop(): boolean {
    if (!this.runner) return false;
    this.runner.stop("ABORTED");
    return true;
  }

  /**
   * What AWS does when an execution ends FAILED, TIMED_OUT or ABORTED: the EventBridge rule on
   * "Step Functions Execution Status Change" starts the reconcile state machine with the event.
   * Here the same definition runs on the same clock, so it can wait for its rollbacks.
   */
  private async reconcileIfNeeded(
    runId: string,
    outcome: LocalRunOutcome,
    options: SimulationOptions,
  ): Promise<void> {
    if (outcome.status !== "FAILED" && outcome.status !== "ABORTED" && outcome.status !== "TIMED_OUT") return;
    const around = options.aroundTask;
    const reconciler: LocalRunner = new LocalRunner({
      definition: buildReconcileDefinition(this.arns),
      functions: this.functions,
      clock: this.account.clock,
      executionName: `reconcile-${runId}`,
      input: {
        "detail-type": "Step Functions Execution Status Change",
        source: "aws.states",
        detail: { name: runId, status: outcome.status, error: outcome.error, cause: outcome.cause },
      },
      onStateEntered: (state, input) => {
        this.meter.stateEntered(state, input);
        this.emit({ kind: "state", atMs: this.account.clock.now(), state, input });
      },
      ...(around
        ? {
            aroundTask: (state: string, call: () => Promise<unknown>, payload: unknown) =>
              around(state, call, {
                execution: "reconcile",
                stop: () => reconciler.stop("ABORTED"),
                payload,
              }),
          }
        : {}),
    });
    this.runner = reconciler;
    const ended = await reconciler.run();
    if (ended.status !== "SUCCEEDED") {
      this.deps.logger.error("the reconcile execution did not succeed", {
        runId,
        status: ended.status,
        error: ended.error,
        cause: ended.cause,
      });
    }
  }

  /** CONTRACTS section 2, `metrics.endState`: what the run left behind, read from the account and the ledger. */
  private async endState(runId: string, status: LocalRunOutcome["status"]): Promise<EndState> {
    const progress = await this.deps.ledger.listProgress(runId);
    const run = await this.deps.ledger.getRun(runId);
    const active = new Set(["Pending", "InProgress", "Cancelling", "RollbackInProgress", "Baking"]);
    const refreshesInProgress = progress
      .filter((p) =>
        (this.account.group(p.name)?.refreshes ?? []).some(
          (r) => active.has(r.status) && p.instanceRefreshIds.includes(r.instanceRefreshId),
        ),
      )
      .map((p) => p.name);
    const names = new Set([...(run?.waves ?? []).flatMap((w) => w.groups), ...progress.map((p) => p.name)]);
    const locksHeld: string[] = [];
    for (const name of names) {
      if ((await this.deps.ledger.getLock(name))?.runId === runId) locksHeld.push(name);
    }
    return {
      executionStatus: status === "STALLED" ? "RUNNING" : status,
      refreshesInProgress: refreshesInProgress.sort(),
      locksHeld: locksHeld.sort(),
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.ledgerServer.close();
  }
}

/**
 * Sleeps in real time until the clock's next event is due at the pacing's speed. Live, a run
 * blocked on a wait nothing is scheduled to end (an approval) waits for an operator to answer it
 * through the status API, as Step Functions would, instead of ending stalled.
 */
async function paceTo(
  clock: SimulatedAccount["clock"],
  pacing: Pacing,
  runner: LocalRunner,
  closed: () => boolean,
): Promise<void> {
  const waiting = runner.waitingTokens().join(" ");
  while (clock.nextAt() === undefined && waiting !== "" && !closed()) {
    if (runner.waitingTokens().join(" ") !== waiting) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const next = clock.nextAt();
  if (next === undefined || closed()) return;
  const waitMs = (next - clock.now()) / pacing.speed;
  if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(waitMs, 60_000)));
}

/**
 * Runs one upgrade of a simulated account end to end (see {@link SimulatedEnvironment}).
 */
export async function simulate(
  scenario: Scenario,
  options: SimulationOptions = {},
): Promise<SimulationOutcome> {
  const settings = options.settings ?? DEFAULT_SETTINGS;
  effectiveRequest(scenario, options.request ?? scenario.request ?? {}, settings);
  const env = await SimulatedEnvironment.start(scenario, { settings });
  try {
    return await env.run(options);
  } finally {
    await env.close();
  }
}

/** CONTRACTS section 3: the run's lower bound for this scenario, request and plan. */
export function lowerBound(scenario: Scenario, request: RunRequest, waves: string[][]): number {
  if (request.dryRun) return 0;
  const byName = new Map(scenario.groups.map((g) => [g.name, g]));
  const groupBound = (name: string) => {
    const group = byName.get(name);
    return group ? groupLowerBoundSeconds(group, request.rollout) : 0;
  };
  return runLowerBoundSeconds({
    waves: waves.map((names) => names.map(groupBound)),
    rollout: request.rollout,
    hardening: scenario.hardening,
    hardens: needsHardening(request),
  });
}

/**
 * The scenario's operator, acting through the same functions the status API calls: an abort at a
 * virtual time, and (through the returned hook) an approval or abort once the run waits after the
 * named wave.
 */
function scriptedOperator(
  scenario: Scenario,
  runId: string,
  deps: FunctionDeps,
  runner: () => LocalRunner,
  clock: SimulatedAccount["clock"],
  emit: (event: SimulationEvent) => void,
): (waveName: string) => void {
  const act = (action: "approve" | "abort" | "stop", detail: string, reason: string) => {
    if (action === "stop") {
      // StopExecution from the console: outside the product, no function of it is called.
      emit({ kind: "operator", atMs: clock.now(), action, detail });
      runner().stop("ABORTED");
      return;
    }
    void runner().track(async () => {
      emit({ kind: "operator", atMs: clock.now(), action, detail });
      try {
        if (action === "approve") await approveRun(deps, runId);
        else await abortRun(deps, runId, reason);
      } catch (error) {
        // Refused as the status API would answer 409 (nothing to approve, already aborting): the
        // scripted operator is told, the run goes on.
        if (!(error instanceof OperatorRequestError)) throw error;
        emit({ kind: "operator", atMs: clock.now(), action, detail: `refused: ${error.message}` });
      }
    });
  };
  for (const action of scenario.operator) {
    if (action.atSeconds === undefined) continue;
    const reason = action.reason ?? "the scenario's operator";
    clock.schedule(clock.now() + action.atSeconds * 1000, () => act(action.action, reason, reason));
  }
  return (waveName) => {
    const action = scenario.operator.find((a) => a.afterWave === waveName);
    if (!action) return;
    const reason = action.reason ?? `after wave ${waveName}`;
    clock.schedule(clock.now(), () => act(action.action, `after wave ${waveName}`, reason));
  };
}

function invoker(name: TaskFunction, deps: FunctionDeps, meter: FootprintMeter) {
  const handler = lambdaHandler(name, TASKS[name], deps);
  return (event: unknown) => meter.invoke(name, () => handler(event, lambdaContext(name)));
}

function lambdaContext(name: string) {
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

function taskTimedOut(): Error {
  const error = new Error("Task Timed Out: the task token is no longer valid");
  error.name = "TaskTimedOut";
  return error;
}
