import type { RunStarter } from "@fleet-upgrade/core";
import { describe, expect, it } from "vitest";
import { slackSettingsFromEnv } from "../../../src/api/slack";
import { statusApiHandler } from "../../../src/api/status-api";
import { DEFAULT_SETTINGS, type FunctionDeps, silentLogger } from "../../../src/runtime/deps";

const started: { runId: string; request: unknown }[] = [];
const starter: RunStarter = {
  start: async (runId, request) => {
    started.push({ runId, request });
  },
  describe: async () => undefined,
  stop: async () => {},
};
const deps = {
  settings: DEFAULT_SETTINGS,
  logger: silentLogger,
  now: () => new Date(),
  ledger: { listRuns: async () => [] },
} as unknown as FunctionDeps;
const handler = statusApiHandler({
  deps,
  starter,
  slack: slackSettingsFromEnv({}),
  newRunId: () => "run-fixed",
});

const event = (over: object) => ({
  version: "2.0",
  routeKey: "POST /runs",
  rawPath: "/runs",
  rawQueryString: "",
  headers: { "content-type": "application/json" },
  requestContext: { http: { method: "POST", path: "/runs" } },
  isBase64Encoded: false,
  ...over,
});
const lambdaContext = {} as never;

describe("status-api handler", () => {
  it("reads API Gateway's payload 2.0: method, raw path, query string, base64 body", async () => {
    const response = await handler(
      event({
        rawQueryString: "limit=5&format=text",
        body: Buffer.from('{"dryRun":true,"reason":"from the query test"}').toString("base64"),
        isBase64Encoded: true,
      }),
      lambdaContext,
    );
    expect(response.statusCode).toBe(202);
    expect(response.headers?.["content-type"]).toBe("text/plain; charset=utf-8");
    expect(response.body).toContain("run run-fixed started (from the query test)");
    expect(started.pop()).toEqual({
      runId: "run-fixed",
      request: { dryRun: true, reason: "from the query test" },
    });
    const listed = await handler(
      event({
        rawPath: "/runs",
        rawQueryString: "limit=0",
        requestContext: { http: { method: "GET", path: "/runs" } },
      }),
      lambdaContext,
    );
    expect(listed.statusCode).toBe(400);
    expect(JSON.parse(listed.body).error.problems[0]).toMatchObject({ field: "limit", value: "0" });
  });

  it("starts a run named by the run id with the request as sent, answering 202", async () => {
    const body = Buffer.from('{"dryRun": true}').toString("base64");
    const response = await handler(event({ body, isBase64Encoded: true }), lambdaContext);
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body)).toEqual({
      runId: "run-fixed",
      status: "RUNNING",
      location: "/runs/run-fixed",
    });
    expect(started).toEqual([{ runId: "run-fixed", request: { dryRun: true } }]);
  });

  it("answers the contract's errors: invalid request, unknown route, unconfigured Slack", async () => {
    const invalid = await handler(event({ body: '{"image":{"kernel":"7"}}' }), lambdaContext);
    expect(invalid.statusCode).toBe(400);
    expect(JSON.parse(invalid.body).error.problems[0]).toMatchObject({ field: "image.kernel", value: "7" });
    const missing = await handler(
      event({ rawPath: "/admin", requestContext: { http: { method: "GET", path: "/admin" } } }),
      lambdaContext,
    );
    expect(missing.statusCode).toBe(404);
    const slack = await handler(
      event({
        rawPath: "/chat/slack",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "text=status",
      }),
      lambdaContext,
    );
    expect(slack.statusCode).toBe(401);
  });
});
