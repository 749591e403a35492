// Over 300 lines on purpose: one pure builder for the run and reconcile machines; the group, wave and
// harden processors nest inside each other and read best top to bottom in one file.
import type { FunctionArns, TaskFunction } from "./task-names";

/** A state of the definition; JSON as Step Functions reads it. */
export type AslState = Record<string, unknown>;
export interface StateMachineDefinition {
  Comment: string;
  StartAt: string;
  TimeoutSeconds?: number;
  States: Record<string, AslState>;
}

const LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke";
const LAMBDA_INVOKE_WAIT = "arn:aws:states:::lambda:invoke.waitForTaskToken";

/** Errors of the Lambda service itself, and a Lambda that died (crash, timeout): retried. */
const LAMBDA_ERRORS = [
  "Lambda.ServiceException",
  "Lambda.AWSLambdaException",
  "Lambda.SdkClientException",
  "Lambda.TooManyRequestsException",
  "Lambda.Unknown",
  "Sandbox.Timedout",
];
/** Throttling that outlived the SDK's own retries inside the function: retried with backoff and jitter. */
const THROTTLING_ERRORS = [
  "ThrottlingException",
  "Throttling",
  "RequestLimitExceeded",
  "TooManyRequestsException",
  "ResourceContentionFault",
  "ProvisionedThroughputExceededException",
];

const RETRY = [
  {
    ErrorEquals: LAMBDA_ERRORS,
    IntervalSeconds: 1,
    MaxAttempts: 6,
    BackoffRate: 2,
    MaxDelaySeconds: 30,
    JitterStrategy: "FULL",
  },
  {
    ErrorEquals: THROTTLING_ERRORS,
    IntervalSeconds: 2,
    MaxAttempts: 8,
    BackoffRate: 2,
    MaxDelaySeconds: 60,
    JitterStrategy: "FULL",
  },
];

/** Seconds a Lambda task may run before Step Functions gives up on it. */
export const TASK_TIMEOUT_SECONDS = 300;
/** The whole run: a week is far beyond any rollout; the ledger shows where it stood. */
export const RUN_TIMEOUT_SECONDS = 7 * 24 * 3600;

interface InvokeOptions {
  payload?: Record<string, unknown>;
  next?: string;
  /** Where any error not retried goes; the error lands in `$.error`. */
  catchTo?: string;
  comment?: string;
}

function invoke(arns: FunctionArns, fn: TaskFunction, options: InvokeOptions): AslState {
  return {
    Type: "Task",
    ...(options.comment ? { Comment: options.comment } : {}),
    Resource: LAMBDA_INVOKE,
    Parameters: {
      FunctionName: arns[fn],
      ...(options.payload ? { Payload: options.payload } : { "Payload.$": "$" }),
    },
    OutputPath: "$.Payload",
    TimeoutSeconds: TASK_TIMEOUT_SECONDS,
    Retry: RETRY,
    ...(options.catchTo
      ? { Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: options.catchTo }] }
      : {}),
    ...(options.next ? { Next: options.next } : { End: true }),
  };
}

function choice(choices: Record<string, unknown>[], defaultState: string): AslState {
  return { Type: "Choice", Choices: choices, Default: defaultState };
}

function waitPath(secondsPath: string, next: string): AslState {
  return { Type: "Wait", SecondsPath: secondsPath, Next: next };
}

/**
 * A task that works in pages (issue 11): while it answers `done: false` with a cursor, it is
 * invoked again with its own answer, so no invocation makes more than a fixed number of calls.
 * `<first>Paged` routes; `<first>More` is the same function on the next page.
 */
function pagedLoop(
  arns: FunctionArns,
  fn: TaskFunction,
  options: { first: string; done: string; fail: string },
): Record<string, AslState> {
  const paged = `${options.first}Paged`;
  return {
    [paged]: choice(
      [
        {
          And: [
            { Variable: "$.done", IsPresent: true },
            { Variable: "$.done", BooleanEquals: false },
          ],
          Next: `${options.first}More`,
        },
      ],
      options.done,
    ),
    [`${options.first}More`]: invoke(arns, fn, {
      next: paged,
      catchTo: options.fail,
      comment: "the next page: the cursor is in the state, what was done is in the ledger",
    }),
  };
}

/** Per architecture: launch a builder, STIG, FIPS, verify, image, terminate; one step per call. */
function hardenProcessor(arns: FunctionArns) {
  return {
    ProcessorConfig: { Mode: "INLINE" },
    StartAt: "HardenStep",
    States: {
      HardenStep: invoke(arns, "hardenStep", {
        next: "HardenDone",
        catchTo: "HardenFailed",
        comment: "advance the bake by one step",
      }),
      HardenDone: choice([{ Variable: "$.done", BooleanEquals: true, Next: "Hardened" }], "HardenWait"),
      HardenWait: waitPath("$.waitSeconds", "HardenStep"),
      Hardened: { Type: "Succeed" },
      HardenFailed: {
        Type: "Fail",
        Comment:
          "fails the Harden map with the task's own error; its Catch takes the run to the reconcile path",
        ErrorPath: "$.error.Error",
        CausePath: "$.error.Cause",
      },
    },
  };
}

/**
 * Per group: refresh, wait for its events (poll as backstop), check health at checkpoints, verify.
 * Each group runs as a child execution (Distributed Map): its history is its own, so a run of
 * 1,000 groups stays far below an execution's 25,000-event history limit.
 */
function groupProcessor(arns: FunctionArns) {
  const toFailed = "GroupFailed";
  return {
    ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" },
    StartAt: "StartRefresh",
    States: {
      StartRefresh: invoke(arns, "startRefresh", {
        next: "RefreshStarted",
        catchTo: toFailed,
        comment: "preflight, new launch template version, StartInstanceRefresh",
      }),
      RefreshStarted: choice(
        [{ Variable: "$.phase", StringEquals: "waiting", Next: "WaitForRefresh" }],
        "FinishGroup",
      ),
      WaitForRefresh: {
        Type: "Task",
        Comment: "file the task token; an instance-refresh event resumes it, a timeout means poll",
        Resource: LAMBDA_INVOKE_WAIT,
        Parameters: {
          FunctionName: arns.waitForRefresh,
          Payload: { "state.$": "$", "taskToken.$": "$$.Task.Token" },
        },
        TimeoutSecondsPath: "$.pollAfterSeconds",
        ResultPath: "$.event",
        Retry: RETRY,
        Catch: [
          { ErrorEquals: ["States.Timeout"], ResultPath: "$.timeout", Next: "PollRefresh" },
          { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: toFailed },
        ],
        Next: "RouteRefreshEvent",
      },
      PollRefresh: invoke(arns, "pollRefresh", { next: "RouteRefreshEvent", catchTo: toFailed }),
      RouteRefreshEvent: choice(
        [
          {
            And: [
              { Variable: "$.rollingBack", IsPresent: true },
              { Variable: "$.rollingBack", BooleanEquals: true },
              { Variable: "$.event.kind", StringEquals: "cancelled" },
            ],
            Next: "RollbackGroup",
          },
          { Variable: "$.event.kind", StringEquals: "checkpoint", Next: "EvaluateHealth" },
          { Variable: "$.event.kind", StringEquals: "succeeded", Next: "VerifyGroup" },
          { Variable: "$.event.kind", StringEquals: "in-progress", Next: "WaitForRefresh" },
          {
            And: [
              { Variable: "$.rollingBack", IsPresent: true },
              { Variable: "$.rollingBack", BooleanEquals: true },
              { Variable: "$.event.kind", StringEquals: "abort" },
            ],
            Next: "WaitForRefresh",
          },
          { Variable: "$.event.kind", StringEquals: "abort", Next: "RollbackGroup" },
        ],
        "FinishGroup",
      ),
      EvaluateHealth: invoke(arns, "evaluateHealth", { next: "HealthGate", catchTo: toFailed }),
      HealthGate: choice(
        [
          { Variable: "$.health.healthy", BooleanEquals: false, Next: "RollbackGroup" },
          {
            And: [
              { Variable: "$.analysisWait", IsPresent: true },
              { Variable: "$.analysisWait.waitSeconds", NumericGreaterThan: 0 },
            ],
            Next: "AnalysisWait",
          },
        ],
        "WaitForRefresh",
      ),
      AnalysisWait: waitPath("$.analysisWait.waitSeconds", "EvaluateHealth"),
      RollbackGroup: invoke(arns, "rollbackGroup", { next: "RollbackStarted", catchTo: toFailed }),
      RollbackStarted: choice(
        [{ Variable: "$.phase", StringEquals: "waiting", Next: "WaitForRefresh" }],
        "FinishGroup",
      ),
      VerifyGroup: invoke(arns, "verifyGroup", { next: "VerifyDone", catchTo: toFailed }),
      VerifyDone: choice(
        [{ Variable: "$.verify.done", BooleanEquals: false, Next: "VerifyWait" }],
        "VerifyGate",
      ),
      VerifyWait: waitPath("$.verify.waitSeconds", "VerifyGroup"),
      VerifyGate: choice(
        [{ Variable: "$.health.healthy", BooleanEquals: false, Next: "RollbackGroup" }],
        "FinishGroup",
      ),
      FinishGroup: invoke(arns, "finishGroup", { catchTo: toFailed }),
      GroupFailed: invoke(arns, "finishGroup", {
        comment: "record the failure; never leaves the group silent",
        catchTo: "GroupAbandoned",
      }),
      GroupAbandoned: {
        Type: "Succeed",
        Comment:
          "not even the failure could be recorded: the group stays RUNNING in the ledger, so Finish refuses to close the run and the reconcile path rolls its refresh back and releases its lock; the other groups go on",
      },
    },
  };
}

/** One wave: start it (or skip it after a regression), its groups in parallel, bake, close it. */
function waveProcessor(arns: FunctionArns) {
  return {
    ProcessorConfig: { Mode: "INLINE" },
    StartAt: "StartWave",
    States: {
      StartWave: invoke(arns, "startWave", { next: "WaveProceeds", catchTo: "WaveFailed" }),
      WaveProceeds: choice([{ Variable: "$.proceed", BooleanEquals: false, Next: "WaveSkipped" }], "Groups"),
      WaveSkipped: { Type: "Succeed" },
      Groups: {
        Type: "Map",
        Label: "Groups",
        ItemsPath: "$.groups",
        MaxConcurrencyPath: "$.maxParallelGroups",
        ItemSelector: {
          "runId.$": "$.runId",
          "wave.$": "$.wave.name",
          "mode.$": "$.mode",
          "group.$": "$$.Map.Item.Value",
        },
        ItemProcessor: groupProcessor(arns),
        // A child execution that fails anyway (its own timeout, a runtime error) must not abort the
        // other groups: the ledger still shows it RUNNING and Finish hands the run to the reconcile path.
        ToleratedFailurePercentage: 100,
        ResultPath: null,
        Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "WaveFailed" }],
        Next: "BakeNeeded",
      },
      BakeNeeded: choice(
        [{ Variable: "$.bakeSeconds", NumericGreaterThan: 0, Next: "WatchBake" }],
        "EndWave",
      ),
      WatchBake: invoke(arns, "bakeWave", {
        next: "BakeDone",
        catchTo: "WaveFailed",
        comment: "watch the finished wave's health",
      }),
      BakeDone: choice([{ Variable: "$.bake.done", BooleanEquals: false, Next: "BakeWait" }], "EndWave"),
      BakeWait: waitPath("$.bake.waitSeconds", "WatchBake"),
      EndWave: invoke(arns, "endWave", { next: "AfterWave", catchTo: "WaveFailed" }),
      AfterWave: choice(
        [
          { Variable: "$.revertCount", NumericGreaterThan: 0, Next: "Groups" },
          { Variable: "$.awaitApproval", BooleanEquals: true, Next: "WaitForApproval" },
        ],
        "WaveDone",
      ),
      WaitForApproval: {
        Type: "Task",
        Comment: "the run shows WAITING until an operator approves (or aborts) through the status API",
        Resource: LAMBDA_INVOKE_WAIT,
        Parameters: {
          FunctionName: arns.awaitApproval,
          Payload: { "state.$": "$", "taskToken.$": "$$.Task.Token" },
        },
        TimeoutSeconds: RUN_TIMEOUT_SECONDS,
        ResultPath: "$.approval",
        Retry: RETRY,
        Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "ApprovalMissing" }],
        Next: "WaveDone",
      },
      ApprovalMissing: {
        Type: "Fail",
        Error: "ApprovalMissing",
        Cause: "no approval arrived between waves; later waves were not started",
      },
      WaveDone: { Type: "Succeed" },
      WaveFailed: {
        Type: "Fail",
        Comment:
          "fails the Waves map with the task's own error; its Catch takes the run to the reconcile path",
        ErrorPath: "$.error.Error",
        CausePath: "$.error.Cause",
      },
    },
  };
}

/** Seconds the reconcile path waits between two looks at the refreshes it rolls back. */
export const RECONCILE_WAIT_SECONDS = 30;
/** The reconcile machine's own limit: the longest rollback of a large group ends well within a day. */
export const RECONCILE_TIMEOUT_SECONDS = 24 * 3600;

/**
 * The reconcile path (DESIGN step 9): roll back the run's refreshes still in progress, wait until
 * they end, release its locks, close the record truthfully, notify. One Task in a loop with a Wait;
 * the task answers `done` once nothing of the run runs any more. If the path itself fails, the
 * execution ends FAILED and the EventBridge rule starts the reconcile state machine, which does
 * the same (every step is idempotent).
 */
function reconcileStates(
  arns: FunctionArns,
  options: { first: string; payload: Record<string, unknown> | null; settled: string },
): Record<string, AslState> {
  const { first, settled } = options;
  const look = `${first}Settled`;
  const wait = `${first}Wait`;
  const again = `${first}Again`;
  const failed = `${first}Failed`;
  return {
    [first]: invoke(arns, "reconcile", {
      ...(options.payload ? { payload: options.payload } : {}),
      next: look,
      catchTo: failed,
      comment: "roll back the run's refreshes still in progress, release its locks, close the record, notify",
    }),
    [look]: choice([{ Variable: "$.done", BooleanEquals: false, Next: wait }], settled),
    [wait]: { Type: "Wait", SecondsPath: "$.waitSeconds", Next: again },
    [again]: invoke(arns, "reconcile", { next: look, catchTo: failed }),
    [failed]: {
      Type: "Fail",
      Comment:
        "the reconcile path failed: the execution ends FAILED and the EventBridge rule reconciles again",
      ErrorPath: "$.error.Error",
      CausePath: "$.error.Cause",
    },
  };
}

/**
 * The reconcile state machine, started by an EventBridge rule when an execution of the product's
 * state machine ends FAILED, TIMED_OUT or ABORTED ("Step Functions Execution Status Change"). Its
 * input is that event; the task reads the run id (the execution name) and the status from `detail`.
 */
export function buildReconcileDefinition(arns: FunctionArns): StateMachineDefinition {
  return {
    Comment: "fleet-upgrade: close a run whose execution ended outside Finish (stop, timeout, failure)",
    StartAt: "Reconcile",
    TimeoutSeconds: RECONCILE_TIMEOUT_SECONDS,
    States: {
      ...reconcileStates(arns, { first: "Reconcile", payload: null, settled: "Reconciled" }),
      Reconciled: { Type: "Succeed" },
    },
  };
}

/**
 * The whole run as Amazon States Language (JSONPath), given the ARN of each task's function.
 * Pure: the local runner and the deployed state machine use exactly this output.
 *
 * @example
 * const definition = buildDefinition(localFunctionArns());
 * JSON.stringify(definition); // what infra passes to aws.sfn.StateMachine
 */
export function buildDefinition(
  arns: FunctionArns,
  options: { timeoutSeconds?: number } = {},
): StateMachineDefinition {
  const fail = "RecordFailure";
  return {
    Comment: "fleet-upgrade: move Auto Scaling groups to a hardened Amazon Linux 2023 image in canary waves",
    StartAt: "ValidateRequest",
    TimeoutSeconds: options.timeoutSeconds ?? RUN_TIMEOUT_SECONDS,
    States: {
      ValidateRequest: invoke(arns, "validate", {
        payload: {
          "request.$": "$",
          "runId.$": "$$.Execution.Name",
        },
        next: "Inventory",
        catchTo: fail,
        comment: "merge the request over the stage defaults; every problem at once",
      }),
      Inventory: invoke(arns, "inventory", { next: "InventoryPaged", catchTo: fail }),
      ...pagedLoop(arns, "inventory", { first: "Inventory", done: "Readiness", fail }),
      Readiness: invoke(arns, "readiness", {
        next: "ReadinessPaged",
        catchTo: fail,
        comment:
          "preflight before the bake: judge every targeted group and the plan; RunNotReadyError fails the run before any change",
      }),
      ...pagedLoop(arns, "readiness", { first: "Readiness", done: "SelectTarget", fail }),
      SelectTarget: invoke(arns, "selectTarget", { next: "NeedsHardening", catchTo: fail }),
      NeedsHardening: choice(
        [
          {
            And: [
              { Variable: "$.hardens", BooleanEquals: true },
              { Variable: "$.dryRun", BooleanEquals: false },
            ],
            Next: "Harden",
          },
        ],
        "Plan",
      ),
      Harden: {
        Type: "Map",
        Comment: "one hardened image per architecture in use, in parallel",
        ItemsPath: "$.architectures",
        ItemSelector: { "runId.$": "$.runId", "architecture.$": "$$.Map.Item.Value" },
        ItemProcessor: hardenProcessor(arns),
        ResultPath: null,
        Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: fail }],
        Next: "Plan",
      },
      Plan: invoke(arns, "plan", { next: "PlanPaged", catchTo: fail }),
      ...pagedLoop(arns, "plan", { first: "Plan", done: "IsDryRun", fail }),
      IsDryRun: choice([{ Variable: "$.dryRun", BooleanEquals: true, Next: "Finish" }], "Waves"),
      Waves: {
        Type: "Map",
        Comment: "waves one after another",
        ItemsPath: "$.waves",
        MaxConcurrency: 1,
        ItemSelector: { "runId.$": "$.runId", "wave.$": "$$.Map.Item.Value" },
        ItemProcessor: waveProcessor(arns),
        ResultPath: null,
        Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: fail }],
        Next: "Finish",
      },
      Finish: invoke(arns, "finish", {
        payload: { "runId.$": "$.runId" },
        next: "FinishPaged",
        catchTo: fail,
        comment:
          "release locks, write the run result, notify; a group still running (abandoned) or a write that fails takes the reconcile path",
      }),
      ...pagedLoop(arns, "finish", { first: "Finish", done: "RunOutcome", fail }),
      RunOutcome: choice(
        [
          { Variable: "$.status", StringEquals: "SUCCEEDED", Next: "RunSucceeded" },
          { Variable: "$.status", StringEquals: "PLANNED", Next: "RunSucceeded" },
        ],
        "RunDidNotSucceed",
      ),
      RunSucceeded: { Type: "Succeed" },
      RunDidNotSucceed: { Type: "Fail", ErrorPath: "$.status", CausePath: "$.reason" },
      ...reconcileStates(arns, {
        first: fail,
        payload: {
          "runId.$": "$$.Execution.Name",
          executionStatus: "FAILED",
          "error.$": "$.error",
        },
        settled: "RunFailed",
      }),
      RunFailed: { Type: "Fail", ErrorPath: "$.status", CausePath: "$.reason" },
    },
  };
}
