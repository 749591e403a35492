/**
 * `fleet-upgrade start | status | approve | abort` against a deployed status API, each request
 * signed with SigV4 (service `execute-api`) from the standard AWS credential chain.
 */

import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import { parseArgs } from "node:util";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { formatProblems, type Problem, type RunResult } from "@fleet-upgrade/core";
import { liveLines, runText } from "@fleet-upgrade/functions";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentialIdentity, Provider, SourceData } from "@smithy/types";
import { CREDENTIALS_HOW_TO } from "./credentials";
import { readRequestFlag } from "./request-flag";

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

/** Invalid flags or input: exit code 2. */
export class RemoteUsageError extends Error {
  override readonly name = "RemoteUsageError";
}

/** The API answered with an error, or could not be reached: exit code 1 (2 for a refused request). */
class RemoteApiError extends Error {
  override readonly name = "RemoteApiError";
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** SHA-256 (and HMAC-SHA256 with a secret) over node:crypto, in the shape the signer takes. */
class NodeSha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.create();
  }
  private create(): Hash | Hmac {
    return this.secret === undefined ? createHash("sha256") : createHmac("sha256", toBuffer(this.secret));
  }
  update(data: SourceData): void {
    this.hash.update(toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.create();
  }
}

function toBuffer(data: SourceData): Buffer {
  if (typeof data === "string") return Buffer.from(data, "utf8");
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/** `https://abc123.execute-api.eu-west-1.amazonaws.com` -> `eu-west-1`. */
export function regionOf(url: URL, explicit: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (explicit) return explicit;
  const match = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(url.hostname);
  return (
    match?.[1] ??
    env.AWS_REGION ??
    env.AWS_DEFAULT_REGION ??
    (LOOPBACK.has(url.hostname) ? "us-east-1" : undefined)
  );
}

interface ApiClient {
  call(method: "GET" | "POST", path: string, body?: unknown): Promise<{ status: number; json: unknown }>;
}

function apiClient(apiUrl: string, region: string | undefined, options: RemoteOptions): ApiClient {
  let base: URL;
  try {
    base = new URL(apiUrl);
  } catch {
    throw new RemoteUsageError(
      `--api: ${JSON.stringify(apiUrl)} is not a URL; expected the status API's URL`,
    );
  }
  if (base.protocol !== "https:" && base.protocol !== "http:")
    throw new RemoteUsageError(`--api: expected an http(s) URL, got ${JSON.stringify(apiUrl)}`);
  const env = options.env ?? process.env;
  const signingRegion = regionOf(base, region, env);
  if (!signingRegion) {
    throw new RemoteUsageError(
      `--api: cannot tell the region from ${base.hostname}; pass --region (e.g. --region eu-west-1)`,
    );
  }
  const credentials = options.credentials ?? defaultProvider();
  const signer = new SignatureV4({
    service: "execute-api",
    region: signingRegion,
    credentials,
    sha256: NodeSha256,
  });
  const doFetch = options.fetch ?? fetch;
  return {
    async call(method, path, body) {
      const url = new URL(base.pathname.replace(/\/$/, "") + path, base);
      const text = body === undefined ? undefined : JSON.stringify(body);
      const headers: Record<string, string> = { host: url.host, accept: "application/json" };
      if (text !== undefined) headers["content-type"] = "application/json";
      let signedHeaders: Record<string, string>;
      try {
        const signed = await signer.sign({
          method,
          protocol: url.protocol,
          hostname: url.hostname,
          ...(url.port && { port: Number(url.port) }),
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          headers,
          ...(text !== undefined && { body: text }),
        });
        signedHeaders = signed.headers;
      } catch (error) {
        // A local `serve` checks no IAM: without credentials the request goes unsigned there.
        if (!LOOPBACK.has(url.hostname)) {
          throw new RemoteApiError(
            `cannot sign the request with AWS credentials: ${(error as Error).message}; ` +
              CREDENTIALS_HOW_TO,
            1,
          );
        }
        signedHeaders = headers;
      }
      const { host: _host, ...sent } = signedHeaders;
      let response: Response;
      try {
        response = await doFetch(url, { method, headers: sent, ...(text !== undefined && { body: text }) });
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        throw new RemoteApiError(
          `cannot reach ${url.origin}: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
          1,
        );
      }
      const raw = await response.text();
      let json: unknown = null;
      try {
        json = raw === "" ? null : JSON.parse(raw);
      } catch {
        json = { message: raw.slice(0, 200) };
      }
      return { status: response.status, json };
    },
  };
}

/** The API's error as a message: its code, message and every problem; exit 2 for a refused request. */
function apiError(status: number, json: unknown): RemoteApiError {
  const error = (json as { error?: { code?: string; message?: string; problems?: Problem[] } } | null)?.error;
  if (error) {
    const problems = error.problems?.length ? `\n${formatProblems(error.problems)}` : "";
    const message = problems ? (error.message ?? "").split("\n")[0] : error.message;
    return new RemoteApiError(`${error.code ?? status}: ${message}${problems}`, status === 400 ? 2 : 1);
  }
  // API Gateway's own refusals ({"message": "Forbidden"}) come without the product's error shape.
  const message = (json as { message?: string } | null)?.message ?? "no message";
  const hint = status === 403 ? "; check that your AWS identity may call execute-api:Invoke on this API" : "";
  return new RemoteApiError(`the API answered ${status}: ${message}${hint}`, 1);
}

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
  const { values, positionals } = parseArgs({ args, options: { ...COMMON, request: { type: "string" } } });
  if (positionals.length > 0)
    throw new RemoteUsageError(`start takes no arguments, got ${positionals.join(" ")}`);
  const request =
    values.request === undefined
      ? {}
      : readRequestFlag(values.request, (message) => new RemoteUsageError(message));
  const client = apiClient(apiOf(values, env), values.region, options);
  const { status, json } = await client.call("POST", "/runs", request);
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
