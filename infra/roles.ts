/**
 * The IAM roles of the functions and of the image builder, from the pure policy builders in iam.ts.
 * Imports @pulumi/aws explicitly, so Pulumi's mocks can check what it declares.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  assumeRolePolicy,
  BUILDER_MANAGED_POLICIES,
  builderInstancePolicy,
  FUNCTION_KEYS,
  type FunctionKey,
  functionPolicy,
  type IamContext,
} from "./iam";

export interface FunctionRoles {
  roles: Record<FunctionKey, aws.iam.Role>;
  policies: Record<FunctionKey, aws.iam.RolePolicy>;
}

/** `FleetUpgradeValidate`: a Pulumi resource name from a function key. */
export function resourceName(key: string): string {
  return `FleetUpgrade${key.charAt(0).toUpperCase()}${key.slice(1)}`;
}

/** A role one AWS service assumes, from this account only. */
export function serviceRole(
  resourceName: string,
  description: string,
  service: string,
  accountId: pulumi.Input<string>,
): aws.iam.Role {
  return new aws.iam.Role(resourceName, {
    description,
    assumeRolePolicy: pulumi
      .output(accountId)
      .apply((account) => JSON.stringify(assumeRolePolicy(service, account))),
  });
}

/**
 * One role per function, assumable by Lambda only, with exactly the inline policy `functionPolicy`
 * builds and no managed policy (its log permissions are its own log group's).
 */
export function createFunctionRoles(context: pulumi.Input<IamContext>): FunctionRoles {
  const ctx = pulumi.output(context);
  const roles = {} as Record<FunctionKey, aws.iam.Role>;
  const policies = {} as Record<FunctionKey, aws.iam.RolePolicy>;
  for (const key of FUNCTION_KEYS) {
    const role = new aws.iam.Role(`${resourceName(key)}Role`, {
      description: `fleet-upgrade ${key} function`,
      assumeRolePolicy: JSON.stringify(assumeRolePolicy("lambda.amazonaws.com")),
    });
    roles[key] = role;
    policies[key] = new aws.iam.RolePolicy(`${resourceName(key)}Policy`, {
      role: role.id,
      policy: ctx.apply((c) => JSON.stringify(functionPolicy(key, c))),
    });
  }
  return { roles, policies };
}

export interface BuilderRole {
  role: aws.iam.Role;
  profile: aws.iam.InstanceProfile;
  policy: aws.iam.RolePolicy;
}

/** The image builder instance: SSM agent (managed policy) and the STIG bundle, nothing else. */
export function createBuilderRole(args: {
  partition: pulumi.Input<string>;
  stigBucket: string;
  name: string;
}): BuilderRole {
  const role = new aws.iam.Role("FleetUpgradeBuilderRole", {
    name: args.name,
    description: "fleet-upgrade image builder instance",
    assumeRolePolicy: JSON.stringify(assumeRolePolicy("ec2.amazonaws.com")),
    managedPolicyArns: [...BUILDER_MANAGED_POLICIES],
  });
  const policy = new aws.iam.RolePolicy("FleetUpgradeBuilderPolicy", {
    role: role.id,
    policy: pulumi
      .output(args.partition)
      .apply((partition) =>
        JSON.stringify(builderInstancePolicy({ partition, stigBucket: args.stigBucket })),
      ),
  });
  const profile = new aws.iam.InstanceProfile("FleetUpgradeBuilderProfile", {
    name: args.name,
    role: role.name,
  });
  return { role, profile, policy };
}
