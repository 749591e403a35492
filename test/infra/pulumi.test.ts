/**
 * Pulumi's own mocks (no AWS, no engine): the modules that import @pulumi/aws declare exactly the
 * resources and policies the pure builders produce.
 */
import { readFileSync } from "node:fs";
import { buildDefinition, type FunctionArns, TASK_FUNCTIONS } from "@fleet-upgrade/workflow";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import {
  assumeRolePolicy,
  BUILDER_MANAGED_POLICIES,
  builderInstancePolicy,
  FUNCTION_KEYS,
  functionPolicy,
  slackSecretKeyPolicy,
  stateMachinePolicy,
} from "../../infra/iam";
import { testContext } from "./context";

interface Declared {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}
const declared: Declared[] = [];

beforeAll(() => {
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        declared.push({ type: args.type, name: args.name, inputs: args.inputs });
        const name = (args.inputs.name as string | undefined) ?? `${args.name}-physical`;
        return {
          id: `${args.name}-id`,
          state: {
            ...args.inputs,
            name,
            arn:
              (args.inputs.arn as string | undefined) ??
              `arn:aws:mock:eu-west-1:111122223333:${args.type}/${name}`,
          },
        };
      },
      call(args) {
        return args.inputs;
      },
    },
    "fleet-upgrade",
    "ci",
    false,
  );
});

function resolved<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => resolve(v)));
}

function only(type: string, name?: string): Declared {
  const found = declared.filter((d) => d.type === type && (name === undefined || d.name === name));
  expect(found, `${type} ${name ?? ""}`).toHaveLength(1);
  return found[0] as Declared;
}

const mockArns = Object.fromEntries(
  TASK_FUNCTIONS.map((k) => [k, `arn:aws:lambda:eu-west-1:111122223333:function:fleet-upgrade-ci-${k}`]),
) as FunctionArns;

describe("the deployed state machine", () => {
  it("is the builder's definition with the function ARNs substituted, STANDARD, logged and traced", async () => {
    const { createStateMachine } = await import("../../infra/state-machine");
    const arns = Object.fromEntries(TASK_FUNCTIONS.map((k) => [k, pulumi.output(mockArns[k])])) as Record<
      keyof FunctionArns,
      pulumi.Output<string>
    >;
    const machine = createStateMachine({
      name: "fleet-upgrade-ci",
      accountId: "111122223333",
      arn: "arn:aws:states:eu-west-1:111122223333:stateMachine:fleet-upgrade-ci",
      functionArns: arns,
      logRetentionDays: 30,
    });
    const definition = await resolved(machine.stateMachine.definition);
    expect(JSON.parse(definition)).toEqual(buildDefinition(mockArns));
    expect(definition).toBe(JSON.stringify(buildDefinition(mockArns)));
    expect(await resolved(machine.stateMachine.type)).toBe("STANDARD");
    expect(await resolved(machine.stateMachine.tracingConfiguration)).toEqual({ enabled: true });
    const logging = await resolved(machine.stateMachine.loggingConfiguration);
    expect(logging).toMatchObject({ level: "ERROR", includeExecutionData: false });
    expect(logging?.logDestination).toBe(`${await resolved(machine.logGroup.arn)}:*`);

    expect(JSON.parse(await resolved(machine.policy.policy))).toEqual(
      stateMachinePolicy(
        TASK_FUNCTIONS.map((k) => mockArns[k]),
        "arn:aws:states:eu-west-1:111122223333:stateMachine:fleet-upgrade-ci",
      ),
    );
    expect(JSON.parse(await resolved(machine.role.assumeRolePolicy))).toEqual(
      assumeRolePolicy("states.amazonaws.com", "111122223333"),
    );
    expect(await resolved(machine.stateMachine.roleArn)).toBe(await resolved(machine.role.arn));
  });
});

describe("the function and builder roles", () => {
  it("carry exactly the built policy each, assumable by Lambda only, with no managed policy", async () => {
    const { createFunctionRoles } = await import("../../infra/roles");
    const ctx = testContext();
    const { roles, policies } = createFunctionRoles(ctx);
    for (const key of FUNCTION_KEYS) {
      expect(JSON.parse(await resolved(policies[key].policy)), key).toEqual(functionPolicy(key, ctx));
      expect(await resolved(policies[key].role)).toBe(await resolved(roles[key].id));
      expect(JSON.parse(await resolved(roles[key].assumeRolePolicy))).toEqual(
        assumeRolePolicy("lambda.amazonaws.com"),
      );
      expect(await resolved(roles[key].managedPolicyArns)).toBeUndefined();
    }
    const rolePolicies = declared.filter(
      (d) => d.type === "aws:iam/rolePolicy:RolePolicy" && d.name !== "FleetUpgradeStateMachinePolicy",
    );
    expect(rolePolicies).toHaveLength(FUNCTION_KEYS.length);
  });

  it("gives the builder instance SSM core and the STIG bundle, through its instance profile", async () => {
    const { createBuilderRole } = await import("../../infra/roles");
    const builder = createBuilderRole({
      partition: "aws",
      stigBucket: "aws-windows-downloads-eu-west-1",
      name: "fleet-upgrade-ci-builder",
    });
    expect(await resolved(builder.role.managedPolicyArns)).toEqual([...BUILDER_MANAGED_POLICIES]);
    expect(JSON.parse(await resolved(builder.policy.policy))).toEqual(
      builderInstancePolicy({ partition: "aws", stigBucket: "aws-windows-downloads-eu-west-1" }),
    );
    expect(JSON.parse(await resolved(builder.role.assumeRolePolicy))).toEqual(
      assumeRolePolicy("ec2.amazonaws.com"),
    );
    expect(await resolved(builder.profile.role)).toBe("fleet-upgrade-ci-builder");
  });
});

describe("the triggers", () => {
  it("route instance-refresh events to the callback and subscribe the check to the release topic in us-east-1", async () => {
    const { createTriggers, INSTANCE_REFRESH_DETAIL_TYPES } = await import("../../infra/triggers");
    const triggers = createTriggers({
      name: "fleet-upgrade-ci",
      refreshEvents: { arn: "arn:aws:lambda:eu-west-1:1:function:events", name: "events" },
      newAmiCheck: { arn: "arn:aws:lambda:eu-west-1:1:function:check", name: "check" },
    });
    expect(JSON.parse(await resolved(triggers.rule.eventPattern as pulumi.Output<string>))).toEqual({
      source: ["aws.autoscaling"],
      "detail-type": [...INSTANCE_REFRESH_DETAIL_TYPES],
    });
    expect(INSTANCE_REFRESH_DETAIL_TYPES).toHaveLength(8);
    expect(await resolved(triggers.target.arn)).toBe("arn:aws:lambda:eu-west-1:1:function:events");
    expect(await resolved(triggers.rulePermission.principal)).toBe("events.amazonaws.com");
    expect(await resolved(triggers.subscription.topic)).toBe(
      "arn:aws:sns:us-east-1:137112412989:amazon-linux-2023-ami-updates",
    );
    expect(await resolved(triggers.subscription.endpoint)).toBe("arn:aws:lambda:eu-west-1:1:function:check");
    expect(await resolved(triggers.releasePermission.principal)).toBe("sns.amazonaws.com");
    expect(only("pulumi:providers:aws").inputs.region).toBe("us-east-1");
  });
});

describe("the SSM documents", () => {
  it("are Command documents in YAML with the repository's content", async () => {
    const { createDocuments } = await import("../../infra/documents");
    const docs = createDocuments({
      rootDir: new URL("../..", import.meta.url).pathname,
      names: { fips: "FleetUpgrade-EnableFips-ci", verify: "FleetUpgrade-Verify-ci" },
    });
    for (const [doc, file] of [
      [docs.fips, "fleet-upgrade-enable-fips.yaml"],
      [docs.verify, "fleet-upgrade-verify.yaml"],
    ] as const) {
      expect(await resolved(doc.documentType)).toBe("Command");
      expect(await resolved(doc.documentFormat)).toBe("YAML");
      expect(await resolved(doc.content)).toBe(
        readFileSync(new URL(`../../documents/${file}`, import.meta.url), "utf8"),
      );
    }
    expect(await resolved(docs.fips.name)).toBe("FleetUpgrade-EnableFips-ci");
  });
});

describe("the Slack signing secret", () => {
  it("is a SecureString under the stage's own KMS key, whose policy lets only the status API decrypt", async () => {
    const { createSlackSecret, SLACK_SECRET_PLACEHOLDER } = await import("../../infra/secrets");
    const statusApiRoleArn = "arn:aws:iam::111122223333:role/fleet-upgrade-ci-statusApi";
    const secret = createSlackSecret({
      prefix: "fleet-upgrade-ci",
      partition: "aws",
      region: "eu-west-1",
      accountId: "111122223333",
      statusApiRoleArn,
      signingSecretParameter: "/fleet-upgrade/ci/slack-signing-secret",
      protect: false,
    });
    expect(await resolved(secret.parameter.type)).toBe("SecureString");
    expect(await resolved(secret.parameter.keyId)).toBe(await resolved(secret.key.arn));
    expect(await resolved(secret.parameter.value)).toBe(SLACK_SECRET_PLACEHOLDER);
    expect(await resolved(secret.alias.name)).toBe("alias/fleet-upgrade-ci-slack");
    expect(await resolved(secret.key.enableKeyRotation)).toBe(true);
    const policy = JSON.parse(await resolved(secret.key.policy as pulumi.Output<string>));
    expect(policy).toEqual(
      slackSecretKeyPolicy({
        partition: "aws",
        region: "eu-west-1",
        accountId: "111122223333",
        statusApiRoleArn,
        signingSecretParameter: "/fleet-upgrade/ci/slack-signing-secret",
      }),
    );
    const decrypters = (policy.Statement as { Action: string[]; Principal: { AWS: string } }[])
      .filter((s) => s.Action.some((a) => a === "kms:Decrypt" || a === "kms:*"))
      .map((s) => s.Principal.AWS);
    expect(decrypters).toEqual([statusApiRoleArn]);
  });
});

describe("the reconcile path", () => {
  it("starts the reconcile machine when the run's machine ends FAILED, TIMED_OUT or ABORTED, with a role that may start only it", async () => {
    const { createReconcileTrigger, reconcileEventPattern } = await import("../../infra/triggers");
    const { reconcileRulePolicy, reconcileMachinePolicy } = await import("../../infra/iam");
    const { createReconcileStateMachine } = await import("../../infra/state-machine");
    const { buildReconcileDefinition } = await import("@fleet-upgrade/workflow");
    const machineArn = "arn:aws:states:eu-west-1:111122223333:stateMachine:fleet-upgrade-ci";
    const reconcileArn = "arn:aws:states:eu-west-1:111122223333:stateMachine:fleet-upgrade-ci-reconcile";
    const trigger = createReconcileTrigger({
      name: "fleet-upgrade-ci",
      accountId: "111122223333",
      stateMachineArn: machineArn,
      reconcileMachineArn: reconcileArn,
    });
    expect(JSON.parse(await resolved(trigger.rule.eventPattern as pulumi.Output<string>))).toEqual({
      source: ["aws.states"],
      "detail-type": ["Step Functions Execution Status Change"],
      detail: { status: ["FAILED", "TIMED_OUT", "ABORTED"], stateMachineArn: [machineArn] },
    });
    expect(reconcileEventPattern(machineArn).detail.stateMachineArn).toEqual([machineArn]);
    expect(await resolved(trigger.target.arn)).toBe(reconcileArn);
    expect(await resolved(trigger.target.roleArn)).toBe(await resolved(trigger.role.arn));
    expect(JSON.parse(await resolved(trigger.policy.policy))).toEqual(reconcileRulePolicy(reconcileArn));
    expect(reconcileRulePolicy(reconcileArn).Statement).toEqual([
      { Sid: "StartReconcile", Effect: "Allow", Action: ["states:StartExecution"], Resource: [reconcileArn] },
    ]);
    expect(JSON.parse(await resolved(trigger.role.assumeRolePolicy))).toEqual(
      assumeRolePolicy("events.amazonaws.com", "111122223333"),
    );

    const machine = createReconcileStateMachine({
      name: "fleet-upgrade-ci-reconcile",
      accountId: "111122223333",
      functionArns: mockArns,
      logRetentionDays: 30,
    });
    expect(JSON.parse(await resolved(machine.stateMachine.definition))).toEqual(
      buildReconcileDefinition(mockArns),
    );
    const policy = JSON.parse(await resolved(machine.policy.policy));
    expect(policy).toEqual(reconcileMachinePolicy(mockArns.reconcile));
    const invoke = reconcileMachinePolicy(mockArns.reconcile).Statement.filter((s) =>
      s.Action.includes("lambda:InvokeFunction"),
    );
    expect(invoke.flatMap((s) => s.Resource)).toEqual([mockArns.reconcile]);
  });
});
