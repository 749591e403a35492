// A little over 300 lines: one class wiring the simulator, dynalite, the handlers and both state
// machines for one simulated run; its pieces (clients, ledger, meter, events) live in sibling files.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SFNClient } from "@aws-sdk/client-sfn";
import { ensureLedgerTable } from "@fleet-upgrade/aws";
import type { Scenario } from "@fleet-upgrade/core/scenario";
import {
  DEFAULT_SETTINGS,
  depsFromClients,
  type FunctionDeps,
  type FunctionSettings,
  lambdaHandler,
  REFRESH_EVENTS_TASK,
  readRunResult,
} from "@fleet-upgrade/functions";
import {
  LEAN_CLIENT_CONFIG,
  leanClient,
  SIMULATED_CREDENTIALS,
  SimulatedAccount,
} from "@fleet-upgrade/simulator";
import {
  buildDefinition,
  buildReconcileDefinition,
  LocalRunner,
  type LocalRunOutcome,
  localFunctionArns,
  TASK_FUNCTIONS,
} from "@fleet-upgrade/workflow";
import { readEndState } from "./end-state";
import { FootprintMeter } from "./footprint";
import { invoker, lambdaContext } from "./lambda-context";
import { type LedgerServer, startLedgerServer } from "./ledger-server";
import { effectiveRequest, lowerBound } from "./run-bounds";
import { type Pacing, paceTo, scriptedOperator } from "./scripted-operator";
import { answerCommands, countCommands } from "./sdk-answers";
import type { SimulationEvent, SimulationOptions, SimulationOutcome } from "./simulation-types";

const TABLE_NAME = "fleet-upgrade-ledger";
let tableSequence = 0;

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
    private readonly ledgerServer: LedgerServer,
    private readonly pacing: Pacing | null,
    private readonly tableName: string = TABLE_NAME,
  ) {
    this.account = SimulatedAccount.create(scenario);
    const clock = this.account.clock;
    const meter = this.meter;
    this.dynamodb = meter.countCalls(
      meter.measureItems(
        countCommands(
          leanClient(
            new DynamoDBClient({
              region: this.account.region,
              endpoint: ledgerServer.endpoint,
              credentials: SIMULATED_CREDENTIALS,
              // No LEAN_CLIENT_CONFIG: the DynamoDB document client refuses a cached middleware stack.
            }),
          ),
          "dynamodb",
          this.calls,
        ),
      ),
    );
    const dynamodb = this.dynamodb;
    const sfn = meter.countCalls(
      answerCommands(
        leanClient(
          new SFNClient({
            region: this.account.region,
            credentials: SIMULATED_CREDENTIALS,
            ...LEAN_CLIENT_CONFIG,
          }),
        ),
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
      onStateExited: (state, input, output) =>
        emit({ kind: "state-exited", atMs: clock.now(), state, input, output }),
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
      const endState = await readEndState(this.deps, account, runId, outcome.status);
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
      onStateExited: (state, input, output) =>
        this.emit({ kind: "state-exited", atMs: this.account.clock.now(), state, input, output }),
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

  async close(): Promise<void> {
    this.closed = true;
    await this.ledgerServer.close();
  }
}

function taskTimedOut(): Error {
  const error = new Error("Task Timed Out: the task token is no longer valid");
  error.name = "TaskTimedOut";
  return error;
}
