/**
 * The Slack signing secret: a SecureString parameter encrypted with the stage's own KMS key, whose
 * key policy lets only the status API decrypt it (see `slackSecretKeyPolicy`). Without it the secret
 * would sit under the account's default `aws/ssm` key, which every role with `ssm:GetParameter`
 * (AmazonSSMManagedInstanceCore on every fleet instance grants it on `*`) can decrypt.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { slackSecretKeyPolicy } from "./iam";

/** The parameter's value until an operator writes the real secret (it matches no Slack signature). */
export const SLACK_SECRET_PLACEHOLDER = "unset: write the Slack app's signing secret here";

export function createSlackSecret(args: {
  /** `fleet-upgrade-<stage>`: names the alias. */
  prefix: string;
  partition: pulumi.Input<string>;
  region: string;
  accountId: pulumi.Input<string>;
  statusApiRoleArn: pulumi.Input<string>;
  signingSecretParameter: string;
  protect: boolean;
}) {
  const key = new aws.kms.Key(
    "FleetUpgradeSlackSecretKey",
    {
      description: `${args.prefix}: the Slack signing secret (only the status API decrypts)`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: pulumi
        .all([args.partition, args.accountId, args.statusApiRoleArn])
        .apply(([partition, accountId, statusApiRoleArn]) =>
          JSON.stringify(
            slackSecretKeyPolicy({
              partition,
              region: args.region,
              accountId,
              statusApiRoleArn,
              signingSecretParameter: args.signingSecretParameter,
            }),
          ),
        ),
    },
    { protect: args.protect },
  );
  const alias = new aws.kms.Alias("FleetUpgradeSlackSecretKeyAlias", {
    name: `alias/${args.prefix}-slack`,
    targetKeyId: key.keyId,
  });
  // The operator writes the real value (README); the stack never overwrites it.
  const parameter = new aws.ssm.Parameter(
    "FleetUpgradeSlackSigningSecret",
    {
      name: args.signingSecretParameter,
      type: "SecureString",
      keyId: key.arn,
      value: SLACK_SECRET_PLACEHOLDER,
      description: `${args.prefix}: the Slack app's signing secret, encrypted with ${args.prefix}'s own key`,
    },
    { ignoreChanges: ["value"], protect: args.protect },
  );
  return { key, alias, parameter };
}
