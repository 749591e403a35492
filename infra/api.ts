import { statusApiRoutes } from "./api-routes";

/**
 * The status API shell (CONTRACTS section 5): the routes of the app's route table, IAM (SigV4) on
 * every route but the Slack one, which checks Slack's signature itself. All routes go to the
 * status-api function.
 */
export function createStatusApi(args: { functionArn: $util.Input<string> }) {
  const api = new sst.aws.ApiGatewayV2("StatusApi", {
    accessLog: { retention: "1 month" },
  });
  for (const route of statusApiRoutes()) {
    api.route(route.key, args.functionArn, route.args);
  }
  return api;
}
