/**
 * The status API (CONTRACTS section 5) behind API Gateway's HTTP API: payload format 2.0 in, the
 * app's answer out (lambda-entry.ts). IAM (SigV4) is checked by API Gateway on every route but
 * `/chat/slack`, whose Slack signature the app checks with the secret read from SSM Parameter Store.
 */
import { createAwsClients, SfnRunStarter, SsmSlackSettings } from "@fleet-upgrade/aws";
import type { LambdaContext } from "hono/aws-lambda";
import { depsFromEnvironment, type TaskLogger } from "../runtime/deps";
import { ENV, readEnvironment, StatusApiEnvironmentSchema } from "../runtime/environment";
import { entryPoint } from "../runtime/lambda";
import { AnswerCache } from "./answer-cache";
import type { StatusContext } from "./context";
import { answerHttpApiEvent, type HttpApiEvent } from "./lambda-entry";
import { type SlackSettings, slackSettingsFromEnv } from "./slack";

const NOT_CONFIGURED =
  "the Slack route is not configured for this deployment: the stage's slack settings name no signing secret";

/** Everything the app needs, from the environment, once per cold start. */
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

export function statusApiHandler(injected?: StatusContext) {
  return entryPoint<HttpApiEvent, Awaited<ReturnType<typeof answerHttpApiEvent>>, StatusContext>(
    {
      name: "statusApi",
      fromEnvironment: statusContextFromEnvironment,
      injected,
      loggerOf: (context) => context.deps.logger,
    },
    async (event, context, lambda) => answerHttpApiEvent(event ?? {}, lambda as LambdaContext, context),
  );
}

export const handler = statusApiHandler();
