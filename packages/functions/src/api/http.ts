/** The status API's HTTP vocabulary, free of any framework: requests, responses, errors. */
import { nestingProblems, type Problem } from "@fleet-upgrade/core";

export interface StatusRequest {
  method: string;
  /** The path as sent, percent-encoded (`/runs/abc`). */
  path: string;
  query: Record<string, string | undefined>;
  /** Header names in any case; the app reads them lower-cased. */
  headers: Record<string, string | undefined>;
  /** The raw body, decoded to text (base64 undone); null or "" when none. */
  body: string | null;
  /**
   * The body's size in bytes as it arrived, counted before any decoding; when larger than
   * {@link MAX_BODY_BYTES} the caller may leave `body` null (it was never decoded) and the app
   * answers 413.
   */
  bodyBytes?: number;
}

export interface StatusResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export type ErrorCode =
  | "InvalidRequest"
  | "Unauthorized"
  | "Forbidden"
  | "NotFound"
  | "MethodNotAllowed"
  | "Conflict"
  | "PayloadTooLarge"
  | "UnsupportedMediaType"
  | "UnprocessableEntity"
  | "InternalError";

/** An answer under 500, with a message meant for the caller (nothing internal in it). */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly statusCode: number,
    readonly code: ErrorCode,
    message: string,
    readonly extra: {
      problems?: Problem[];
      headers?: Record<string, string>;
      /** The run's real status, with a 409 about a run. */
      status?: string;
      /** A more precise code than the HTTP status's (e.g. IDEMPOTENCY_KEY_REUSED). */
      reason?: string;
    } = {},
  ) {
    super(message);
  }
}

/** Largest body accepted (a run request is a few KiB; Slack's bodies are smaller). */
export const MAX_BODY_BYTES = 64 * 1024;

const JSON_TYPE = "application/json; charset=utf-8";
const TEXT_TYPE = "text/plain; charset=utf-8";

export function jsonResponse(statusCode: number, value: unknown, headers: Record<string, string> = {}) {
  return {
    statusCode,
    headers: { "content-type": JSON_TYPE, "cache-control": "no-store", ...headers },
    body: JSON.stringify(value),
  };
}

export function textResponse(statusCode: number, text: string): StatusResponse {
  return {
    statusCode,
    headers: { "content-type": TEXT_TYPE, "cache-control": "no-store" },
    body: `${text}\n`,
  };
}

export function errorResponse(error: ApiError): StatusResponse {
  const problems = error.extra.problems;
  return jsonResponse(
    error.statusCode,
    {
      error: {
        code: error.extra.reason ?? error.code,
        message: error.message,
        ...(error.extra.status !== undefined && { status: error.extra.status }),
        ...(problems && {
          problems: problems.map((p) => ({ field: p.field, value: p.value ?? null, expected: p.expected })),
        }),
      },
    },
    error.extra.headers ?? {},
  );
}

/**
 * True when the caller asked for a chat-ready summary: `?format=text`, or an Accept header whose
 * most preferred type we serve is text/plain (`application/json` wins a tie, and unknown types are
 * ignored rather than refused).
 */
export function wantsText(query: Record<string, string | undefined>, accept: string | undefined): boolean {
  const format = query.format;
  if (format !== undefined) {
    if (format === "text") return true;
    if (format === "json") return false;
    throw new ApiError(400, "InvalidRequest", `format: got ${quote(format)}, expected "json" or "text"`, {
      problems: [{ field: "format", value: format, expected: 'one of "json", "text"' }],
    });
  }
  if (!accept) return false;
  let best: { text: boolean; q: number } | null = null;
  for (const part of accept.split(",").slice(0, 20)) {
    const [type = "", ...params] = part.split(";").map((s) => s.trim().toLowerCase());
    const qParam = params.find((p) => p.startsWith("q="));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q) || q <= 0) continue;
    const text = type === "text/plain" || type === "text/*";
    const json = type === "application/json" || type === "application/*" || type === "*/*";
    if (!text && !json) continue;
    if (!best || q > best.q || (q === best.q && best.text && !text)) best = { text, q };
  }
  return best?.text ?? false;
}

/** A value for a message: JSON-quoted and cut short. */
export function quote(value: string): string {
  const text = JSON.stringify(value);
  return text.length > 82 ? `${text.slice(0, 79)}..."` : text;
}

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaType(contentType: string | undefined): string | undefined {
  const type = contentType?.split(";")[0]?.trim().toLowerCase();
  return type ? type : undefined;
}

/**
 * Refuses bodies larger than {@link MAX_BODY_BYTES}: by the size counted as they arrived when the
 * caller gives it (before any decoding), else by the text's UTF-8 size.
 */
export function checkSize(body: string | null, bodyBytes?: number): void {
  const size = bodyBytes ?? (body ? Buffer.byteLength(body, "utf8") : 0);
  if (size > MAX_BODY_BYTES) {
    throw new ApiError(413, "PayloadTooLarge", `the body is larger than ${MAX_BODY_BYTES / 1024} KiB`);
  }
}

/**
 * The body as JSON: undefined when empty. A body must say it is JSON (`application/json` or a
 * `+json` type): anything else answers 415, so a web page cannot drive the API with the form or
 * text bodies a browser sends across origins without asking (CONTRACTS section 5).
 */
export function jsonBody(request: {
  body: string | null;
  bodyBytes?: number;
  headers: Record<string, string | undefined>;
}) {
  checkSize(request.body, request.bodyBytes);
  const body = request.body ?? "";
  if (body.trim() === "") return undefined;
  const type = mediaType(request.headers["content-type"]);
  if (type !== "application/json" && !type?.endsWith("+json")) {
    throw new ApiError(
      415,
      "UnsupportedMediaType",
      `${type === undefined ? "a body without a Content-Type" : `Content-Type ${quote(type)}`} is not accepted here; send the body as application/json`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(body) as unknown;
  } catch {
    throw new ApiError(400, "InvalidRequest", "the body is not valid JSON", {
      problems: [{ field: "(body)", value: body.slice(0, 80), expected: "a JSON object" }],
    });
  }
  const tooDeep = nestingProblems(value);
  if (tooDeep.length > 0) {
    throw new ApiError(400, "InvalidRequest", `the body is nested too deeply: ${tooDeep[0]?.expected}`, {
      problems: tooDeep,
    });
  }
  return value;
}
