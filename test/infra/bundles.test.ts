/**
 * Bundles every function as SST deploys it (infra/bundle-options.ts, esbuild's metafile) and holds
 * each bundle to what its entry point declares: the SDK clients in the bundle are exactly those the
 * entry's adapter factories build (plus DynamoDB for the ledger), those are exactly the services its
 * IAM policy lets it call (infra/iam.ts, itself proven against the calls of simulated runs by
 * iam-coverage.test.ts), and the bundle stays within its size budget.
 */
import { fileURLToPath } from "node:url";
import { FUNCTION_KEYS, FUNCTION_TABLE, type FunctionKey } from "@fleet-upgrade/workflow";
import { beforeAll, describe, expect, it } from "vitest";
import { bundleFunctions, type FunctionBundle } from "../../bench/bundles";
import { functionPolicy } from "../../infra/iam";
import { testContext } from "./context";

/** Each SDK client's package (without `@aws-sdk/client-`) and its IAM action prefix. */
const CLIENTS = {
  autoscaling: { pkg: "auto-scaling", iam: "autoscaling" },
  cloudwatch: { pkg: "cloudwatch", iam: "cloudwatch" },
  dynamodb: { pkg: "dynamodb", iam: "dynamodb" },
  ec2: { pkg: "ec2", iam: "ec2" },
  elbv2: { pkg: "elastic-load-balancing-v2", iam: "elasticloadbalancing" },
  iam: { pkg: "iam", iam: "iam" },
  sfn: { pkg: "sfn", iam: "states" },
  sns: { pkg: "sns", iam: "sns" },
  ssm: { pkg: "ssm", iam: "ssm" },
} as const;
type Client = keyof typeof CLIENTS;

/**
 * Statements that grant what Auto Scaling or EC2 check on the caller's behalf (launching from a
 * template, passing a role), not calls the function makes; logs are written by Lambda itself.
 */
const NOT_CALLS = new Set([
  "WriteOwnLogs",
  "UseManagedLaunchTemplate",
  "LaunchOnlyThroughLaunchTemplate",
  "TagOnLaunchThroughLaunchTemplate",
  "PassFleetInstanceRoles",
  "PassBuilderRoleToEc2",
]);

/** The two entry points built on `entryPoint` rather than `taskHandler`: their clients, from their files. */
const OWN_CLIENTS: Partial<Record<FunctionKey, Client[]>> = {
  // api/status-api.ts: the ledger, the resumer and the run starter (Step Functions), Slack's settings (SSM).
  statusApi: ["dynamodb", "sfn", "ssm"],
  // triggers/new-ami-check.ts: the ledger, the AL2023 parameters (SSM), the run starter.
  newAmiCheck: ["dynamodb", "ssm", "sfn"],
};

/** Bytes each bundle may weigh: measured on the lean functions, with a few percent to spare. */
const BUDGET_KB: Record<FunctionKey, number> = {
  validate: 980,
  inventory: 1670,
  readiness: 1640,
  selectTarget: 1630,
  hardenStep: 1650,
  plan: 990,
  startWave: 950,
  startRefresh: 1600,
  waitForRefresh: 1010,
  pollRefresh: 980,
  evaluateHealth: 1150,
  rollbackGroup: 1010,
  verifyGroup: 1150,
  finishGroup: 1020,
  bakeWave: 1150,
  endWave: 970,
  awaitApproval: 1000,
  finish: 980,
  reconcile: 1020,
  refreshEvents: 970,
  newAmiCheck: 1060,
  statusApi: 1140,
};

async function declaredClients(key: FunctionKey): Promise<Client[]> {
  const own = OWN_CLIENTS[key];
  if (own) return [...own].sort();
  const file = fileURLToPath(
    new URL(`../../packages/functions/src/${FUNCTION_TABLE[key].entry}.ts`, import.meta.url),
  );
  const entry: { handler?: { adapters?: Record<string, { clients: readonly Client[] }> } } = await import(
    /* @vite-ignore */ file
  );
  const adapters = entry.handler?.adapters;
  if (adapters === undefined) throw new Error(`${key}: its handler names no adapters (use taskHandler)`);
  const clients = new Set<Client>(["dynamodb"]);
  for (const factory of Object.values(adapters)) for (const client of factory.clients) clients.add(client);
  return [...clients].sort();
}

/** The clients whose services the function's policy lets it call. */
function policyClients(key: FunctionKey): Client[] {
  const prefixes = new Set<string>();
  for (const statement of functionPolicy(key, testContext()).Statement) {
    if (NOT_CALLS.has(statement.Sid)) continue;
    for (const action of statement.Action) prefixes.add(action.split(":")[0] ?? action);
  }
  const clients = (Object.keys(CLIENTS) as Client[]).filter((client) => prefixes.has(CLIENTS[client].iam));
  const unknown = [...prefixes].filter((prefix) => !clients.some((client) => CLIENTS[client].iam === prefix));
  if (unknown.length > 0)
    throw new Error(`${key}: the policy calls ${unknown.join(", ")}, a service no client here maps`);
  return clients.sort();
}

const bundledClients = (bundle: FunctionBundle): Client[] =>
  (Object.keys(CLIENTS) as Client[]).filter((client) => bundle.clients.includes(CLIENTS[client].pkg)).sort();

describe("Lambda bundles, as SST deploys them", () => {
  const bundles = new Map<FunctionKey, FunctionBundle>();
  beforeAll(async () => {
    for (const bundle of await bundleFunctions()) bundles.set(bundle.key, bundle);
  }, 120_000);

  it.each(FUNCTION_KEYS)("%s bundles exactly the SDK clients its entry point declares", async (key) => {
    const bundle = bundles.get(key);
    expect(bundle, key).toBeDefined();
    if (!bundle) return;
    // A client package not in the table above is a client nobody declared.
    const strays = bundle.clients.filter(
      (pkg) => !Object.values(CLIENTS).some((client) => client.pkg === pkg),
    );
    expect(strays, `${key} bundles clients no table here knows`).toEqual([]);
    expect(bundledClients(bundle), `${key}: bundled vs declared`).toEqual(await declaredClients(key));
  });

  it.each(FUNCTION_KEYS)("%s declares exactly the services its IAM policy lets it call", async (key) => {
    expect(await declaredClients(key), `${key}: declared vs infra/iam.ts`).toEqual(policyClients(key));
  });

  it.each(FUNCTION_KEYS)("%s stays within its size budget", (key) => {
    const bundle = bundles.get(key);
    expect(bundle, key).toBeDefined();
    expect(Math.round((bundle?.bytes ?? Number.POSITIVE_INFINITY) / 1000), `${key}, KB`).toBeLessThanOrEqual(
      BUDGET_KB[key],
    );
  });
});
