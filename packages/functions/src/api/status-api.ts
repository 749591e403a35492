/**
 * The status API (CONTRACTS section 5) behind API Gateway's HTTP API: payload format 2.0 in, the
 * router's answer out. IAM (SigV4) is checked by API Gateway on every route but `/chat/slack`, whose
 * Slack signature the router checks with the secret read from SSM Parameter Store.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { createAwsClients, SfnRunStarter, SsmSlackSettings } from "@fleet-upgrade/aws";
import middy from "@middy/core";
import { z } from "zod";
import { depsFromEnvironment, type TaskLogger } from "../runtime/deps";
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

const EnvironmentSchema = z.object({
  AWS_REGION: z.string().min(1),
  STATE_MACHINE_ARN: z.string().startsWith("arn:"),
  SLACK_SIGNING_SECRET_PARAMETER: z.string().startsWith("/").optional(),
  SLACK_ALLOWED_USERS_PARAMETER: z.string().startsWith("/").optional(),
});

const NOT_CONFIGURED =
  "the Slack route is not configured for this deployment: the stage's slack settings name no signing secret";

/** Everything the router needs, from the environment, once per cold start. */
export function statusContextFromEnvironment(env: NodeJS.ProcessEnv, logger: TaskLogger): StatusContext {
  const parsed = EnvironmentSchema.safeParse(env);
  if (!parsed.success) {
    const names = parsed.error.issues.map((i) => i.path.join(".")).join(", ");
    throw new Error(`the function's environment is incomplete: ${names} must be set`);
  }
  const clients = createAwsClients({ region: parsed.data.AWS_REGION });
  const { SLACK_SIGNING_SECRET_PARAMETER: secretName, SLACK_ALLOWED_USERS_PARAMETER: usersName } =
    parsed.data;
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
    starter: new SfnRunStarter(clients, parsed.data.STATE_MACHINE_ARN),
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

let coldStart: StatusContext | undefined;

export function statusApiHandler(injected?: StatusContext) {
  return middy<HttpApiEvent, StatusResponse>().handler(async (event) => {
    if (!injected && !coldStart) {
      const powertools = new Logger({ serviceName: "fleet-upgrade" });
      coldStart = statusContextFromEnvironment(process.env, {
        info: (m, e) => powertools.info(m, e ?? {}),
        warn: (m, e) => powertools.warn(m, e ?? {}),
        error: (m, e) => powertools.error(m, e ?? {}),
      });
    }
    const context = injected ?? (coldStart as StatusContext);
    return handleStatusRequest(toStatusRequest(event ?? {}), context);
  });
}

export const handler = statusApiHandler();
