/**
 * Proves the function policies against what the handlers really call: runs simulated upgrades with
 * the real definition, handlers and adapters, records every SDK call under the function that made
 * it (AsyncLocalStorage follows each invocation across its awaits), and checks each call against
 * that function's own policy. A handler that starts calling something new fails here, naming it.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SFNClient } from "@aws-sdk/client-sfn";
import { ensureLedgerTable } from "@fleet-upgrade/aws";
import type { Scenario } from "@fleet-upgrade/core";
import {
  DEFAULT_SETTINGS,
  depsFromClients,
  lambdaHandler,
  REFRESH_EVENTS_TASK,
  TASKS,
} from "@fleet-upgrade/functions";
import { answerCommands, startLedgerServer } from "@fleet-upgrade/harness";
import {
  EXAMPLE_SCENARIO_PATH,
  loadScenario,
  SIMULATED_CREDENTIALS,
  SimulatedAccount,
} from "@fleet-upgrade/simulator";
import {
  buildDefinition,
  buildReconcileDefinition,
  LocalRunner,
  localFunctionArns,
  TASK_FUNCTIONS,
} from "@fleet-upgrade/workflow";
import { beforeAll, describe, expect, it } from "vitest";
import { type FunctionKey, functionPolicy, LEDGER_ACCESS } from "../../infra/iam";
import { testContext } from "./context";

const IAM_PREFIX: Record<string, string> = {
  autoscaling: "autoscaling",
  ec2: "ec2",
  ssm: "ssm",
  cloudwatch: "cloudwatch",
  elbv2: "elasticloadbalancing",
  sfn: "states",
  dynamodb: "dynamodb",
  sns: "sns",
  iam: "iam",
};
/** lib-dynamodb's document commands and the DynamoDB actions they are authorised as. */
const DOCUMENT_ACTIONS: Record<string, string> = {
  Get: "GetItem",
  Put: "PutItem",
  Delete: "DeleteItem",
  Query: "Query",
  BatchWrite: "BatchWriteItem",
  Update: "UpdateItem",
  GetItem: "GetItem",
  PutItem: "PutItem",
  DeleteItem: "DeleteItem",
  BatchWriteItem: "BatchWriteItem",
};

// biome-ignore lint/suspicious/noExplicitAny: each SDK client's middleware stack has its own unions
type AnyStack = { middlewareStack: { add: (...args: any[]) => void } };

const current = new AsyncLocalStorage<FunctionKey>();
const observed = new Map<FunctionKey, Set<string>>();

function record(client: AnyStack, service: string): void {
  client.middlewareStack.add(
    // biome-ignore lint/suspicious/noExplicitAny: see AnyStack
    (next: (args: any) => Promise<any>, context: Record<string, unknown>) => async (args: { input: any }) => {
      const fn = current.getStore();
      if (fn !== undefined) {
        const operation = String(context.commandName ?? "").replace(/Command$/, "");
        let action = `${IAM_PREFIX[service]}:${service === "dynamodb" ? (DOCUMENT_ACTIONS[operation] ?? operation) : operation}`;
        if (service === "dynamodb" && args.input?.IndexName) action = "dynamodb:Query@index";
        const set = observed.get(fn) ?? new Set<string>();
        set.add(action);
        observed.set(fn, set);
      }
      return next(args);
    },
    { step: "initialize", priority: "high", name: "iamCoverageRecorder", override: true },
  );
}

async function simulateRecording(
  scenario: Scenario,
  request: unknown,
  options: { stopAfterSeconds?: number } = {},
): Promise<void> {
  const account = SimulatedAccount.create(scenario);
  const clock = account.clock;
  const ledger = await startLedgerServer();
  try {
    const dynamodb = new DynamoDBClient({
      region: account.region,
      endpoint: ledger.endpoint,
      credentials: SIMULATED_CREDENTIALS,
    });
    await ensureLedgerTable(dynamodb, "ledger");
    const sfn = new SFNClient({ region: account.region, credentials: SIMULATED_CREDENTIALS });
    const clients = { ...account.createClients(), sfn, dynamodb };
    for (const [service, client] of Object.entries(clients)) record(client as AnyStack, service);
    const deps = depsFromClients(clients, {
      tableName: "ledger",
      settings: DEFAULT_SETTINGS,
      now: () => new Date(clock.now()),
      notificationTopicArn: `arn:aws:sns:${account.region}:${account.accountId}:fleet-upgrade-notifications`,
    });
    const arns = localFunctionArns(account.region, account.accountId);
    const functions: Record<string, (event: unknown) => Promise<unknown>> = {};
    for (const name of TASK_FUNCTIONS) {
      const handler = lambdaHandler(name, TASKS[name], deps);
      // biome-ignore lint/suspicious/noExplicitAny: the handlers do not read the Lambda context
      functions[arns[name]] = (event) => current.run(name, () => handler(event, {} as any));
    }
    const runner: LocalRunner = new LocalRunner({
      definition: buildDefinition(arns),
      functions,
      clock,
      executionName: `coverage-${scenario.seed}`,
      input: request,
      crashAfterSideEffect: [],
    });
    let active = runner;
    answerCommands(sfn, "states", {}, (operation, input) => {
      const body = input as { taskToken?: string; output?: string };
      if (operation === "SendTaskSuccess")
        active.sendTaskSuccess(String(body.taskToken), JSON.parse(body.output ?? "null"));
      return {};
    });
    const onEvent = lambdaHandler("refreshEvents", REFRESH_EVENTS_TASK, deps);
    account.onRefreshEvent((event) => {
      // biome-ignore lint/suspicious/noExplicitAny: see above
      void active.track(() => current.run("refreshEvents", () => onEvent(event, {} as any)));
    });
    if (options.stopAfterSeconds !== undefined)
      clock.schedule(clock.now() + options.stopAfterSeconds * 1000, () => runner.stop("ABORTED"));
    const ended = await runner.run();
    if (ended.status === "ABORTED" || ended.status === "FAILED" || ended.status === "TIMED_OUT") {
      // The EventBridge rule's reconcile state machine, with the status-change event as input.
      const reconciler: LocalRunner = new LocalRunner({
        definition: buildReconcileDefinition(arns),
        functions,
        clock,
        executionName: `coverage-reconcile-${scenario.seed}`,
        input: {
          detail: { name: `coverage-${scenario.seed}`, status: ended.status, error: null, cause: null },
        },
      });
      active = reconciler;
      await reconciler.run();
    }
  } finally {
    await ledger.close();
  }
}

function granted(key: FunctionKey): Set<string> {
  const actions = functionPolicy(key, testContext()).Statement.flatMap((s) => s.Action);
  if (LEDGER_ACCESS[key].includes("QueryIndex")) actions.push("dynamodb:Query@index");
  return new Set(actions);
}

describe("function policies against the calls the handlers make", () => {
  beforeAll(async () => {
    const scenario = loadScenario(EXAMPLE_SCENARIO_PATH);
    // The example as is (a canary rollback among upgrades), then with every event lost (the poll
    // backstop) and an approval between waves that nobody gives (the wait for approval).
    await simulateRecording(scenario, scenario.request ?? {});
    await simulateRecording(
      { ...scenario, seed: scenario.seed + 1, faults: { ...scenario.faults, dropEvents: 1 } },
      scenario.request ?? {},
    );
    // Group metrics collection off (AWS's default): the plan step turns it on (METRICS_COLLECTION_OFF).
    const healthy = {
      ...scenario,
      seed: scenario.seed + 2,
      groups: scenario.groups.map((g) => ({ ...g, onNewImage: {}, metricsCollection: false })),
    };
    // New instances that never come online in SSM: the checkpoint's health check rolls the group back.
    const offline = {
      ...scenario,
      seed: scenario.seed + 3,
      groups: scenario.groups.map((g) => ({ ...g, onNewImage: { ...g.onNewImage, ssmOffline: true } })),
    };
    await simulateRecording(offline, scenario.request ?? {});
    await simulateRecording(healthy, { ...(scenario.request ?? {}), rollout: { approval: "between-waves" } });
    // Stopped from the console while its first wave's refreshes run: the reconcile path rolls them back.
    await simulateRecording({ ...healthy, seed: scenario.seed + 4 }, scenario.request ?? {}, {
      stopAfterSeconds: 2400,
    });
  }, 180_000);

  it("exercises every function of the state machine and the event callback", () => {
    const missing = [...TASK_FUNCTIONS, "refreshEvents" as const].filter((k) => !observed.has(k));
    expect(missing).toEqual([]);
  });

  it("grants every function each call its handler makes", () => {
    const ungranted: string[] = [];
    for (const [key, actions] of observed) {
      const allowed = granted(key);
      for (const action of actions) if (!allowed.has(action)) ungranted.push(`${key}: ${action}`);
    }
    expect(ungranted).toEqual([]);
  });

  it("grants nothing a handler never calls, beyond the permissions AWS checks on its behalf", () => {
    // Checked by AWS inside another call, or made only in paths the simulation does not take.
    const implicit = new Set([
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      // StartInstanceRefresh checks that the caller could launch from the launch template.
      "startRefresh ec2:RunInstances",
      "startRefresh ec2:CreateTags",
      "startRefresh iam:PassRole",
      "rollbackGroup ec2:RunInstances",
      "rollbackGroup ec2:CreateTags",
      "rollbackGroup iam:PassRole",
      "rollbackGroup autoscaling:StartInstanceRefresh",
      // UpdateAutoScalingGroup naming a launch template checks the same (plan pins $Latest/$Default groups).
      "plan ec2:RunInstances",
      "plan ec2:CreateTags",
      "plan iam:PassRole",
      // RunInstances and CreateImage with TagSpecifications are authorised as CreateTags too.
      "hardenStep ec2:CreateTags",
      "hardenStep iam:PassRole",
      // Launch templates whose image is `resolve:ssm:...`; the example has none.
      "inventory ssm:GetParameters",
      // Launch templates with an instance profile (ROLE_NOT_PASSABLE); the example has none.
      "readiness iam:GetInstanceProfile",
      // Reverts in rarer paths: a scope-wave revert pass, an irreversible refresh cancelled first.
      "startRefresh autoscaling:RollbackInstanceRefresh",
      "startRefresh autoscaling:CancelInstanceRefresh",
      "rollbackGroup autoscaling:CancelInstanceRefresh",
      "rollbackGroup sns:Publish",
      "awaitApproval sns:Publish",
      // Paths of races and rarer outcomes: an event before the token was filed, a regression
      // while baking, several groups still running when a run ends, an abort before approval.
      "waitForRefresh dynamodb:DeleteItem",
      "waitForRefresh states:SendTaskSuccess",
      "bakeWave dynamodb:PutItem",
      // The reconcile path: a refresh that cannot be rolled back is cancelled; one group settled at a time.
      "reconcile autoscaling:CancelInstanceRefresh",
      "reconcile ec2:RunInstances",
      "reconcile ec2:CreateTags",
      "reconcile iam:PassRole",
      "reconcile dynamodb:BatchWriteItem",
      // A verify report the listing may have cut short, or that fails, is read whole; the example's pass.
      "verifyGroup ssm:GetCommandInvocation",
      // Finish releases the run's locks itself when a group's own release did not happen.
      "finish dynamodb:DeleteItem",
      "awaitApproval dynamodb:DeleteItem",
      "awaitApproval states:SendTaskSuccess",
    ]);
    const unused: string[] = [];
    for (const key of [...TASK_FUNCTIONS, "refreshEvents" as const]) {
      const calls = observed.get(key) ?? new Set<string>();
      for (const action of granted(key)) {
        if (!calls.has(action) && !implicit.has(action) && !implicit.has(`${key} ${action}`))
          unused.push(`${key}: ${action}`);
      }
    }
    expect(unused).toEqual([]);
  });
});
