/**
 * The status API (CONTRACTS section 5) behind API Gateway's HTTP API: payload format 2.0 in, the
 * app's answer out (lambda-entry.ts). IAM (SigV4) is checked by API Gateway on every route but
 * `/chat/slack`, whose Slack signature the app checks with the secret read from SSM Parameter Store.
 */
import { SFNClient } from "@aws-sdk/client-sfn";
import { SSMClient } from "@aws-sdk/client-ssm";
import { clientSettings, SfnRunStarter, SsmSlackSettings } from "@fleet-upgrade/aws";
import type { LambdaContext } from "hono/aws-lambda";
import { sfnTaskResumer } from "../runtime/adapters";
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
  const region = { region: parsed[ENV.region] };
  const secretName = parsed[ENV.slackSigningSecretParameter];
  const usersName = parsed[ENV.slackAllowedUsersParameter];
  let slack: StatusContext["slack"] = { ...slackSettingsFromEnv({}), unconfigured: NOT_CONFIGURED };
  if (secretName && usersName) {
    const ssm = new SsmSlackSettings(
      { ssm: new SSMClient(clientSettings(region, "ssm")) },
      {
        signingSecretParameter: secretName,
        allowedUsersParameter: usersName,
      },
    );
    slack = async (): Promise<SlackSettings> => ({ ...(await ssm.load()), unconfigured: NOT_CONFIGURED });
  }
  return {
    answers: new AnswerCache(),
    // The API resumes waits (approve, abort) besides reading the ledger: no other adapter.
    deps: depsFromEnvironment(env, logger, "statusApi", { resumer: sfnTaskResumer }),
    starter: new SfnRunStarter(
      { sfn: new SFNClient(clientSettings(region, "sfn")) },
      parsed[ENV.stateMachineArn],
    ),
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
