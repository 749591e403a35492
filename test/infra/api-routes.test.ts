/**
 * The status API's one route table against what infra deploys and what the app answers: a route
 * missing from API Gateway, deployed with the wrong auth, or unknown to the app fails here.
 */
import {
  answerHttpApiEvent,
  createStatusApp,
  DEFAULT_SETTINGS,
  type FunctionDeps,
  handleStatusRequest,
  methodsOf,
  routeKey,
  STATUS_ROUTES,
  type StatusContext,
  silentLogger,
} from "@fleet-upgrade/functions";
import { describe, expect, it } from "vitest";
import { statusApiRoutes } from "../../infra/api-routes";

/** An empty account: no runs, no executions, Slack not configured. */
function emptyContext(): StatusContext {
  const ledger = { listRuns: async () => [], getRun: async () => undefined, listProgress: async () => [] };
  return {
    deps: {
      settings: DEFAULT_SETTINGS,
      logger: silentLogger,
      now: () => new Date(),
      ledger,
    } as unknown as FunctionDeps,
    starter: { start: async () => {}, describe: async () => undefined, stop: async () => {} },
    slack: { signingSecret: null, allowedUsers: [], unconfigured: "not configured" },
    newRunId: () => "run-probe",
  };
}

/** A concrete path of a table path: `{runId}` filled in. */
const concrete = (path: string) => path.replace(/\{[^}]+\}/g, "run-probe");

/** The app's own 404 for a path it has no route for (a known route may still answer 404 for a run). */
function noRoute(answer: { statusCode: number; body: string }): boolean {
  if (answer.statusCode !== 404) return false;
  return (JSON.parse(answer.body) as { error: { message: string } }).error.message.startsWith("no route");
}

describe("API Gateway's routes", () => {
  it("are exactly the route table's, one each", () => {
    const deployed = statusApiRoutes().map((route) => route.key);
    expect(deployed.sort()).toEqual(STATUS_ROUTES.map(routeKey).sort());
    expect(new Set(deployed).size).toBe(deployed.length);
  });

  it("sign every route with IAM (SigV4) but Slack's, which the app verifies itself (CONTRACTS section 5)", () => {
    const auth = Object.fromEntries(statusApiRoutes().map((route) => [route.key, route.args.auth]));
    for (const route of STATUS_ROUTES) {
      const key = routeKey(route);
      if (route.path === "/chat/slack") {
        expect(route.auth, key).toBe("slack-signature");
        expect(auth[key], key).toBe(false);
      } else {
        expect(route.auth, key).toBe("iam");
        expect(auth[key], key).toEqual({ iam: true });
      }
    }
  });
});

describe("the app", () => {
  it("registers exactly the table's routes", () => {
    const registered = createStatusApp(emptyContext())
      .routes.filter((route) => route.method !== "ALL")
      .map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, "{$1}")}`);
    expect([...new Set(registered)].sort()).toEqual(STATUS_ROUTES.map(routeKey).sort());
  });

  it("answers every route of the table, in process and behind API Gateway", async () => {
    const context = emptyContext();
    for (const route of STATUS_ROUTES) {
      const path = concrete(route.path);
      const request = { method: route.method, path, query: {}, headers: {}, body: null };
      const local = await handleStatusRequest(request, context);
      expect(noRoute(local), `${routeKey(route)} answered ${local.statusCode} ${local.body}`).toBe(false);
      expect(local.statusCode, routeKey(route)).toBeLessThan(500);
      const event = {
        rawPath: path,
        rawQueryString: "",
        headers: {},
        requestContext: { http: { method: route.method, path } },
      };
      const lambda = await answerHttpApiEvent(event, undefined, context);
      expect(noRoute(lambda), `${routeKey(route)} behind API Gateway: ${lambda.body}`).toBe(false);
      expect(lambda.statusCode, routeKey(route)).toBe(local.statusCode);
    }
  });

  it("refuses a method a path does not answer with 405 and the table's methods in Allow", async () => {
    const context = emptyContext();
    for (const path of new Set(STATUS_ROUTES.map((route) => route.path))) {
      const answer = await handleStatusRequest(
        { method: "DELETE", path: concrete(path), query: {}, headers: {}, body: null },
        context,
      );
      expect(answer.statusCode, path).toBe(405);
      expect(answer.headers.allow, path).toBe(methodsOf(path).join(", "));
    }
    expect(
      noRoute(
        await handleStatusRequest(
          { method: "GET", path: "/admin", query: {}, headers: {}, body: null },
          context,
        ),
      ),
    ).toBe(true);
  });
});
