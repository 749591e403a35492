/**
 * `fleet-upgrade serve`: the status API's own router on a loopback HTTP server, over a simulated
 * account that advances live (`speed` virtual seconds per real second), so a bot author can develop
 * against it without AWS.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ExecutionView, RunStarter, Scenario } from "@fleet-upgrade/core";
import {
  AnswerCache,
  DEFAULT_SETTINGS,
  type FunctionSettings,
  handleStatusRequest,
  MAX_BODY_BYTES,
  RunConflictError,
  type StatusContext,
  type StatusRequest,
  slackSettingsFromEnv,
} from "@fleet-upgrade/functions";
import { SimulatedEnvironment } from "@fleet-upgrade/harness";
import { progressLine } from "./format";

export const DEFAULT_PORT = 8787;
export const DEFAULT_SPEED = 60;

/**
 * Starts simulated runs in the background, one at a time (the account's clock is shared). Its
 * executions live as long as the server; there is no forced stop in the simulation.
 */
export class SimulatedRunStarter implements RunStarter {
  private readonly executions = new Map<string, ExecutionView>();
  private current: string | null = null;
  /** Set when the server closes: a run cut short then fails against the closed ledger, silently. */
  closing = false;

  constructor(
    private readonly env: SimulatedEnvironment,
    private readonly log: (line: string) => void = () => {},
  ) {}

  /** Settles when the run in progress (if any) ends. */
  running: Promise<void> = Promise.resolve();

  async start(runId: string, request: unknown): Promise<void> {
    if (this.current !== null || this.env.busy) {
      throw new RunConflictError(
        `run ${this.current ?? "(unknown)"} is still in progress and serve simulates one run at a time; ` +
          "wait for it to end, or abort it",
      );
    }
    const view: ExecutionView = {
      status: "RUNNING",
      startedAt: this.env.deps.now().toISOString(),
      input: request,
    };
    this.executions.set(runId, view);
    this.current = runId;
    this.log(`run ${runId} started`);
    let ended = false;
    this.running = this.env
      .run({ request, runId })
      .then(
        (outcome) => {
          view.status = outcome.stalled ? "ABORTED" : "SUCCEEDED";
          this.log(`run ${runId} ended ${outcome.result.status}${outcome.stalled ? " (stalled)" : ""}`);
        },
        (error: unknown) => {
          view.status = "FAILED";
          if (!this.closing) this.log(`run ${runId} failed: ${(error as Error).message}`);
        },
      )
      .finally(() => {
        ended = true;
        this.current = null;
      });
    // Answer once the first state has recorded the run, so that GET /runs/{runId} finds it at once.
    for (let waited = 0; !ended && waited < 10_000; waited += 10) {
      if (await this.env.deps.ledger.getRun(runId)) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async describe(runId: string): Promise<ExecutionView | undefined> {
    return this.executions.get(runId);
  }

  async stop(runId: string): Promise<void> {
    throw new RunConflictError(
      `run ${runId} cannot be stopped forcibly in the simulation; its abort goes through the ledger`,
    );
  }
}

export interface ServeOptions {
  scenario: Scenario;
  /** 0 picks a free port. */
  port?: number;
  speed?: number;
  /** Where SLACK_SIGNING_SECRET and SLACK_ALLOWED_USERS are read. */
  env?: NodeJS.ProcessEnv;
  /** Progress and run lines; silent by default. */
  log?: (line: string) => void;
  now?: () => Date;
}

export interface ServeHandle {
  url: string;
  environment: SimulatedEnvironment;
  context: StatusContext;
  starter: SimulatedRunStarter;
  close(): Promise<void>;
}

/** Stage settings of the simulation: the scenario's request is the default every run request merges over. */
export function serveSettings(scenario: Scenario): FunctionSettings {
  return {
    ...DEFAULT_SETTINGS,
    stage: { ...DEFAULT_SETTINGS.stage, requestDefaults: (scenario.request ?? {}) as object },
  };
}

/**
 * Reads a request off the socket, counting the body's bytes as they arrive; past the size limit it
 * keeps nothing and never decodes the body (the router answers 413 from the count).
 */
async function readRequest(message: IncomingMessage): Promise<StatusRequest> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of message as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    else chunks.length = 0;
  }
  const url = message.url ?? "/";
  const at = url.indexOf("?");
  const query: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(at < 0 ? "" : url.slice(at + 1))) query[key] = value;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return {
    method: message.method ?? "GET",
    path: at < 0 ? url : url.slice(0, at),
    query,
    headers,
    body: size > MAX_BODY_BYTES ? null : Buffer.concat(chunks).toString("utf8"),
    bodyBytes: size,
  };
}

/**
 * A request a web page made: its Origin is not this server's own. Browsers send Origin on every
 * cross-origin POST, and some (a bodiless approve) need no preflight, so `serve` refuses them: only
 * curl, bots and the CLI (which send no Origin) drive it.
 */
export function foreignOrigin(origin: string | undefined, url: string): boolean {
  if (origin === undefined) return false;
  const own = new URL(url);
  const allowed = new Set([own.origin, `http://localhost:${own.port}`]);
  return !allowed.has(origin);
}

export async function startServe(options: ServeOptions): Promise<ServeHandle> {
  const log = options.log ?? (() => {});
  const environment = await SimulatedEnvironment.start(options.scenario, {
    settings: serveSettings(options.scenario),
    pacing: { speed: options.speed ?? DEFAULT_SPEED },
  });
  const starter = new SimulatedRunStarter(environment, log);
  const context: StatusContext = {
    answers: new AnswerCache(),
    deps: environment.deps,
    starter,
    slack: slackSettingsFromEnv(options.env ?? process.env),
    ...(options.now && { now: options.now }),
  };
  let runStartMs = environment.account.clock.now();
  environment.subscribe((event) => {
    if (event.kind === "state" && event.state === "ValidateRequest") runStartMs = event.atMs;
    const line = progressLine(event, runStartMs);
    if (line) log(line);
  });
  let ownUrl = "http://127.0.0.1";
  const server: Server = createServer((message, response) => {
    readRequest(message)
      .then((request) =>
        foreignOrigin(request.headers.origin, ownUrl)
          ? {
              statusCode: 403,
              headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
              body: JSON.stringify({
                error: {
                  code: "Forbidden",
                  message: `requests from web pages (Origin ${JSON.stringify(request.headers.origin?.slice(0, 80))}) are refused: call the API from curl, a bot or the CLI`,
                },
              }),
            }
          : handleStatusRequest(request, context),
      )
      .catch((error: unknown) => {
        environment.deps.logger.error("serve failed to answer", { errorMessage: (error as Error).message });
        return {
          statusCode: 500,
          headers: { "content-type": "application/json" },
          body: '{"error":{"code":"InternalError","message":"serve could not answer"}}',
        };
      })
      .then((answer) => {
        response.writeHead(answer.statusCode, answer.headers);
        response.end(answer.body);
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? DEFAULT_PORT, "127.0.0.1", () => resolve());
  }).catch(async (error: unknown) => {
    // A busy port: release the simulated account's ledger, or the process would never exit.
    await environment.close();
    throw error;
  });
  const { port } = server.address() as AddressInfo;
  ownUrl = `http://127.0.0.1:${port}`;
  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    environment,
    context,
    starter,
    close() {
      closed ??= (async () => {
        starter.closing = true;
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await environment.close();
      })();
      return closed;
    },
  };
}

export interface ServeIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** The startup lines: where, over what, and which authentication applies locally. */
export function serveBanner(handle: ServeHandle, scenario: Scenario, speed: number): string[] {
  const slack = handle.context.slack as { signingSecret: string | null; allowedUsers: string[] };
  const url = handle.url;
  return [
    `fleet-upgrade serve: the status API on ${url} over simulated account ${scenario.name} ` +
      `(seed ${scenario.seed}, ${scenario.groups.length} groups), ${speed} virtual seconds per real second`,
    "  no IAM (SigV4) check locally: in AWS, API Gateway checks it on every route but /chat/slack",
    slack.signingSecret === null
      ? "  Slack: SLACK_SIGNING_SECRET is not set, so POST /chat/slack answers 401 until it is " +
        "(also set SLACK_ALLOWED_USERS: user ids allowed to approve and abort, comma-separated)"
      : `  Slack: signatures checked with SLACK_SIGNING_SECRET; approve and abort allowed to ${
          slack.allowedUsers.length > 0
            ? slack.allowedUsers.join(", ")
            : "nobody (SLACK_ALLOWED_USERS is empty)"
        }`,
    "  POST /runs bodies merge over the scenario's request; one simulated run at a time",
    `  try: curl -s -X POST ${url}/runs -H 'content-type: application/json' -d '{}'; curl -s '${url}/runs?format=text'`,
    "  Ctrl-C stops",
  ];
}

/** `serve [SCENARIO] [--port 8787] [--speed N]`; resolves with exit code 0 on SIGINT or SIGTERM. */
export async function serveCommand(
  scenario: Scenario,
  flags: { port: number; speed: number },
  io: ServeIo,
): Promise<number> {
  const handle = await startServe({
    scenario,
    port: flags.port,
    speed: flags.speed,
    log: (line) => io.stderr(line),
  });
  for (const line of serveBanner(handle, scenario, flags.speed)) io.stdout(line);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  io.stderr("stopping");
  await handle.close();
  // A simulated run cut short may still be unwinding against the closed ledger: do not wait for it.
  setTimeout(() => process.exit(0), 1000).unref();
  return 0;
}
