/** The clients `fleet-upgrade plan` reads a simulated account through, for tests. */
import { LambdaClient } from "@aws-sdk/client-lambda";
import { SFNClient } from "@aws-sdk/client-sfn";
import type { PlanClients } from "@fleet-upgrade/cli";
import { answerCommands } from "@fleet-upgrade/harness";
import { SIMULATED_CREDENTIALS, type SimulatedAccount } from "@fleet-upgrade/simulator";

/**
 * The simulated account's clients, with Step Functions (never called by a plan) and Lambda answering
 * GetAccountSettings in process: the simulator has no Lambda. 1,000 unreserved executions is AWS's
 * default regional quota ("Lambda quotas", https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
 */
export function simulatedPlanClients(
  account: SimulatedAccount,
  options: { unreservedConcurrency?: number; calls?: Record<string, number> } = {},
): PlanClients {
  const config = { region: account.region, credentials: SIMULATED_CREDENTIALS };
  const lambda = answerCommands(new LambdaClient(config), "lambda", options.calls ?? {}, (operation) => {
    if (operation !== "GetAccountSettings") throw new Error(`plan does not call lambda:${operation}`);
    const unreserved = options.unreservedConcurrency ?? 1000;
    return { AccountLimit: { ConcurrentExecutions: unreserved, UnreservedConcurrentExecutions: unreserved } };
  });
  return { ...account.createClients(), sfn: new SFNClient(config), lambda };
}
