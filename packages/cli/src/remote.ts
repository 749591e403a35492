/**
 * `fleet-upgrade start | status | approve | abort` against a deployed status API, each request
 * signed with SigV4 (service `execute-api`) from the standard AWS credential chain.
 */

import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import type { RunResult } from "@fleet-upgrade/core/result";
import { liveLines, runText } from "@fleet-upgrade/functions";
import type { AwsCredentialIdentity, Provider } from "@smithy/types";
import { apiClient, apiError, RemoteApiError, RemoteUsageError } from "./api-client";
import { readRequestFlag } from "./request-flag";

export { RemoteUsageError };

export interface RemoteIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface RemoteOptions {
  /** Credentials for signing; the standard chain (env, profile, SSO, instance role...) by default. */
  credentials?: Provider<AwsCredentialIdentity>;
  fetch?: typeof fetch;
  env?: NodeJS.ProcessEnv;
  /** How long `status --watch` waits between polls, ms (default 5000). */
  watchIntervalMs?: number;
}

/** What the status API accepts as an Idempotency-Key (CONTRACTS section 5). */
const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{1,64}$/;

const COMMON = { api: { type: "string" }, region: { type: "string" } } as const;

function apiOf(values: { api?: string | undefined }, env: NodeJS.ProcessEnv): string {
  const api = values.api ?? env.FLEET_UPGRADE_API;
  if (!api) throw new RemoteUsageError("--api URL is required (or set FLEET_UPGRADE_API)");
  return api;
}

function onePositional(command: string, positionals: string[], required: boolean): string | undefined {
  if (positionals.length > 1)
    throw new RemoteUsageError(
      `${command} takes one RUN_ID, got ${positionals.length}: ${positionals.join(" ")}`,
    );
  if (required && positionals.length === 0) throw new RemoteUsageError(`${command} needs a RUN_ID`);
  return positionals[0];
}

const runPath = (runId: string) => `/runs/${encodeURIComponent(runId)}`;

/** Exit code of a run's status (CONTRACTS section 4): 0 SUCCEEDED or PLANNED, 1 otherwise. */
export const exitCodeOf = (status: string) => (status === "SUCCEEDED" || status === "PLANNED" ? 0 : 1);

async function start(args: string[], io: RemoteIo, options: RemoteOptions): Promise<number> {
  const env = options.env ?? process.env;
  const { values, positionals } = parseArgs({
    args,
    options: { ...COMMON, request: { type: "string" }, "idempotency-key": { type: "string" } },
  });
  if (positionals.length > 0)
    throw new RemoteUsageError(`start takes no arguments, got ${positionals.join(" ")}`);
  const idempotencyKey = values["idempotency-key"] ?? randomUUID();
  if (!IDEMPOTENCY_KEY.test(idempotencyKey))
    throw new RemoteUsageError(
      `--idempotency-key: got ${JSON.stringify(idempotencyKey.slice(0, 80))}, expected 1-64 letters, digits, "-" or "_"`,
    );
  const request =
    values.request === undefined
      ? {}
      : readRequestFlag(values.request, (message) => new RemoteUsageError(message));
  const client = apiClient(apiOf(values, env), values.region, options);
  // The key makes a retried start (a lost answer, a script run twice) answer with the run it started.
  const { status, json } = await client.call("POST", "/runs", request, { "idempotency-key": idempotencyKey });
  if (status !== 202) throw apiError(status, json);
  const runId = String((json as { runId?: unknown }).runId);
  io.stderr(
    `run ${runId} started; follow it with: fleet-upgrade status ${runId} --api ${apiOf(values, env)} --watch`,
  );
  io.stdout(runId);
  return 0;
}

async function status(args: string[], io: RemoteIo, options: RemoteOptions): Promise<number> {
  const env = options.env ?? process.env;
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...COMMON,
      watch: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
    },
  });
  const runId = onePositional("status", positionals, false);
  const client = apiClient(apiOf(values, env), values.region, options);
  if (runId === undefined) {
    if (values.watch) throw new RemoteUsageError("--watch needs a RUN_ID");
    const { status: code, json } = await client.call("GET", "/runs?limit=20");
    if (code !== 200) throw apiError(code, json);
    const runs = (json as { runs: { runId: string; status: string; startedAt: string; reason: string }[] })
      .runs;
    if (values.json) io.stdout(JSON.stringify(json, null, 2));
    else if (runs.length === 0) io.stdout("no runs yet");
    else for (const r of runs) io.stdout(`${r.runId}  ${r.status}  ${r.startedAt}  ${r.reason}`);
    return 0;
  }
  let shown = "";
  for (;;) {
    const { status: code, json } = await client.call("GET", runPath(runId));
    if (code !== 200) throw apiError(code, json);
    const result = json as RunResult;
    const text = runText(result);
    const settled = result.status !== "RUNNING";
    if (!values.watch || settled) {
      io.stdout(values.json ? JSON.stringify(result, null, 2) : text);
      if (result.status === "WAITING")
        io.stderr(
          `run ${runId} waits for an approval: fleet-upgrade approve ${runId} --api ${apiOf(values, env)}`,
        );
      return exitCodeOf(result.status);
    }
    if (text !== shown) {
      // The run's line and its groups' tally, then each running group's percent, elapsed and left.
      io.stderr(`${new Date().toISOString()}  ${text.split("\n").slice(0, 2).join("; ")}`);
      for (const line of liveLines(result.groups)) io.stderr(line);
    }
    shown = text;
    await new Promise((resolve) => setTimeout(resolve, options.watchIntervalMs ?? 5000));
  }
}

async function operatorAction(
  action: "approve" | "abort",
  args: string[],
  io: RemoteIo,
  options: RemoteOptions,
): Promise<number> {
  const env = options.env ?? process.env;
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: action === "abort" ? { ...COMMON, reason: { type: "string" } } : COMMON,
  });
  const runId = onePositional(action, positionals, true) as string;
  const reason = (values as { reason?: string }).reason;
  const client = apiClient(apiOf(values, env), values.region, options);
  const { status: code, json } = await client.call(
    "POST",
    `${runPath(runId)}/${action}`,
    reason === undefined ? undefined : { reason },
  );
  if (code !== 200 && code !== 202) throw apiError(code, json);
  const rollingBack = (json as { rollingBack?: string[] }).rollingBack ?? [];
  io.stdout(
    action === "approve"
      ? `run ${runId} approved: the next wave starts`
      : `run ${runId} aborting: no new group starts${rollingBack.length ? `; rolling back ${rollingBack.join(", ")}` : ""}`,
  );
  return 0;
}

export const REMOTE_COMMANDS = ["start", "status", "approve", "abort"] as const;
export type RemoteCommand = (typeof REMOTE_COMMANDS)[number];

/** Runs one remote command; returns its exit code. Usage errors throw {@link RemoteUsageError}. */
export async function remoteCommand(
  command: RemoteCommand,
  args: string[],
  io: RemoteIo,
  options: RemoteOptions = {},
): Promise<number> {
  try {
    switch (command) {
      case "start":
        return await start(args, io, options);
      case "status":
        return await status(args, io, options);
      case "approve":
      case "abort":
        return await operatorAction(command, args, io, options);
    }
  } catch (error) {
    if (error instanceof RemoteApiError) {
      io.stderr(`fleet-upgrade: ${error.message}`);
      return error.exitCode;
    }
    throw error;
  }
}
