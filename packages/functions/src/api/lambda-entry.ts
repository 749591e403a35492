/**
 * The status API behind API Gateway's HTTP API (payload format 2.0): the event goes to the app
 * through `hono/aws-lambda` (marked deprecated for a future `@hono/aws-lambda`, which npm does not
 * have yet). A body over the size limit is refused before the adapter decodes it.
 */
import { type APIGatewayProxyResult, handle, type LambdaContext, type LambdaEvent } from "hono/aws-lambda";
import { statusAppOf } from "./app";
import type { StatusContext } from "./context";
import { MAX_BODY_BYTES } from "./http";

/** The parts of an API Gateway HTTP API (payload 2.0) event the app reads. */
export interface HttpApiEvent {
  rawPath?: string;
  rawQueryString?: string;
  headers?: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
  requestContext?: { http?: { method?: string; path?: string } };
}

/** The body's size in bytes as sent, counted before decoding: base64 carries 3 bytes in 4 characters. */
export function eventBodyBytes(event: HttpApiEvent): number {
  const raw = event.body;
  if (raw === undefined || raw === null) return 0;
  if (!event.isBase64Encoded) return Buffer.byteLength(raw, "utf8");
  return Math.floor((raw.length * 3) / 4) - (raw.endsWith("==") ? 2 : raw.endsWith("=") ? 1 : 0);
}

/** An oversize body is dropped, and its size given as Content-Length: the app answers 413 from it. */
function withinSizeLimit(event: HttpApiEvent): HttpApiEvent {
  const bytes = eventBodyBytes(event);
  if (bytes <= MAX_BODY_BYTES) return event;
  const { body: _dropped, ...rest } = event;
  return { ...rest, isBase64Encoded: false, headers: { ...event.headers, "content-length": String(bytes) } };
}

const handlers = new WeakMap<StatusContext, ReturnType<typeof handle>>();

/** Answers one API Gateway event with the app of `context`. */
export function answerHttpApiEvent(
  event: HttpApiEvent,
  lambdaContext: LambdaContext | undefined,
  context: StatusContext,
): Promise<APIGatewayProxyResult> {
  let handler = handlers.get(context);
  if (!handler) {
    handler = handle(statusAppOf(context));
    handlers.set(context, handler);
  }
  // API Gateway sends the full payload 2.0 event; the adapter reads only the fields above.
  return handler(withinSizeLimit(event) as LambdaEvent, lambdaContext);
}
