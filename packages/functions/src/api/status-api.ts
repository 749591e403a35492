/**
 * The status API (CONTRACTS section 5) behind API Gateway's HTTP API: payload format 2.0 in, the
 * router's answer out. IAM (SigV4) is checked by API Gateway on every route but `/chat/slack`, whose
 * Slack signature the router checks with the secret read from SSM Parameter Store.
 */
import { createAwsClients, SfnRunStarter, SsmSlackSettings } from "@fleet-upgrade/aws";
import { depsFromEnvironment, type TaskLogger } from "../runtime/deps";
import { ENV, readEnvironment, StatusApiEnvironmentSchema } from "../runtime/environment";
import { entryPoint } from "../runtime/lambda";
import { MAX_BODY_BYTES, type StatusResponse } from "./http";
import { AnswerCache, handleStatusRequest, type StatusContext } from "./router";
import { type SlackSettings, slackSettingsFromEnv } from "./slack";

/** The parts of an API Gateway HTTP API (payload 2.0) event the router needs. */
export interface HttpApiEvent {
  rawPath?: string;
  rawQueryString?: string;
  headers?: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
  requestContext?: { http?: { method?: string; path?: string } };
}

const NOT_CONFIGURED =
  "the Slack route is not configured for this deployment: the stage's slack settings name no signing secret";

/** Everything the router needs, from the environment, once per cold start. */
export function statusContextFromEnvironment(env: NodeJS.ProcessEnv, logger: TaskLogger): StatusContext {
  const parsed = readEnvironment(StatusApiEnvironmentSchema, env);
  const clients = createAwsClients({ region: parsed[ENV.region] });
  const secretName = parsed[ENV.slackSigningSecretParameter];
  const usersName = parsed[ENV.slackAllowedUsersParameter];
  let slack: StatusContext["slack"] = { ...slackSettingsFromEnv({}), unconfigured: NOT_CONFIGURED };
  if (secretName && usersName) {
    const ssm = new SsmSlackSettings(clients, {
      signingSecretParameter: secretName,
      allowedUsersParameter: usersName,
    });
    slack = async (): Promise<SlackSettings> => ({ ...(await ssm.load()), unconfigured: NOT_CONFIGURED });
  }
  return {
    answers: new AnswerCache(),
    deps: depsFromEnvironment(env, logger),
    starter: new SfnRunStarter(clients, parsed[ENV.stateMachineArn]),
    slack,
  };
}

/** The event as the router's request: query from the raw string, the body decoded from base64. */
export function toStatusRequest(event: HttpApiEvent) {
  const query: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(event.rawQueryString ?? "")) query[key] = value;
  const raw = event.body ?? null;
  // The size as sent, counted before decoding: base64 carries 3 bytes in 4 characters.
  const bodyBytes =
    raw === null
      ? 0
      : event.isBase64Encoded
        ? Math.floor((raw.length * 3) / 4) - (raw.endsWith("==") ? 2 : raw.endsWith("=") ? 1 : 0)
        : Buffer.byteLength(raw, "utf8");
  const decode = raw !== null && bodyBytes <= MAX_BODY_BYTES;
  return {
    method: event.requestContext?.http?.method ?? "GET",
    path: event.rawPath ?? event.requestContext?.http?.path ?? "/",
    query,
    headers: event.headers ?? {},
    body: !decode ? null : event.isBase64Encoded ? Buffer.from(raw, "base64").toString("utf8") : raw,
    bodyBytes,
  };
}

export function statusApiHandler(injected?: StatusContext) {
  return entryPoint<HttpApiEvent, StatusResponse, StatusContext>(
    {
      name: "statusApi",
      fromEnvironment: statusContextFromEnvironment,
      injected,
      loggerOf: (context) => context.deps.logger,
    },
    async (event, context) => handleStatusRequest(toStatusRequest(event ?? {}), context),
  );
}

export const handler = statusApiHandler();
