/**
 * The status API (CONTRACTS section 5) as one framework-free function: a request in, a response out.
 * The Lambda handler (API Gateway HTTP API) and `fleet-upgrade serve` (node:http over a simulated
 * account) both call it, so they answer alike.
 */
import { createHash, randomBytes } from "node:crypto";
import {
  assembleRunResult,
  type ExecutionView,
  formatProblems,
  isPlainObject,
  MAX_REASON_LENGTH,
  NO_METRICS,
  newRunRecord,
  parseRunRequest,
  ReasonTooLongError,
  type RunRecord,
  type RunResult,
  type RunStarter,
} from "@fleet-upgrade/core";
import type { FunctionDeps } from "../runtime/deps";
import {
  ApiError,
  checkSize,
  errorResponse,
  jsonBody,
  jsonResponse,
  mediaType,
  quote,
  type StatusRequest,
  type StatusResponse,
  textResponse,
  wantsText,
} from "./http";
import { abortRun, approveRun, OperatorRequestError } from "./operator";
import { readRunResult } from "./run-view";
import {
  parseSlackCommand,
  SIGNATURE_MESSAGES,
  SLACK_USAGE,
  type SlackSettings,
  verifySlackSignature,
} from "./slack";
import {
  type FleetView,
  fleetSections,
  fleetText,
  fleetView,
  progressOf,
  type RunListItem,
  runListSections,
  runListText,
  runSections,
  runText,
  type SlackSection,
  slackMention,
  slackMessage,
} from "./views";

/** Refused by the run starter: a run already in progress where only one may run (serve). */
export class RunConflictError extends Error {
  override readonly name = "RunConflictError";
}

export interface StatusContext {
  deps: FunctionDeps;
  starter: RunStarter;
  /** The Slack settings, or how to load them (in AWS: SSM, once per cold start). */
  slack: SlackSettings | (() => Promise<SlackSettings>);
  /** The wall clock: Slack's replay window and the days to AL2's end of support. */
  now?: () => Date;
  /** Names new runs (the execution name in AWS): unique by default. */
  newRunId?: () => string;
  /** Keeps read answers briefly (see {@link AnswerCache}); none: every read goes to the ledger. */
  answers?: AnswerCache;
}

/**
 * Keeps the answers of the read routes for a short while, and lets concurrent identical reads share
 * one ledger read: bots poll, and a run changes at most every few seconds. Past its time an answer
 * is still given at once while a fresh one loads in the background (stale for at most `maxStaleMs`),
 * so a poller never waits on the ledger. Any write through the API (start, approve, abort) clears
 * it, so a caller sees its own action at once.
 */
export class AnswerCache {
  private readonly entries = new Map<
    string,
    { at: number; answer: Promise<Answer>; settled: Answer | null; refreshing: boolean }
  >();

  constructor(
    readonly ttlMs = 500,
    private readonly clock: () => number = () => performance.now(),
    readonly maxStaleMs = 5_000,
  ) {}

  get(key: string, load: () => Promise<Answer>): Promise<Answer> {
    const now = this.clock();
    const entry = this.entries.get(key);
    if (entry && now - entry.at < this.ttlMs) return entry.answer;
    if (entry?.settled && now - entry.at < this.maxStaleMs) {
      if (!entry.refreshing) {
        entry.refreshing = true;
        this.load(key, load).catch(() => {
          entry.refreshing = false;
        });
      }
      return Promise.resolve(entry.settled);
    }
    return this.load(key, load);
  }

  private load(key: string, load: () => Promise<Answer>): Promise<Answer> {
    const answer = load();
    const entry = { at: this.clock(), answer, settled: null as Answer | null, refreshing: false };
    const previous = this.entries.get(key);
    // A background refresh replaces the entry only once it has its answer.
    if (!previous?.settled) this.entries.set(key, entry);
    answer.then(
      (settled) => {
        entry.settled = settled;
        entry.at = this.clock();
        this.entries.set(key, entry);
      },
      () => {
        // Failures (an unknown run, a ledger error) are not kept.
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    if (this.entries.size > 1000) this.entries.delete(this.entries.keys().next().value as string);
    return answer;
  }

  clear(): void {
    this.entries.clear();
  }
}

/** Every route, as the OpenAPI document names them. */
export const STATUS_ROUTES = [
  { method: "GET", path: "/fleet" },
  { method: "GET", path: "/runs" },
  { method: "POST", path: "/runs" },
  { method: "GET", path: "/runs/{runId}" },
  { method: "POST", path: "/runs/{runId}/approve" },
  { method: "POST", path: "/runs/{runId}/abort" },
  { method: "POST", path: "/chat/slack" },
] as const;

type Route = (typeof STATUS_ROUTES)[number]["path"];

/** An Idempotency-Key header of POST /runs. */
const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{1,64}$/;

/** Execution names: letters, digits, `-` and `_`, at most 80 (run ids are execution names). */
const RUN_ID = /^[A-Za-z0-9_-]{1,80}$/;
const DEFAULT_LIST_LIMIT = 20;
const MAX_LIST_LIMIT = 100;

/** `run-20261121T090000Z-3f9a1c`: sortable by time, unique by its random tail. */
export function newRunId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+/, "");
  return `run-${stamp}-${randomBytes(3).toString("hex")}`;
}

function match(path: string): { route: Route; runId?: string } | undefined {
  const trimmed = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
  const segments = trimmed.split("/").slice(1);
  const [first, second, third, ...more] = segments;
  if (more.length > 0) return undefined;
  if (first === "fleet" && second === undefined) return { route: "/fleet" };
  if (first === "chat" && second === "slack" && third === undefined) return { route: "/chat/slack" };
  if (first !== "runs") return undefined;
  if (second === undefined) return { route: "/runs" };
  let runId: string;
  try {
    runId = decodeURIComponent(second);
  } catch {
    runId = second;
  }
  if (third === undefined) return { route: "/runs/{runId}", runId };
  if (third === "approve") return { route: "/runs/{runId}/approve", runId };
  if (third === "abort") return { route: "/runs/{runId}/abort", runId };
  return undefined;
}

function lowerCaseHeaders(headers: Record<string, string | undefined>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers ?? {})) out[name.toLowerCase()] = value;
  return out;
}

function runNotFound(runId: string): ApiError {
  return new ApiError(404, "NotFound", `run ${quote(runId)} does not exist`);
}

function checkRunId(runId: string): string {
  if (!RUN_ID.test(runId)) throw runNotFound(runId);
  return runId;
}

/** Answers one request of the status API. Never throws; a 5xx only for a genuine server fault. */
export async function handleStatusRequest(
  request: StatusRequest,
  context: StatusContext,
): Promise<StatusResponse> {
  try {
    const method = String(request.method ?? "").toUpperCase();
    const headers = lowerCaseHeaders(request.headers);
    const query = request.query ?? {};
    const found = match(String(request.path ?? ""));
    if (!found) {
      throw new ApiError(
        404,
        "NotFound",
        `no route ${quote(String(request.path ?? ""))}; see docs/openapi.yaml`,
      );
    }
    const allowed = STATUS_ROUTES.filter((r) => r.path === found.route).map((r) => r.method);
    if (!(allowed as string[]).includes(method)) {
      throw new ApiError(
        405,
        "MethodNotAllowed",
        `${found.route} answers ${allowed.join(", ")}, not ${quote(method)}`,
        {
          headers: { allow: allowed.join(", ") },
        },
      );
    }
    const req = {
      ...request,
      method,
      headers,
      query,
      body: typeof request.body === "string" ? request.body : null,
    };
    // The size as it arrived, before the body is read as anything.
    checkSize(req.body, req.bodyBytes);
    if (found.route === "/chat/slack") return await slackRoute(req, context);
    const text = wantsText(query, headers.accept);
    const answer = await route(found.route, found.runId, req, context);
    return text ? textResponse(answer.status, answer.text) : jsonResponse(answer.status, answer.json);
  } catch (error) {
    if (error instanceof ApiError) return errorResponse(error);
    return internalError(error, context);
  }
}

function internalError(error: unknown, context: StatusContext): StatusResponse {
  const errorId = randomBytes(6).toString("hex");
  context.deps.logger.error("status API request failed", {
    errorId,
    errorName: (error as Error)?.name,
    errorMessage: (error as Error)?.message,
    stack: (error as Error)?.stack,
  });
  return errorResponse(
    new ApiError(500, "InternalError", `the status API could not answer; the error is logged as ${errorId}`),
  );
}

export interface Answer {
  status: number;
  json: unknown;
  text: string;
}

async function route(
  path: Route,
  runId: string | undefined,
  request: StatusRequest,
  context: StatusContext,
): Promise<Answer> {
  const cached = (key: string, load: () => Promise<Answer>) =>
    context.answers ? context.answers.get(key, load) : load();
  const write = (work: () => Promise<Answer>) => {
    context.answers?.clear();
    return work().finally(() => context.answers?.clear());
  };
  switch (path) {
    case "/fleet":
      return cached("fleet", () => fleet(context));
    case "/runs":
      if (request.method === "GET") {
        const limit = listLimit(request.query);
        return cached(`runs?limit=${limit}`, () => listRuns(limit, context));
      }
      return write(() => startRun(request, context));
    case "/runs/{runId}": {
      const id = checkRunId(runId ?? "");
      return cached(`run/${id}`, () => runDetail(id, context));
    }
    case "/runs/{runId}/approve": {
      jsonBody(request);
      const id = checkRunId(runId ?? "");
      return write(() => approve(id, context));
    }
    case "/runs/{runId}/abort": {
      const id = checkRunId(runId ?? "");
      const reason = abortReason(request);
      return write(() => abort(id, reason, context));
    }
    case "/chat/slack":
      throw new Error("the Slack route is answered by slackRoute");
  }
}

const wallClock = (context: StatusContext) => (context.now ?? (() => new Date()))();

async function fleet(context: StatusContext): Promise<Answer> {
  const runs = await context.deps.ledger.listRuns(MAX_LIST_LIMIT);
  const source = runs.find((r) => r.inventory !== null);
  const view = fleetView(
    source?.inventory
      ? { runId: source.runId, startedAt: source.startedAt, inventory: source.inventory }
      : null,
    wallClock(context),
  );
  return { status: 200, json: view, text: fleetText(view) };
}

function listLimit(query: Record<string, string | undefined>): number {
  const raw = query.limit;
  if (raw === undefined) return DEFAULT_LIST_LIMIT;
  const n = /^\d{1,4}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(n >= 1 && n <= MAX_LIST_LIMIT)) {
    throw new ApiError(
      400,
      "InvalidRequest",
      `limit: got ${quote(raw)}, expected an integer 1-${MAX_LIST_LIMIT}`,
      {
        problems: [{ field: "limit", value: raw, expected: `an integer 1-${MAX_LIST_LIMIT}` }],
      },
    );
  }
  return n;
}

/** A run's list entry: ended runs from their result, live ones from their groups' progress. */
async function listItem(run: RunRecord, context: StatusContext): Promise<RunListItem> {
  const groups = run.groupOutcomes ?? (await context.deps.ledger.listProgress(run.runId));
  return {
    runId: run.runId,
    status: run.status,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    reason: run.halt?.reason ?? run.reason,
    progress: progressOf({ waves: run.waves, groups }),
  };
}

async function listRuns(limit: number, context: StatusContext): Promise<Answer> {
  const runs = await context.deps.ledger.listRuns(limit);
  const items = await Promise.all(runs.map((run) => listItem(run, context)));
  return { status: 200, json: { runs: items }, text: runListText(items) };
}

async function runDetail(runId: string, context: StatusContext): Promise<Answer> {
  const result = (await readRunResult(context.deps, runId)) ?? (await startingRun(runId, context));
  if (!result) throw runNotFound(runId);
  return { status: 200, json: result, text: runText(result) };
}

/**
 * A run whose execution started but whose first state has not recorded it yet (a second or so in
 * AWS): shown RUNNING with its request, rather than a 404 that would confuse a poller.
 */
async function startingRun(runId: string, context: StatusContext): Promise<RunResult | undefined> {
  const execution = await context.starter.describe(runId);
  if (execution?.status !== "RUNNING") return undefined;
  const parsed = parseRunRequest(execution.input ?? {}, context.deps.settings.stage);
  if (!parsed.ok) return undefined;
  const record = newRunRecord({
    runId,
    status: "RUNNING",
    reason: "starting: the request is being validated",
    request: parsed.request,
    startedAt: execution.startedAt,
  });
  return assembleRunResult(record, parsed.request, [], NO_METRICS);
}

async function startRun(request: StatusRequest, context: StatusContext): Promise<Answer> {
  const input = jsonBody(request);
  const parsed = parseRunRequest(input, context.deps.settings.stage);
  if (!parsed.ok) {
    throw new ApiError(
      400,
      "InvalidRequest",
      `the run request is invalid:\n${formatProblems(parsed.problems)}`,
      {
        problems: parsed.problems,
      },
    );
  }
  const key = request.headers["idempotency-key"];
  if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
    throw new ApiError(
      400,
      "InvalidRequest",
      `Idempotency-Key: got ${quote(key.slice(0, 80))}, expected 1-64 letters, digits, "-" or "_"`,
      { problems: [{ field: "Idempotency-Key", value: key, expected: '1-64 letters, digits, "-" or "_"' }] },
    );
  }
  // A key names the run: the same key again answers with the run it started, never a second run.
  const runId =
    key === undefined
      ? (context.newRunId ?? (() => newRunId(wallClock(context))))()
      : `run-key-${createHash("sha256").update(key).digest("hex").slice(0, 24)}`;
  if (key !== undefined) {
    const known = await context.deps.ledger.getRun(runId);
    const execution = await context.starter.describe(runId);
    const status = known?.status ?? (execution ? "RUNNING" : undefined);
    if (execution && canonicalJson(execution.input ?? {}) !== canonicalJson(input ?? {})) {
      throw new ApiError(
        422,
        "UnprocessableEntity",
        `Idempotency-Key ${quote(key)} already started run ${runId} with a different request; ` +
          "send this request with a new key (or without one)",
        { reason: "IDEMPOTENCY_KEY_REUSED", ...(status !== undefined && { status }) },
      );
    }
    if (status !== undefined) {
      return {
        status: 202,
        json: { runId, status, location: `/runs/${runId}` },
        text: `run ${runId} was already started with this Idempotency-Key; follow it with GET /runs/${runId}`,
      };
    }
  }
  try {
    await context.starter.start(runId, input ?? {});
  } catch (error) {
    const name = (error as Error)?.name;
    if (name === "RunConflictError") throw new ApiError(409, "Conflict", (error as Error).message);
    if (name === "ExecutionAlreadyExists") {
      throw new ApiError(
        409,
        "Conflict",
        `a run named ${quote(runId)} already exists; send the request again`,
      );
    }
    throw error;
  }
  context.deps.logger.info("run started through the status API", { runId });
  return {
    status: 202,
    json: { runId, status: "RUNNING", location: `/runs/${runId}` },
    text: `run ${runId} started (${parsed.request.reason}); follow it with GET /runs/${runId}`,
  };
}

/** JSON with object keys sorted: two requests are the same when this is. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isPlainObject(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function operatorError(error: unknown): never {
  if (error instanceof OperatorRequestError) {
    if (error.code === "RunNotFound") throw new ApiError(404, "NotFound", error.message);
    throw new ApiError(409, "Conflict", error.message, error.status === null ? {} : { status: error.status });
  }
  if (error instanceof ReasonTooLongError) {
    throw new ApiError(400, "InvalidRequest", error.message, { problems: error.problems });
  }
  throw error;
}

/** How a run ended when its execution ended outside the product's own Finish. */
function statusOfEndedExecution(execution: ExecutionView, record: RunRecord | undefined): string {
  if (record?.endedAt) return record.status;
  if (execution.status === "ABORTED") return "ABORTED";
  if (execution.status === "SUCCEEDED") return record?.status ?? "SUCCEEDED";
  return "FAILED";
}

/**
 * Refuses (409, with the run's real status, changing nothing) an approve or abort of a run whose
 * execution already ended: the ledger may still say RUNNING or WAITING (until the reconciler closes
 * it), but nothing is left to resume. Step Functions' DescribeExecution in AWS; the simulated
 * starter answers the same locally.
 */
async function refuseEndedExecution(
  runId: string,
  verb: "approve" | "abort",
  context: StatusContext,
): Promise<ExecutionView | undefined> {
  const execution = await context.starter.describe(runId);
  if (!execution || execution.status === "RUNNING") return execution;
  const record = await context.deps.ledger.getRun(runId);
  const status = statusOfEndedExecution(execution, record);
  throw new ApiError(
    409,
    "Conflict",
    `run ${runId} cannot ${verb === "approve" ? "be approved" : "be aborted"}: its execution already ended ${execution.status}` +
      (record && record.status !== status ? ` (the ledger still says ${record.status})` : "") +
      `; the run is ${status}`,
    { status },
  );
}

async function approve(runId: string, context: StatusContext): Promise<Answer> {
  await refuseEndedExecution(runId, "approve", context);
  const outcome = await approveRun(context.deps, runId).catch(operatorError);
  return {
    status: 200,
    json: outcome,
    text: `run ${runId} approved: the next wave starts`,
  };
}

function abortReason(request: StatusRequest): string | null {
  const body = jsonBody(request);
  if (body === undefined) return null;
  const problems = [];
  if (!isPlainObject(body)) {
    problems.push({ field: "(root)", value: body, expected: 'an object like {"reason": "pager went off"}' });
  } else {
    for (const key of Object.keys(body))
      if (key !== "reason")
        problems.push({ field: key, value: body[key], expected: 'no other field than "reason"' });
    const reason = body.reason;
    if (typeof reason === "string" && reason.length > MAX_REASON_LENGTH) {
      throw operatorErrorOf(new ReasonTooLongError("reason", reason));
    }
    if (reason !== undefined && (typeof reason !== "string" || reason.trim() === ""))
      problems.push({
        field: "reason",
        value: reason,
        expected: `a non-empty string of at most ${MAX_REASON_LENGTH} characters`,
      });
    if (problems.length === 0) return typeof reason === "string" ? reason.trim() : null;
  }
  throw new ApiError(400, "InvalidRequest", `the abort request is invalid:\n${formatProblems(problems)}`, {
    problems,
  });
}

function operatorErrorOf(error: ReasonTooLongError): ApiError {
  return new ApiError(400, "InvalidRequest", error.message, { problems: error.problems });
}

/**
 * Aborts through the ledger (no new group starts, refreshes in progress roll back, a pending approval
 * is answered). StopExecution is the last resort, used only for an execution that has not recorded
 * its run yet (so nothing of the fleet was touched). An execution that already ended is refused (409)
 * and nothing changes: closing its record is the reconciler's work.
 */
async function abort(
  runId: string,
  reason: string | null,
  context: StatusContext,
  actor: string | null = null,
  by: string | null = actor,
  wakeBudgetMs?: number,
): Promise<Answer> {
  const why = reason ?? "no reason given";
  const { deps, starter } = context;
  await refuseEndedExecution(runId, "abort", context);
  let rollingBack: string[];
  let atNextPoll: string[];
  try {
    ({ rollingBack, rollingBackAtNextPoll: atNextPoll } = await abortRun(
      deps,
      runId,
      why,
      actor,
      wakeBudgetMs,
    ));
  } catch (error) {
    if (!(error instanceof OperatorRequestError && error.code === "RunNotFound")) operatorError(error);
    const execution = await starter.describe(runId);
    if (execution?.status !== "RUNNING") operatorError(error);
    await starter.stop(runId, `aborted by an operator: ${why}`);
    deps.logger.warn("execution stopped before it recorded its run", { runId, reason: why });
    return {
      status: 202,
      json: { runId, status: "ABORTED", rollingBack: [], rollingBackAtNextPoll: [], stopped: true },
      text: `run ${runId} stopped before it touched anything (${why})`,
    };
  }
  const groups = rollingBack.length > 0 ? `; rolling back ${rollingBack.join(", ")}` : "";
  const later =
    atNextPoll.length > 0 ? `; ${atNextPoll.length} more groups roll back at their next status poll` : "";
  return {
    status: 202,
    json: { runId, status: "ABORTED", rollingBack, rollingBackAtNextPoll: atNextPoll, stopped: false },
    text: `run ${runId} aborting: ${why}${by === null ? "" : ` — by ${by}`}. No new group starts${groups}${later}; it ends ABORTED once they settle`,
  };
}

// ---- Slack -----------------------------------------------------------------------------------

/**
 * Real time a Slack abort spends waking groups: Slack shows a timeout unless the command is answered
 * within 3 seconds (api.slack.com/interactivity/slash-commands#responding_basic_receipt). Groups not
 * woken by then read the abort at their next status poll, as after the REST abort's longer budget.
 */
export const SLACK_WAKE_BUDGET_MS = 1_500;

async function slackRoute(request: StatusRequest, context: StatusContext): Promise<StatusResponse> {
  const type = mediaType(request.headers["content-type"]);
  if (type !== "application/x-www-form-urlencoded") {
    throw new ApiError(
      415,
      "UnsupportedMediaType",
      "the Slack route takes Slack's slash-command form (application/x-www-form-urlencoded)",
    );
  }
  const settings = typeof context.slack === "function" ? await context.slack() : context.slack;
  if (settings.signingSecret === null) throw new ApiError(401, "Unauthorized", settings.unconfigured);
  const body = request.body ?? "";
  const verdict = verifySlackSignature({
    secret: settings.signingSecret,
    timestamp: request.headers["x-slack-request-timestamp"],
    signature: request.headers["x-slack-signature"],
    body,
    now: wallClock(context),
  });
  if (!verdict.ok) throw new ApiError(401, "Unauthorized", SIGNATURE_MESSAGES[verdict.reason]);
  const form = new URLSearchParams(body);
  const userId = form.get("user_id") ?? "";
  const command = parseSlackCommand(form.get("text") ?? "");
  const reply = (
    text: string,
    type: "ephemeral" | "in_channel" = "ephemeral",
    sections: SlackSection[] = [],
  ) => jsonResponse(200, slackMessage(text, type, sections));
  const say = async (
    work: () => Promise<Answer>,
    type: "ephemeral" | "in_channel",
    sections: (json: unknown) => SlackSection[] = () => [],
  ) => {
    try {
      const answer = await work();
      return reply(answer.text, type, sections(answer.json));
    } catch (error) {
      // A user's mistake (unknown run, nothing to approve, an ended run) is an ephemeral answer in the
      // chat with HTTP 200, as Slack apps answer: Slack shows any other status as a generic failure.
      if (error instanceof ApiError && error.statusCode < 500) return reply(error.message);
      throw error;
    }
  };
  // Reads answer from the router's short-lived cache, as the REST reads do, well within Slack's 3 s.
  const cached = (key: string, load: () => Promise<Answer>) =>
    context.answers ? context.answers.get(key, load) : load();
  const slashCommand = form.get("command") ?? "/fleet";
  switch (command.action) {
    case "help":
      return reply(
        [command.problem, SLACK_USAGE.replaceAll("/fleet", slashCommand)].filter(Boolean).join("\n"),
      );
    case "fleet":
      return say(
        () => cached("fleet", () => fleet(context)),
        "ephemeral",
        (json) => fleetSections(json as FleetView),
      );
    case "status": {
      const runId = command.runId;
      if (runId === null)
        return say(
          () => cached("runs?limit=5", () => listRuns(5, context)),
          "ephemeral",
          (json) => runListSections((json as { runs: RunListItem[] }).runs),
        );
      return say(
        () => {
          const id = checkRunId(runId);
          return cached(`run/${id}`, () => runDetail(id, context));
        },
        "ephemeral",
        (json) => runSections(json as RunResult),
      );
    }
    case "approve":
    case "abort": {
      if (!settings.allowedUsers.includes(userId)) {
        return reply(
          `${slackMention(userId)} may not ${command.action} runs; ask an operator to add the user id ` +
            `${quote(userId)} to the allowed users`,
        );
      }
      context.deps.logger.info(`slack ${command.action}`, { runId: command.runId, userId });
      const runId = command.runId;
      const why = command.action === "abort" ? command.reason : null;
      context.answers?.clear();
      try {
        return await say(async () => {
          // The ledger keeps a name readable outside Slack; the chat shows the mention.
          if (command.action === "abort")
            return abort(
              checkRunId(runId),
              why,
              context,
              `Slack user ${userId}`,
              slackMention(userId),
              SLACK_WAKE_BUDGET_MS,
            );
          const answer = await approve(checkRunId(runId), context);
          return { ...answer, text: `${answer.text} — approved by ${slackMention(userId)}` };
        }, "in_channel");
      } finally {
        context.answers?.clear();
      }
    }
  }
}
