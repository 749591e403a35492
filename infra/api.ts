import { STATUS_API_ROUTES } from "./function-specs";

/**
 * The status API shell (CONTRACTS section 5): IAM (SigV4) on every route but the Slack one, which
 * checks Slack's signature itself. All routes go to the status-api function.
 */
export function createStatusApi(args: { functionArn: $util.Input<string> }) {
  const api = new sst.aws.ApiGatewayV2("StatusApi", {
    accessLog: { retention: "1 month" },
  });
  for (const { route, iam } of STATUS_API_ROUTES) {
    api.route(route, args.functionArn, iam ? { auth: { iam: true } } : {});
  }
  return api;
}
