/**
 * The status API as one Hono app, routed by the route table (routes.ts): the Lambda (lambda-entry.ts)
 * and `fleet-upgrade serve` (@hono/node-server) both answer through it, and so does
 * {@link handleStatusRequest} for callers that hold a plain request rather than an HTTP one.
 */
import { randomBytes } from "node:crypto";
import { type Context, Hono, type Next } from "hono";
import { bodyLimit } from "hono/body-limit";
import { writeThrough } from "./answer-cache";
import type { Answer, StatusContext } from "./context";
import {
  ApiError,
  checkSize,
  errorResponse,
  jsonBody,
  jsonResponse,
  MAX_BODY_BYTES,
  mediaType,
  quote,
  type StatusRequest,
  type StatusResponse,
  textResponse,
  wantsText,
} from "./http";
import { type RouteId, STATUS_ROUTES, type StatusRoute } from "./routes";
import {
  abort,
  abortReason,
  approve,
  checkRunId,
  listLimit,
  readFleet,
  readRun,
  readRuns,
  startRun,
} from "./runs";
import { answerSlack } from "./slack";

/** What a route's handler is given: the request as read by the route's facts (its `body` kind). */
interface RouteRequest {
  params: Record<string, string>;
  query: Record<string, string>;
  /** Lower-case names. */
  headers: Record<string, string | undefined>;
  /** The JSON value (body "json"; undefined when empty), the raw form ("slack-form"), or undefined. */
  body: unknown;
}

type RouteHandler = (request: RouteRequest, context: StatusContext) => Promise<Answer>;

/** Each route of the table and what answers it: a route without a handler does not compile. */
const HANDLERS: Record<RouteId, RouteHandler> = {
  getFleet: (_request, context) => readFleet(context),
  listRuns: (request, context) => readRuns(context, listLimit(request.query)),
  getRun: (request, context) => readRun(context, request.params.runId ?? ""),
  startRun: (request, context) =>
    writeThrough(context, () => startRun(request.body, request.headers["idempotency-key"], context)),
  approveRun: async (request, context) => {
    const runId = checkRunId(request.params.runId ?? "");
    return writeThrough(context, () => approve(runId, context));
  },
  abortRun: async (request, context) => {
    const runId = checkRunId(request.params.runId ?? "");
    const reason = abortReason(request.body);
    return writeThrough(context, () => abort(runId, reason, context));
  },
  slackCommand: (request, context) =>
    answerSlack({ headers: request.headers, body: String(request.body ?? "") }, context),
};

/** `/runs/{runId}` as Hono writes it: `/runs/:runId`. */
export function honoPath(path: string): string {
  return path.replace(/\{([^}]+)\}/g, ":$1");
}

function toResponse(answer: StatusResponse): Response {
  return new Response(answer.body, { status: answer.statusCode, headers: answer.headers });
}

/** The query as a record; a name given twice keeps its last value. */
function queryOf(url: string): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [key, value] of new URL(url).searchParams) query[key] = value;
  return query;
}

/** A body larger than the limit answers 413: by its Content-Length, else counted as it streams in. */
const streamedLimit = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw new ApiError(413, "PayloadTooLarge", `the body is larger than ${MAX_BODY_BYTES / 1024} KiB`);
  },
});

async function sizeLimit(c: Context, next: Next): Promise<void> {
  const declared = c.req.header("content-length");
  if (declared !== undefined && /^\d{1,15}$/.test(declared)) {
    checkSize(null, Number(declared));
    return next();
  }
  await streamedLimit(c, next);
}

/** The body as the route reads it: nothing, JSON (else 415 or 400), or Slack's form (else 415). */
async function readBody(c: Context, route: StatusRoute, headers: RouteRequest["headers"]): Promise<unknown> {
  if (route.body === "none") return undefined;
  if (route.body === "slack-form") {
    if (mediaType(headers["content-type"]) !== "application/x-www-form-urlencoded") {
      throw new ApiError(
        415,
        "UnsupportedMediaType",
        "the Slack route takes Slack's slash-command form (application/x-www-form-urlencoded)",
      );
    }
    return c.req.text();
  }
  return jsonBody({ body: await c.req.text(), headers });
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

/**
 * The status API over `context`: 404 for a path not in the table, 405 (with `Allow`) for a method the
 * path does not answer, 413 past the size limit, then the route. Never throws; a 5xx only for a
 * genuine server fault.
 */
export function createStatusApp(context: StatusContext): Hono {
  const app = new Hono({ strict: false });
  const paths = [...new Set(STATUS_ROUTES.map((route) => route.path))];
  for (const path of paths) {
    const allowed = STATUS_ROUTES.filter((route) => route.path === path).map((route) => route.method);
    app.all(honoPath(path), async (c, next) => {
      // Hono answers HEAD with the GET route; the table has no HEAD, so it is refused like any other.
      const method = c.req.method.toUpperCase();
      if (!(allowed as string[]).includes(method)) {
        throw new ApiError(
          405,
          "MethodNotAllowed",
          `${path} answers ${allowed.join(", ")}, not ${quote(method)}`,
          {
            headers: { allow: allowed.join(", ") },
          },
        );
      }
      await next();
    });
  }
  for (const route of STATUS_ROUTES) {
    app.on(route.method, honoPath(route.path), sizeLimit, async (c) => {
      const headers = c.req.header();
      const query = queryOf(c.req.url);
      const text = route.body !== "slack-form" && wantsText(query, headers.accept);
      const body = await readBody(c, route, headers);
      const answer = await HANDLERS[route.id]({ params: c.req.param(), query, headers, body }, context);
      return toResponse(
        text ? textResponse(answer.status, answer.text) : jsonResponse(answer.status, answer.json),
      );
    });
  }
  app.notFound((c) => {
    const path = new URL(c.req.url).pathname;
    return toResponse(
      errorResponse(new ApiError(404, "NotFound", `no route ${quote(path)}; see docs/openapi.yaml`)),
    );
  });
  app.onError((error) =>
    toResponse(error instanceof ApiError ? errorResponse(error) : internalError(error, context)),
  );
  return app;
}

const apps = new WeakMap<StatusContext, Hono>();

/** The app of a context, built once. */
export function statusAppOf(context: StatusContext): Hono {
  let app = apps.get(context);
  if (!app) {
    app = createStatusApp(context);
    apps.set(context, app);
  }
  return app;
}

/** A header value fetch's Headers can carry: other characters are percent-encoded, as hono/aws-lambda does. */
const headerValue = (value: string) => (/^[\t\x20-\x7e]*$/.test(value) ? value : encodeURIComponent(value));

/**
 * Answers one request given as plain data (tests, the property checks): through the same app.
 * `bodyBytes`, the size as it arrived, becomes the Content-Length the size limit reads.
 */
export async function handleStatusRequest(
  request: StatusRequest,
  context: StatusContext,
): Promise<StatusResponse> {
  const path = String(request.path ?? "");
  const method = String(request.method ?? "").toUpperCase();
  if (!path.startsWith("/")) {
    // Not a path HTTP can send (every one starts with "/"): no route, answered as the app would.
    const missing = errorResponse(
      new ApiError(404, "NotFound", `no route ${quote(path)}; see docs/openapi.yaml`),
    );
    return method === "HEAD" ? { ...missing, body: "" } : missing;
  }
  let fetchRequest: Request;
  try {
    // `?` and `#` in the path are part of it, not a query or a fragment.
    const url = `http://status.invalid${path.replace(/[?#]/g, (c) => encodeURIComponent(c))}`;
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(request.query ?? {}))
      if (value !== undefined) search.set(key, value);
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers ?? {}))
      if (value !== undefined) headers.set(name, headerValue(value));
    const body = typeof request.body === "string" ? request.body : null;
    headers.set("content-length", String(request.bodyBytes ?? (body ? Buffer.byteLength(body, "utf8") : 0)));
    const sendsBody = body !== null && method !== "GET" && method !== "HEAD";
    fetchRequest = new Request(`${url}${search.size > 0 ? `?${search}` : ""}`, {
      method,
      headers,
      ...(sendsBody && { body }),
    });
  } catch {
    return errorResponse(
      new ApiError(400, "InvalidRequest", `the request cannot be read as HTTP: method ${quote(method)}`),
    );
  }
  const response = await statusAppOf(context).fetch(fetchRequest);
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return { statusCode: response.status, headers, body: await response.text() };
}
