/**
 * API Gateway's routes of the status API, built from the app's one route table (pure: infra/api.ts
 * deploys it, test/infra/api-routes.test.ts checks it against the table and the app).
 */
import { type RouteAuth, routeKey, STATUS_ROUTES } from "@fleet-upgrade/functions/routes";

/** SST's route `auth`: SigV4 checked by API Gateway (AWS_IAM), or none (the app checks Slack's signature). */
export type GatewayAuth = { iam: true } | false;

const GATEWAY_AUTH: Record<RouteAuth, GatewayAuth> = {
  iam: { iam: true },
  "slack-signature": false,
};

export interface GatewayRoute {
  /** API Gateway's route key: `POST /runs/{runId}/abort`. */
  key: string;
  args: { auth: GatewayAuth };
}

/** One API Gateway route per route of the table, with the auth its kind asks for. */
export function statusApiRoutes(): GatewayRoute[] {
  return STATUS_ROUTES.map((route) => ({ key: routeKey(route), args: { auth: GATEWAY_AUTH[route.auth] } }));
}
