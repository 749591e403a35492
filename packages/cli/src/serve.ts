/**
 * `fleet-upgrade serve`: the status API's own app (the Lambda's) on a loopback HTTP server through
 * @hono/node-server, over a simulated account that advances live (`speed` virtual seconds per real
 * second), so a bot author can develop against it without AWS.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ExecutionView, RunStarter, Scenario } from "@fleet-upgrade/core";
import {
  AnswerCache,
  createStatusApp,
  DEFAULT_SETTINGS,
  type FunctionSettings,
  RunConflictError,
  type StatusContext,
  slackSettingsFromEnv,
} from "@fleet-upgrade/functions";
import { SimulatedEnvironment } from "@fleet-upgrade/harness";
import { createAdaptorServer } from "@hono/node-server";
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
    // A run whose result is written has ended for its caller, though the simulation may still be
    // unwinding (more so on a loaded machine): wait for it rather than refuse the next run.
    if (this.current !== null && (await this.env.deps.ledger.getRun(this.current))?.endedAt) {
      await this.running;
    }
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
  const app = createStatusApp(context);
  const json = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" };
  const answer = async (request: Request): Promise<Response> => {
    const origin = request.headers.get("origin") ?? undefined;
    if (foreignOrigin(origin, ownUrl)) {
      const message = `requests from web pages (Origin ${JSON.stringify(origin?.slice(0, 80))}) are refused: call the API from curl, a bot or the CLI`;
      return Response.json({ error: { code: "Forbidden", message } }, { status: 403, headers: json });
    }
    try {
      return await app.fetch(request);
    } catch (error) {
      environment.deps.logger.error("serve failed to answer", { errorMessage: (error as Error).message });
      const message = "serve could not answer";
      return Response.json({ error: { code: "InternalError", message } }, { status: 500, headers: json });
    }
  };
  // Its own Request and Response stay inside the server: the process's globals are left alone.
  const server = createAdaptorServer({ fetch: answer, overrideGlobalObjects: false }) as Server;
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
