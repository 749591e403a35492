/**
 * The least-privilege IAM policy `fleet-upgrade plan` (and `plan --scenario`) needs: read calls only,
 * built with the same builders as the functions' policies (infra/iam.ts). The plan keeps its ledger
 * on a local DynamoDB and starts nothing, so it needs no DynamoDB, Step Functions or SNS action.
 * `test/infra/plan-policy.test.ts` proves it allows every call a plan makes and no write action;
 * `npm run iam:plan-policy` writes it to docs/iam/plan-policy.json for a person to attach.
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  AL2023_PARAMETERS,
  type IamContext,
  type PolicyDocument,
  readInstanceProfilesStatement,
  readStatement,
  statement,
} from "./iam";

/**
 * Reads that AWS authorises only on `*` (no resource-level permissions for them in the Service
 * Authorization Reference): the inventory, the preflight, the target image and the export.
 */
export const PLAN_READS_ON_ANY_RESOURCE = [
  "autoscaling:DescribeAutoScalingGroups",
  "autoscaling:DescribeInstanceRefreshes",
  "cloudwatch:DescribeAlarms",
  "ec2:DescribeImages",
  "ec2:DescribeLaunchTemplates",
  "ec2:DescribeLaunchTemplateVersions",
  // The account's unreserved concurrency, against what the run's parallel groups need.
  "lambda:GetAccountSettings",
  "ssm:DescribeInstanceInformation",
  "ssm:GetInventory",
];

/** The region and account the policy names; `*` in the file, so one file serves every region. */
export type PlanPolicyContext = Pick<IamContext, "partition" | "region" | "accountId">;

export const PLAN_POLICY_CONTEXT: PlanPolicyContext = { partition: "aws", region: "*", accountId: "*" };

export function planPolicy(ctx: PlanPolicyContext = PLAN_POLICY_CONTEXT): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      readStatement(PLAN_READS_ON_ANY_RESOURCE),
      // The target image and `resolve:ssm:` launch templates: AWS's public AL2023 parameters only, so
      // no secret the account keeps in Parameter Store is readable with this policy.
      statement(
        "ReadAl2023Parameters",
        ["ssm:GetParameters"],
        [`arn:${ctx.partition}:ssm:${ctx.region}::parameter${AL2023_PARAMETERS}`],
      ),
      // ROLE_NOT_PASSABLE: the role each template's instance profile holds.
      readInstanceProfilesStatement(ctx),
    ],
  };
}

/** Where the file lives in the repository, and its text (what the test compares and the script writes). */
export const PLAN_POLICY_FILE = fileURLToPath(new URL("../docs/iam/plan-policy.json", import.meta.url));

export function planPolicyJson(): string {
  return `${JSON.stringify(planPolicy(), null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  writeFileSync(PLAN_POLICY_FILE, planPolicyJson());
  console.log("wrote docs/iam/plan-policy.json");
}
