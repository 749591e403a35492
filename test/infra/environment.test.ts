import { environmentSchemaOf, readEnvironment } from "@fleet-upgrade/functions/environment";
import { FUNCTION_KEYS } from "@fleet-upgrade/workflow";
import { describe, expect, it } from "vitest";
import { environmentOf, functionSettingsOf } from "../../infra/function-specs";
import prod from "../../stacks/prod";

const settings = functionSettingsOf("prod", prod, { instanceProfileName: "fleet-upgrade-prod-builder" });
const inputs = {
  region: "us-east-1",
  ledgerTable: "ledger",
  settings,
  notificationTopicArn: "arn:aws:sns:us-east-1:1:runs",
  stateMachineArn: "arn:aws:states:us-east-1:1:stateMachine:fleet-upgrade-prod",
  config: prod,
};

describe("the environment contract", () => {
  it("infra gives every function an environment its own schema accepts at cold start", () => {
    for (const key of FUNCTION_KEYS) {
      // Lambda sets AWS_REGION itself.
      const env = { ...environmentOf(key, inputs), AWS_REGION: "us-east-1" };
      expect(() => readEnvironment(environmentSchemaOf(key), env), key).not.toThrow();
    }
  });

  it("a function whose environment lacks its extras fails naming each missing variable", () => {
    const shared = { ...environmentOf("validate", inputs), AWS_REGION: "us-east-1" };
    expect(() => readEnvironment(environmentSchemaOf("newAmiCheck"), shared)).toThrow(
      expect.objectContaining({
        name: "EnvironmentIncompleteError",
        variables: ["STATE_MACHINE_ARN", "AMI_WATCH"],
      }),
    );
  });

  it("a malformed image watch is refused by name, not by a JSON syntax error", () => {
    const env = { ...environmentOf("newAmiCheck", inputs), AWS_REGION: "us-east-1", AMI_WATCH: "{not json" };
    expect(() => readEnvironment(environmentSchemaOf("newAmiCheck"), env)).toThrow(
      expect.objectContaining({ name: "EnvironmentIncompleteError", variables: ["AMI_WATCH"] }),
    );
  });
});
