/**
 * Malformed requests never make the status API answer 5xx: random methods, paths, run ids, query
 * strings, headers and bodies (JSON, not JSON, binary, too large, signed and unsigned Slack forms)
 * to every route, in process and through `serve`'s HTTP server.
 */

import { type ServeHandle, startServe } from "@fleet-upgrade/cli";
import { handleStatusRequest, type StatusRequest, type StatusResponse } from "@fleet-upgrade/functions";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SLACK_ENV, slackRequest, statusScenario } from "./status-support";

let serve: ServeHandle;

beforeAll(async () => {
  serve = await startServe({ scenario: statusScenario, port: 0, speed: 1_000_000, env: SLACK_ENV });
});

afterAll(async () => {
  await serve?.close();
});

const KNOWN_CODES = new Set([
  "InvalidRequest",
  "Unauthorized",
  "Forbidden",
  "NotFound",
  "MethodNotAllowed",
  "Conflict",
  "PayloadTooLarge",
  "UnsupportedMediaType",
]);

function expectWellFormed(
  response: StatusResponse | { statusCode: number; headers: Record<string, string>; body: string },
  method = "GET",
) {
  expect(response.statusCode).toBeLessThan(500);
  expect(response.statusCode).toBeGreaterThanOrEqual(200);
  // An answer to HEAD has no body (RFC 9110 section 9.3.2), errors included.
  if (method.toUpperCase() === "HEAD") expect(response.body).toBe("");
  else if (response.statusCode >= 400) {
    const body = JSON.parse(response.body) as { error: { code: string; message: string } };
    expect(KNOWN_CODES.has(body.error.code)).toBe(true);
    expect(typeof body.error.message).toBe("string");
    // Nothing internal: no stack frames, no SDK or file names in a message.
    expect(body.error.message).not.toMatch(/\n\s+at |node_modules|\.ts:\d+|Dynamo|ECONN/);
  }
}

const runId = fc.oneof(
  fc.constantFrom("run-1", "..", "%", "%E0%A4%A", "%2F", "a".repeat(81), ""),
  fc.string({ maxLength: 40 }),
  fc.stringMatching(/^[A-Za-z0-9%._~-]{1,100}$/),
);
const path = fc.oneof(
  fc.constantFrom("/fleet", "/runs", "/chat/slack", "/runs/", "//runs", "/fleet/", "/chat", "/"),
  runId.map((id) => `/runs/${id}`),
  runId.map((id) => `/runs/${id}/approve`),
  runId.map((id) => `/runs/${id}/abort`),
  fc.webPath(),
  fc.string({ maxLength: 30 }),
);
const method = fc.oneof(
  fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "get", "post"),
  fc.string({ maxLength: 8 }),
);
const contentType = fc.oneof(
  fc.constantFrom(
    "application/json",
    "application/json; charset=utf-8",
    "application/x-www-form-urlencoded",
    "text/plain",
    "multipart/form-data; boundary=x",
    "application/xml",
    ";",
    "",
  ),
  fc.string({ maxLength: 30 }),
);
const headers = fc.record(
  {
    "content-type": contentType,
    accept: fc.oneof(
      fc.constantFrom("text/plain", "*/*", "text/plain;q=abc", "application/json;q=0"),
      fc.string(),
    ),
    "x-slack-signature": fc.oneof(fc.constant("v0=00"), fc.string({ maxLength: 80 })),
    "x-slack-request-timestamp": fc.oneof(fc.integer().map(String), fc.string({ maxLength: 15 })),
    "Content-Type": fc.string({ maxLength: 20 }),
  },
  { requiredKeys: [] },
);
const query = fc.dictionary(
  fc.oneof(fc.constantFrom("limit", "format"), fc.string({ maxLength: 8 })),
  fc.oneof(fc.constantFrom("0", "1", "100", "101", "-1", "1e2", "text", "json", "xml", ""), fc.string()),
  { maxKeys: 3 },
);
const body = fc.oneof(
  fc.constantFrom(
    null,
    "",
    "{}",
    "[]",
    "null",
    "{",
    '{"reason": 5}',
    '{"dryRun": "yes"}',
    '{"__proto__": {"x": 1}}',
  ),
  fc.string(),
  fc.json(),
  fc.jsonValue().map((v) => JSON.stringify({ rollout: v, image: v })),
  fc.object().map((o) => JSON.stringify(o)),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes).toString("latin1")),
  fc.constant("x".repeat(70_000)),
  fc.string().map((text) => new URLSearchParams({ command: "/fleet", text, user_id: "U1" }).toString()),
);

/** Correctly signed Slack commands with random text and users: past the signature, into the commands. */
const signedSlack = fc
  .tuple(
    fc.oneof(
      fc.constantFrom("status", "approve", "abort", "help", "status run-1", "abort run-1 why", "approve %%%"),
      fc.string({ maxLength: 60 }),
      fc.tuple(fc.constantFrom("status", "approve", "abort"), runId).map(([verb, id]) => `${verb} ${id}`),
    ),
    fc.constantFrom("U0OPERATOR", "U0INTRUDER", ""),
  )
  .map(([text, user]): StatusRequest => {
    const signed = slackRequest(text, { user });
    return { method: "POST", path: "/chat/slack", query: {}, headers: signed.headers, body: signed.body };
  });

const request = fc.oneof(
  fc.record({ method, path, query, headers, body }),
  signedSlack,
) as fc.Arbitrary<StatusRequest>;

describe("status API under malformed input", () => {
  it("never answers 5xx, and every error has the contract's shape (in process)", async () => {
    await fc.assert(
      fc.asyncProperty(request, async (req) => {
        expectWellFormed(await handleStatusRequest(req, serve.context), req.method);
      }),
      { numRuns: 600 },
    );
  });

  it("never answers 5xx through serve's HTTP server either", async () => {
    const httpMethod = fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS");
    await fc.assert(
      fc.asyncProperty(
        fc.record({ method: httpMethod, path, headers, body }),
        async ({ method: m, path: p, headers: h, body: b }) => {
          const url = `${serve.url}/${encodeURI(p.replace(/^\/+/, ""))}`;
          const sent: Record<string, string> = {};
          for (const [name, value] of Object.entries(h)) {
            // fetch refuses header values it cannot send; those never reach a server anyway.
            if (/^[\t\x20-\x7e]*$/.test(value)) sent[name] = value;
          }
          const response = await fetch(url, {
            method: m,
            headers: sent,
            ...(m !== "GET" && b !== null && { body: b }),
          });
          const text = await response.text();
          expectWellFormed({ statusCode: response.status, headers: {}, body: text });
        },
      ),
      { numRuns: 150 },
    );
  });
});
