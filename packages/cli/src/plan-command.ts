import { existsSync, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetAccountSettingsCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { fromIni } from "@aws-sdk/credential-providers";
import { type AwsClients, createAwsClients, ensureLedgerTable } from "@fleet-upgrade/aws";
import {
  assembleRunResult,
  concurrencyNote,
  formatProblems,
  NO_METRICS,
  parseRunRequest,
  RunRequestSchema,
  runOutcomeOf,
} from "@fleet-upgrade/core";
import { DEFAULT_SETTINGS, depsFromClients, type FunctionSettings, TASKS } from "@fleet-upgrade/functions";
import { startLedgerServer } from "@fleet-upgrade/harness";
import { CREDENTIALS_HOW_TO, isMissingCredentials } from "./credentials";
import { anyBlocked, readinessTable, summary } from "./format";
import { readRequestFlag } from "./request-flag";
import { exportScenario } from "./scenario-export";

export interface PlanIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

/**
 * The account's clients but DynamoDB (the plan keeps its ledger on a local DynamoDB), and Lambda for
 * the account's concurrency (GetAccountSettings).
 */
export type PlanClients = Omit<AwsClients, "dynamodb"> & { lambda: LambdaClient };

export interface PlanOptions {
  /** Builds the account's clients; tests inject mocked ones. */
  clients?: (config: { region: string; profile: string | undefined }) => PlanClients;
  settings?: FunctionSettings;
  now?: () => Date;
  env?: NodeJS.ProcessEnv;
}

const USAGE =
  "usage: fleet-upgrade plan [--request FILE|JSON] [--region R] [--profile P] [--scenario FILE.yaml]";

class PlanUsageError extends Error {
  override readonly name = "PlanUsageError";
}

function defaultClients(config: { region: string; profile: string | undefined }): PlanClients {
  const credentials = config.profile === undefined ? undefined : fromIni({ profile: config.profile });
  return {
    ...createAwsClients({ region: config.region, ...(credentials !== undefined && { credentials }) }),
    lambda: new LambdaClient({ region: config.region, ...(credentials !== undefined && { credentials }) }),
  };
}

/**
 * The Lambda concurrency line: the account's unreserved concurrency against what the run may need.
 * A read that fails (a policy without lambda:GetAccountSettings) is reported, never fatal.
 */
/** Calls a paged task again with its own answer while it answers `done: false`, as the state machine does. */
async function untilDone(
  task: (typeof TASKS)[keyof typeof TASKS],
  input: unknown,
  deps: Parameters<(typeof TASKS)[keyof typeof TASKS]>[1],
): Promise<unknown> {
  let page = await task(input, deps);
  while ((page as { done?: unknown }).done === false) page = await task(page, deps);
  return page;
}

async function lambdaConcurrencyLine(
  lambda: LambdaClient,
  region: string,
  maxParallelGroups: number,
  waveSizes: number[],
): Promise<string> {
  try {
    const out = await lambda.send(new GetAccountSettingsCommand({}));
    const unreserved = out.AccountLimit?.UnreservedConcurrentExecutions;
    if (unreserved === undefined) return "Lambda concurrency: GetAccountSettings did not say (not checked)";
    return concurrencyNote({ unreserved, region, maxParallelGroups, waveSizes }).text;
  } catch (error) {
    return `Lambda concurrency: not checked (${(error as Error).name}: ${(error as Error).message})`;
  }
}

/**
 * `fleet-upgrade plan`: the state machine's dry-run path (validate, inventory, select the target,
 * plan the waves) against a real account, with read-only calls; the ledger lives on a local
 * DynamoDB for the length of the command. Prints the inventory, the target images, the waves and
 * each group's preflight findings. Exit codes: 0 planned, 1 the plan failed, 2 invalid input.
 */
export async function planCommand(args: string[], io: PlanIo, options: PlanOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const settings = options.settings ?? DEFAULT_SETTINGS;
  let region: string;
  let profile: string | undefined;
  let request: unknown;
  let scenarioPath: string | undefined;
  try {
    const { values, positionals } = parseArgs({
      args,
      options: {
        request: { type: "string" },
        region: { type: "string" },
        profile: { type: "string" },
        scenario: { type: "string" },
      },
    });
    if (positionals.length > 0)
      throw new PlanUsageError(`plan takes no arguments, got: ${positionals.join(" ")}`);
    const given =
      values.request === undefined
        ? {}
        : readRequestFlag(values.request, (message) => new PlanUsageError(message));
    const merged =
      given !== null && typeof given === "object" && !Array.isArray(given)
        ? { ...given, dryRun: true }
        : given;
    const parsed = parseRunRequest(merged, settings.stage);
    if (!parsed.ok)
      throw new PlanUsageError(`the run request is invalid:\n${formatProblems(parsed.problems)}`);
    request = merged;
    const chosen = values.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
    if (!chosen) throw new PlanUsageError("no region: pass --region or set AWS_REGION");
    region = chosen;
    profile = values.profile ?? undefined;
    if (values.scenario !== undefined) {
      const folder = dirname(resolve(values.scenario));
      if (values.scenario === "" || !existsSync(folder) || !statSync(folder).isDirectory()) {
        throw new PlanUsageError(
          `--scenario ${JSON.stringify(values.scenario)}: expected a file path in an existing folder (${folder} does not exist)`,
        );
      }
      scenarioPath = values.scenario;
    }
  } catch (error) {
    const usage =
      error instanceof PlanUsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
    if (!usage) throw error;
    io.stderr(`fleet-upgrade plan: ${(error as Error).message}`);
    if (!(error instanceof PlanUsageError)) io.stderr(USAGE);
    return 2;
  }

  const ledgerServer = await startLedgerServer();
  try {
    const dynamodb = new DynamoDBClient({
      region,
      endpoint: ledgerServer.endpoint,
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    await ensureLedgerTable(dynamodb, "fleet-upgrade-plan");
    const clients = (options.clients ?? defaultClients)({ region, profile });
    const deps = depsFromClients(
      { ...clients, dynamodb },
      { tableName: "fleet-upgrade-plan", settings, ...(options.now && { now: options.now }) },
    );
    const now = deps.now();
    const runId = `plan-${now
      .toISOString()
      .replace(/[^0-9]/g, "")
      .slice(0, 14)}`;
    io.stderr(`planning in ${region}${profile ? ` with profile ${profile}` : ""} (read-only)`);
    const accepted = (await TASKS.validate({ request, runId, startedAt: now.toISOString() }, deps)) as object;
    io.stderr("inventorying the fleet through SSM and Auto Scaling");
    const inventoried = await TASKS.inventory(accepted, deps);
    io.stderr("choosing the AL2023 image");
    io.stderr("judging the readiness of every targeted group");
    let readied: unknown;
    try {
      readied = await untilDone(TASKS.readiness, inventoried, deps);
    } catch (error) {
      if ((error as Error).name !== "RunNotReadyError") throw error;
      const readiness = await deps.ledger.listReadiness(runId);
      if (readiness) io.stdout(readinessTable(readiness));
      io.stderr(`fleet-upgrade plan: the run would fail before any change: ${(error as Error).message}`);
      return 1;
    }
    const targeted = await TASKS.selectTarget(readied, deps);
    await untilDone(TASKS.plan, targeted, deps);

    const run = await deps.ledger.getRun(runId);
    if (!run) throw new Error(`the plan ${runId} left no record`);
    const effective = RunRequestSchema.parse(run.request);
    if (scenarioPath !== undefined) {
      const { dryRun: _dryRun, ...rawRequest } = request as Record<string, unknown>;
      const text = await exportScenario(clients, {
        outputPath: scenarioPath,
        region,
        request: effective,
        rawRequest,
        now,
      });
      writeFileSync(scenarioPath, text);
      io.stderr(
        `wrote the scenario ${scenarioPath}: rehearse it with fleet-upgrade simulate ${scenarioPath}`,
      );
    }
    const progress = await deps.ledger.listProgress(runId);
    const outcome = runOutcomeOf(run, effective, progress);
    const readiness = await deps.ledger.listReadiness(runId, run);
    const result = assembleRunResult(
      { ...run, ...outcome, endedAt: now.toISOString(), ...(readiness !== undefined && { readiness }) },
      effective,
      progress,
      NO_METRICS,
    );
    io.stdout(summary(result));
    const kernels = Object.entries(run.inventory?.byKernel ?? {})
      .map(([kernel, n]) => `${n} ${kernel}`)
      .join(", ");
    if (kernels) io.stdout(`kernels: ${kernels}`);
    io.stdout(
      await lambdaConcurrencyLine(
        clients.lambda,
        region,
        effective.rollout.maxParallelGroups,
        result.waves.map((wave) => wave.groups.length),
      ),
    );
    return anyBlocked(result) ? 1 : 0;
  } catch (error) {
    io.stderr(`fleet-upgrade plan: ${(error as Error).name}: ${(error as Error).message}`);
    if (isMissingCredentials(error)) io.stderr(`  ${CREDENTIALS_HOW_TO}; or pass --profile NAME`);
    return 1;
  } finally {
    await ledgerServer.close();
  }
}
