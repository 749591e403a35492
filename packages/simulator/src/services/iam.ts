import { createHash } from "node:crypto";
import type { GetInstanceProfileCommandInput } from "@aws-sdk/client-iam";
import { ServiceFault } from "../errors";
import { ACCOUNT_ID, type TemplateState } from "../world";
import type { ServiceContext, ServiceHandlers } from "./common";

/**
 * The instance profile a template's role is reached through. An instance profile holds one role and
 * need not share its name ("Use instance profiles",
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2_instance-profiles.html:
 * the console names the profile after the role, the CLI, CloudFormation and CDK need not). The
 * simulator names them apart so a reader that takes the profile's name for its role is caught.
 */
export function instanceProfileName(role: string): string {
  return `${role}-profile`;
}

export function instanceProfileArn(role: string): string {
  return `arn:aws:iam::${ACCOUNT_ID}:instance-profile/${instanceProfileName(role)}`;
}

/** A stable IAM unique id: its prefix (AIPA for an instance profile, AROA for a role), then 17 characters. */
function uniqueId(prefix: string, name: string): string {
  return prefix + createHash("sha256").update(name).digest("hex").slice(0, 17).toUpperCase();
}

/**
 * IAM, only what the product reads: GetInstanceProfile, answered from the roles the scenario's
 * launch templates carry (https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetInstanceProfile.html;
 * the answer's shape: https://docs.aws.amazon.com/IAM/latest/APIReference/API_InstanceProfile.html).
 */
export const iamHandlers: ServiceHandlers = {
  GetInstanceProfile(ctx: ServiceContext, raw: unknown) {
    const input = raw as GetInstanceProfileCommandInput;
    const template = [...ctx.world.templates.values()].find(
      (t: TemplateState) =>
        t.instanceProfileRole !== null &&
        instanceProfileName(t.instanceProfileRole) === input.InstanceProfileName,
    );
    const role = template?.instanceProfileRole;
    if (template === undefined || role === null || role === undefined) {
      // NoSuchEntity, HTTP 404; the SDK names its class NoSuchEntityException.
      throw new ServiceFault(
        "NoSuchEntityException",
        `Instance Profile ${input.InstanceProfileName} cannot be found.`,
        404,
      );
    }
    const created = new Date(template.createMs);
    return {
      InstanceProfile: {
        Path: "/",
        InstanceProfileName: instanceProfileName(role),
        InstanceProfileId: uniqueId("AIPA", instanceProfileName(role)),
        Arn: instanceProfileArn(role),
        CreateDate: created,
        Roles: [
          {
            Path: "/",
            RoleName: role,
            RoleId: uniqueId("AROA", role),
            Arn: `arn:aws:iam::${ACCOUNT_ID}:role/${role}`,
            CreateDate: created,
          },
        ],
      },
    };
  },
};
