import { FUNCTION_KEYS, type FunctionKey, type IamContext } from "../../infra/iam";

/** An IAM context with recognisable fake ARNs, as infra would build it for stage "ci". */
export function testContext(overrides: Partial<IamContext> = {}): IamContext {
  return {
    partition: "aws",
    region: "eu-west-1",
    accountId: "111122223333",
    managedTagValue: "true",
    ledgerTableArn: "arn:aws:dynamodb:eu-west-1:111122223333:table/fleet-upgrade-ci-Ledger",
    ledgerIndexName: "byRecent",
    stateMachineArn: "arn:aws:states:eu-west-1:111122223333:stateMachine:fleet-upgrade-ci",
    notificationTopicArn: "arn:aws:sns:eu-west-1:111122223333:fleet-upgrade-ci-runs",
    builderRoleArn: "arn:aws:iam::111122223333:role/fleet-upgrade-ci-builder",
    fleetInstanceRoleArns: ["arn:aws:iam::111122223333:role/web-instance"],
    documentNames: { fips: "FleetUpgrade-EnableFips-ci", verify: "FleetUpgrade-Verify-ci" },
    stigBucket: "aws-windows-downloads-eu-west-1",
    slackParameters: ["/fleet-upgrade/ci/slack-signing-secret", "/fleet-upgrade/ci/slack-allowed-users"],
    functionNames: Object.fromEntries(FUNCTION_KEYS.map((k) => [k, `fleet-upgrade-ci-${k}`])) as Record<
      FunctionKey,
      string
    >,
    ...overrides,
  };
}
