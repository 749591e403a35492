/**
 * The status API's one route table (CONTRACTS section 5): the app routes by it (app.ts), infra builds
 * API Gateway's routes and their auth from it (infra/api-routes.ts), and tests hold docs/openapi.yaml
 * to it. Pure data with no imports, so infra can read it without loading a handler.
 *
 * Why Hono (with `hono/aws-lambda` and `@hono/node-server`) rather than middy's http-router: one app
 * answers both the Lambda (API Gateway payload 2.0) and `fleet-upgrade serve` (node:http) through
 * the web-standard Request and Response, so the local server answers exactly as the deployed one;
 * middy's router takes API Gateway events only, and `serve` would have had to fake them. Hono has no
 * dependencies and no install scripts, types its routes and params, and ships a body-size limit.
 */

/** Who may call a route: AWS IAM (SigV4, checked by API Gateway) or Slack's signature (checked by the app). */
export type RouteAuth = "iam" | "slack-signature";

/**
 * What a route reads from its body: nothing (a GET ignores it), JSON (anything else answers 415), or
 * Slack's signed slash-command form.
 */
export type RouteBody = "none" | "json" | "slack-form";

export interface StatusRoute {
  /** The route's name, as docs/openapi.yaml's `operationId`. */
  readonly id: string;
  readonly method: "GET" | "POST";
  /** OpenAPI and API Gateway notation: `{name}` is a path parameter. */
  readonly path: string;
  readonly auth: RouteAuth;
  readonly body: RouteBody;
}

export const STATUS_ROUTES = [
  { id: "getFleet", method: "GET", path: "/fleet", auth: "iam", body: "none" },
  { id: "listRuns", method: "GET", path: "/runs", auth: "iam", body: "none" },
  { id: "startRun", method: "POST", path: "/runs", auth: "iam", body: "json" },
  { id: "getRun", method: "GET", path: "/runs/{runId}", auth: "iam", body: "none" },
  { id: "approveRun", method: "POST", path: "/runs/{runId}/approve", auth: "iam", body: "json" },
  { id: "abortRun", method: "POST", path: "/runs/{runId}/abort", auth: "iam", body: "json" },
  { id: "slackCommand", method: "POST", path: "/chat/slack", auth: "slack-signature", body: "slack-form" },
] as const satisfies readonly StatusRoute[];

export type RouteId = (typeof STATUS_ROUTES)[number]["id"];

/** `GET /runs/{runId}`: API Gateway's route key, and how the docs name an operation. */
export function routeKey(route: Pick<StatusRoute, "method" | "path">): string {
  return `${route.method} ${route.path}`;
}

/** The methods a path answers, in the table's order (the `Allow` header of a 405). */
export function methodsOf(path: string): string[] {
  return STATUS_ROUTES.filter((route) => route.path === path).map((route) => route.method);
}
