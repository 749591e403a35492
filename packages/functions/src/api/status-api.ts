/**
 * The status API (CONTRACTS section 5) behind API Gateway's HTTP API: payload format 2.0 in, the
 * app's answer out (lambda-entry.ts). IAM (SigV4) is checked by API Gateway on every route but
 * `/chat/slack`, whose Slack signature the app checks with the secret read from SSM Parameter Store.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { createAwsClients, SfnRunStarter, SsmSlackSettings } from "@fleet-upgrade/aws";
import middy from "@middy/core";
import { z } from "zod";
import { depsFromEnvironment, type TaskLogger } from "../runtime/deps";
import { AnswerCache } from "./answer-cache";
import type { StatusContext } from "./context";
import { answerHttpApiEvent, type HttpApiEvent } from "./lambda-entry";
import { type SlackSettings, slackSettingsFromEnv } from "./slack";

const EnvironmentSchema = z.object({
  AWS_REGION: z.string().min(1),
  STATE_MACHINE_ARN: z.string().startsWith("arn:"),
  SLACK_SIGNING_SECRET_PARAMETER: z.string().startsWith("/").optional(),
  SLACK_ALLOWED_USERS_PARAMETER: z.string().startsWith("/").optional(),
});

const NOT_CONFIGURED =
  "the Slack route is not configured for this deployment: the stage's slack settings name no signing secret";

/** Everything the app needs, from the environment, once per cold start. */
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

let coldStart: StatusContext | undefined;

export function statusApiHandler(injected?: StatusContext) {
  return middy<HttpApiEvent, Awaited<ReturnType<typeof answerHttpApiEvent>>>().handler(
    async (event, lambda) => {
      if (!injected && !coldStart) {
        const powertools = new Logger({ serviceName: "fleet-upgrade" });
        coldStart = statusContextFromEnvironment(process.env, {
          info: (m, e) => powertools.info(m, e ?? {}),
          warn: (m, e) => powertools.warn(m, e ?? {}),
          error: (m, e) => powertools.error(m, e ?? {}),
        });
      }
      const context = injected ?? (coldStart as StatusContext);
      return answerHttpApiEvent(event ?? {}, lambda, context);
    },
  );
}

export const handler = statusApiHandler();
