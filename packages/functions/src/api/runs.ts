/** The REST routes' answers: the fleet, the runs, starting one, approving and aborting one. */
import { createHash, randomBytes } from "node:crypto";
import {
  assembleRunResult,
  formatProblems,
  isPlainObject,
  MAX_REASON_LENGTH,
  NO_METRICS,
  newRunRecord,
  parseRunRequest,
  ReasonTooLongError,
  type RunRecord,
  type RunResult,
} from "@fleet-upgrade/core";
import { cachedRead } from "./answer-cache";
import { type Answer, type StatusContext, wallClock } from "./context";
import { ApiError, quote } from "./http";
import { type AbortOutcome, abortExecution, approveExecution, OperatorRequestError } from "./operator";
import { readRunResult } from "./run-view";
import { fleetText, fleetView, progressOf, type RunListItem, runListText, runText } from "./views";

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

function runNotFound(runId: string): ApiError {
  return new ApiError(404, "NotFound", `run ${quote(runId)} does not exist`);
}

/** A run id from a path or a chat command: one that cannot name an execution is an unknown run. */
export function checkRunId(runId: string): string {
  if (!RUN_ID.test(runId)) throw runNotFound(runId);
  return runId;
}

/** GET /fleet: the inventory of the newest run that took one. */
export function readFleet(context: StatusContext): Promise<Answer> {
  return cachedRead(context, "fleet", async () => {
    const runs = await context.deps.ledger.listRuns(MAX_LIST_LIMIT);
    const source = runs.find((r) => r.inventory !== null);
    const view = fleetView(
      source?.inventory
        ? { runId: source.runId, startedAt: source.startedAt, inventory: source.inventory }
        : null,
      wallClock(context),
    );
    return { status: 200, json: view, text: fleetText(view) };
  });
}

/** `?limit=`: 1 to 100, 20 when absent. */
export function listLimit(query: Record<string, string | undefined>): number {
  const raw = query.limit;
  if (raw === undefined) return DEFAULT_LIST_LIMIT;
  const n = /^\d{1,4}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(n >= 1 && n <= MAX_LIST_LIMIT)) {
    throw new ApiError(
      400,
      "InvalidRequest",
      `limit: got ${quote(raw)}, expected an integer 1-${MAX_LIST_LIMIT}`,
      { problems: [{ field: "limit", value: raw, expected: `an integer 1-${MAX_LIST_LIMIT}` }] },
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

/** GET /runs: the newest `limit` runs. */
export function readRuns(context: StatusContext, limit: number): Promise<Answer> {
  return cachedRead(context, `runs?limit=${limit}`, async () => {
    const runs = await context.deps.ledger.listRuns(limit);
    const items = await Promise.all(runs.map((run) => listItem(run, context)));
    return { status: 200, json: { runs: items }, text: runListText(items) };
  });
}

/** GET /runs/{runId}: the run result, live while it runs. */
export function readRun(context: StatusContext, runId: string): Promise<Answer> {
  const id = checkRunId(runId);
  return cachedRead(context, `run/${id}`, async () => {
    const result = (await readRunResult(context.deps, id)) ?? (await startingRun(id, context));
    if (!result) throw runNotFound(id);
    return { status: 200, json: result, text: runText(result) };
  });
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

/** POST /runs: starts a run from the request body (JSON, already read); 202 with its id. */
export async function startRun(
  input: unknown,
  idempotencyKey: string | undefined,
  context: StatusContext,
): Promise<Answer> {
  const parsed = parseRunRequest(input, context.deps.settings.stage);
  if (!parsed.ok) {
    throw new ApiError(
      400,
      "InvalidRequest",
      `the run request is invalid:\n${formatProblems(parsed.problems)}`,
      { problems: parsed.problems },
    );
  }
  const key = idempotencyKey;
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

/** An operator action refused: 404 for an unknown run, else 409 with the run's real status. */
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

/** POST /runs/{runId}/approve: the next wave starts. */
export async function approve(runId: string, context: StatusContext): Promise<Answer> {
  const outcome = await approveExecution(context.deps, context.starter, checkRunId(runId)).catch(
    operatorError,
  );
  return { status: 200, json: outcome, text: `run ${outcome.runId} approved: the next wave starts` };
}

/** The abort's body: nothing, or `{"reason": "..."}` (at most 500 characters). */
export function abortReason(body: unknown): string | null {
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
      operatorError(new ReasonTooLongError("reason", reason));
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

/**
 * POST /runs/{runId}/abort (and Slack's abort): `actor` is recorded in the ledger, `by` shown in the
 * answer; Slack passes a shorter wake budget to answer within its 3 seconds.
 */
export async function abort(
  runId: string,
  reason: string | null,
  context: StatusContext,
  who: { actor: string; by: string } | null = null,
  wakeBudgetMs?: number,
): Promise<Answer> {
  const why = reason ?? "no reason given";
  const outcome: AbortOutcome = await abortExecution(
    context.deps,
    context.starter,
    checkRunId(runId),
    why,
    who?.actor ?? null,
    wakeBudgetMs,
  ).catch(operatorError);
  if (outcome.stopped) {
    return { status: 202, json: outcome, text: `run ${runId} stopped before it touched anything (${why})` };
  }
  const { rollingBack, rollingBackAtNextPoll: atNextPoll } = outcome;
  const groups = rollingBack.length > 0 ? `; rolling back ${rollingBack.join(", ")}` : "";
  const later =
    atNextPoll.length > 0 ? `; ${atNextPoll.length} more groups roll back at their next status poll` : "";
  return {
    status: 202,
    json: outcome,
    text: `run ${runId} aborting: ${why}${who === null ? "" : ` — by ${who.by}`}. No new group starts${groups}${later}; it ends ABORTED once they settle`,
  };
}
