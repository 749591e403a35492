/**
 * docs/openapi.yaml against the app's route table: the same routes, names, auth and request bodies;
 * every answer to a set of valid and invalid requests has a documented status and a body of the
 * documented shape; every documented status (but 500) is seen; every shared response is used.
 */
import { readFileSync } from "node:fs";
import { type ServeHandle, startServe } from "@fleet-upgrade/cli";
import {
  handleStatusRequest,
  type RouteBody,
  routeKey,
  STATUS_ROUTES,
  type StatusRequest,
  type StatusResponse,
} from "@fleet-upgrade/functions";
import Ajv2020 from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { SLACK_ENV, slackRequest, statusScenario } from "./status-support";

type Operation = {
  operationId?: string;
  security?: Record<string, string[]>[];
  requestBody?: { content: Record<string, unknown> };
  responses: Record<string, { $ref?: string; content?: object }>;
};
type Doc = {
  security: Record<string, string[]>[];
  paths: Record<string, Record<string, Operation>>;
  components: { responses: Record<string, unknown> };
};
const DOC_URL = new URL("../../docs/openapi.yaml", import.meta.url);
const doc = parseYaml(readFileSync(DOC_URL, "utf8")) as Doc;
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
ajv.addSchema({ ...doc, $id: "openapi" });

const pointer = (...parts: string[]) =>
  parts.map((p) => p.replace(/~/g, "~0").replace(/\//g, "~1")).join("/");

/** The JSON pointer (in the document) of a response's schema for a media type, or undefined. */
function schemaPointer(path: string, method: string, status: string, media: string): string | undefined {
  const responses = doc.paths[path]?.[method]?.responses ?? {};
  const response = responses[status];
  if (!response) return undefined;
  let base = `/${pointer("paths", path, method, "responses", status)}`;
  let target: { content?: Record<string, unknown> } = response as never;
  if (response.$ref) {
    base = response.$ref.slice(1);
    const name = response.$ref.split("/").at(-1) as string;
    target = (doc.components.responses[name] ?? {}) as typeof target;
  }
  if (!target.content?.[media]) return undefined;
  return `${base}/${pointer("content", media, "schema")}`;
}

let serve: ServeHandle;
const seen = new Map<string, Set<string>>();

beforeAll(async () => {
  serve = await startServe({ scenario: statusScenario, port: 0, speed: 1_000_000, env: SLACK_ENV });
});

afterAll(async () => {
  await serve?.close();
});

/** Sends a request to a documented operation and checks the answer against the document. */
async function check(route: string, req: Partial<StatusRequest> & { path: string; method: string }) {
  const response: StatusResponse = await handleStatusRequest(
    { query: {}, headers: {}, body: null, ...req },
    serve.context,
  );
  const method = req.method.toLowerCase();
  const status = String(response.statusCode);
  const operation = doc.paths[route]?.[method];
  expect(operation, `${method} ${route} is documented`).toBeDefined();
  expect(Object.keys(operation?.responses ?? {}), `${req.method} ${req.path} answered ${status}`).toContain(
    status,
  );
  const media = (response.headers["content-type"] ?? "").split(";")[0] as string;
  const at = schemaPointer(route, method, status, media);
  expect(at, `${status} ${media} is documented for ${method} ${route}`).toBeDefined();
  const validate = ajv.getSchema(`openapi#${at}`);
  if (!validate) throw new Error(`no schema at ${at}`);
  const body = media === "application/json" ? JSON.parse(response.body) : response.body;
  expect(validate(body), `${req.method} ${req.path}: ${ajv.errorsText(validate.errors)}`).toBe(true);
  const key = `${method} ${route}`;
  seen.set(key, (seen.get(key) ?? new Set()).add(status));
  return { status: response.statusCode, body };
}

async function waitFor(runId: string, wanted: string) {
  for (let i = 0; i < 2000; i++) {
    const { body } = await check("/runs/{runId}", { method: "GET", path: `/runs/${runId}` });
    if ((body as { status: string }).status === wanted) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`run ${runId} never got ${wanted}`);
}

describe("docs/openapi.yaml", () => {
  it("documents exactly the route table's routes", () => {
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(STATUS_ROUTES.map(routeKey).sort());
  });

  it("names each route, its auth and its request body as the route table does", () => {
    const SCHEME = { iam: "sigv4", "slack-signature": "slackSignature" } as const;
    const MEDIA: Record<RouteBody, string[]> = {
      none: [],
      json: ["application/json"],
      "slack-form": ["application/x-www-form-urlencoded"],
    };
    for (const route of STATUS_ROUTES) {
      const operation = doc.paths[route.path]?.[route.method.toLowerCase()];
      const key = routeKey(route);
      expect(operation?.operationId, key).toBe(route.id);
      const security = operation?.security ?? doc.security;
      expect(
        security.flatMap((s) => Object.keys(s)),
        key,
      ).toEqual([SCHEME[route.auth]]);
      expect(Object.keys(operation?.requestBody?.content ?? {}), key).toEqual(MEDIA[route.body]);
    }
  });

  it("uses every shared response it defines", () => {
    const text = readFileSync(DOC_URL, "utf8");
    for (const name of Object.keys(doc.components.responses)) {
      expect(text, name).toContain(`$ref: "#/components/responses/${name}"`);
    }
  });

  it("matches every answer of every route, valid and invalid requests alike", async () => {
    const big = "x".repeat(70_000);
    const json = { "content-type": "application/json" };
    await check("/fleet", { method: "GET", path: "/fleet" });
    await check("/fleet", { method: "GET", path: "/fleet", query: { format: "text" } });
    await check("/fleet", { method: "GET", path: "/fleet", query: { format: "yaml" } });
    await check("/runs", { method: "GET", path: "/runs", query: { limit: "0" } });
    await check("/runs", {
      method: "POST",
      path: "/runs",
      body: '{"rollout": {"checkpoints": [0]}}',
      headers: json,
    });
    await check("/runs", {
      method: "POST",
      path: "/runs",
      body: "<run/>",
      headers: { "content-type": "application/xml" },
    });
    await check("/runs", { method: "POST", path: "/runs", body: big });
    await check("/runs/{runId}", { method: "GET", path: "/runs/run-none" });
    await check("/runs/{runId}", { method: "GET", path: "/runs/run-none", query: { format: "x" } });

    const started = await check("/runs", {
      method: "POST",
      path: "/runs",
      headers: json,
      body: '{"rollout": {"approval": "between-waves"}}',
    });
    const runId = (started.body as { runId: string }).runId;
    await check("/runs", { method: "POST", path: "/runs", body: "{}", headers: json });
    await check("/runs", {
      method: "POST",
      path: "/runs",
      body: "{}",
      headers: json,
      query: { format: "text" },
    });
    await waitFor(runId, "WAITING");
    await check("/fleet", { method: "GET", path: "/fleet" });
    await check("/runs", { method: "GET", path: "/runs" });
    await check("/runs", { method: "GET", path: "/runs", headers: { accept: "text/plain" } });
    await check("/runs/{runId}", { method: "GET", path: `/runs/${runId}`, query: { format: "text" } });

    await check("/chat/slack", { method: "POST", path: "/chat/slack", ...slackRequest(`status ${runId}`) });
    await check("/chat/slack", {
      method: "POST",
      path: "/chat/slack",
      ...slackRequest("status", { ageSeconds: 400 }),
    });
    await check("/chat/slack", {
      method: "POST",
      path: "/chat/slack",
      ...slackRequest(`approve ${runId}`, { user: "U9" }),
    });
    await check("/chat/slack", { method: "POST", path: "/chat/slack", body: "text=status", headers: json });
    await check("/chat/slack", {
      method: "POST",
      path: "/chat/slack",
      body: big,
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });

    await check("/runs/{runId}/approve", { method: "POST", path: "/runs/run-none/approve" });
    await check("/runs/{runId}/approve", {
      method: "POST",
      path: `/runs/${runId}/approve`,
      query: { format: "?" },
    });
    await check("/runs/{runId}/approve", { method: "POST", path: `/runs/${runId}/approve`, body: big });
    await check("/runs/{runId}/approve", {
      method: "POST",
      path: `/runs/${runId}/approve`,
      body: "go=1",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    await check("/runs/{runId}/approve", { method: "POST", path: `/runs/${runId}/approve` });
    await check("/runs/{runId}/approve", { method: "POST", path: `/runs/${runId}/approve` });
    await waitFor(runId, "SUCCEEDED");

    // A second run, aborted while it waits.
    const keyed = { ...json, "idempotency-key": "doc-key-1" };
    const second = await check("/runs", {
      method: "POST",
      path: "/runs",
      headers: keyed,
      body: '{"rollout": {"approval": "between-waves"}}',
    });
    const other = (second.body as { runId: string }).runId;
    // The same key with another body: refused (422), never mapped onto the run it started.
    await check("/runs", { method: "POST", path: "/runs", body: '{"dryRun": true}', headers: keyed });
    await waitFor(other, "WAITING");
    const abort = (extra: Partial<StatusRequest> = {}) =>
      check("/runs/{runId}/abort", { method: "POST", path: `/runs/${other}/abort`, ...extra });
    await check("/runs/{runId}/abort", { method: "POST", path: "/runs/run-none/abort" });
    await abort({ body: '{"why": 1}', headers: json });
    await abort({ body: big });
    await abort({ body: "reason=x", headers: { "content-type": "multipart/form-data" } });
    await abort({ body: '{"reason": "checking the document"}', headers: { ...json, accept: "text/plain" } });
    await waitFor(other, "ABORTED");
    await abort();
    await check("/runs/{runId}", { method: "GET", path: `/runs/${other}` });

    // Every documented status but 500 (a server fault) was answered at least once.
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const expected = Object.keys(operation.responses).filter((s) => s !== "500");
        expect([...(seen.get(`${method} ${path}`) ?? [])].sort(), `${method} ${path}`).toEqual(
          expected.sort(),
        );
      }
    }
  });
});
