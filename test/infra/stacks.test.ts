import { existsSync } from "node:fs";
import { AmiWatchSchema, parseRunRequest, stageSettingsOf } from "@fleet-upgrade/core";
import { type FunctionSettings, FunctionSettingsSchema } from "@fleet-upgrade/functions";
import { describe, expect, it } from "vitest";
import {
  environmentOf,
  FUNCTION_SPECS,
  functionName,
  functionSettingsOf,
  MAX_FUNCTION_TIMEOUT_SECONDS,
} from "../../infra/function-specs";
import { FUNCTION_KEYS } from "../../infra/iam";
import { loadStage } from "../../infra/stage";
import dev from "../../stacks/dev";
import prod from "../../stacks/prod";

describe("the stage files", () => {
  for (const [name, stage] of [
    ["dev", dev],
    ["prod", prod],
  ] as const) {
    it(`${name}: its request defaults make a valid run request that targets its managed tag`, () => {
      const parsed = parseRunRequest({}, stageSettingsOf(stage));
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
      expect(parsed.request.targets.tags["fleet-upgrade:managed"]).toBe(stage.managedTagValue);
      expect(
        parsed.request.hardening.fips && !stage.validatedFipsKernels.includes(parsed.request.image.kernel),
      ).toBe(false);
    });
  }

  it("prod asks for approval between waves and really upgrades; dev plans only", () => {
    const prodRequest = parseRunRequest({}, stageSettingsOf(prod));
    const devRequest = parseRunRequest({}, stageSettingsOf(dev));
    expect(prodRequest.ok && prodRequest.request.rollout.approval).toBe("between-waves");
    expect(prodRequest.ok && prodRequest.request.dryRun).toBe(false);
    expect(devRequest.ok && devRequest.request.dryRun).toBe(true);
  });

  it("loads a stage's own file, and dev's for a stage without one", async () => {
    expect((await loadStage("prod")).config).toEqual(prod);
    const personal = await loadStage("alice");
    expect(personal).toMatchObject({ stage: "alice", file: "dev" });
    expect(personal.config).toEqual(dev);
  });
});

describe("the functions", () => {
  it("each point at a handler file that exists", () => {
    for (const key of FUNCTION_KEYS) {
      const file = FUNCTION_SPECS[key].handler.replace(/\.handler$/, ".ts");
      expect(existsSync(new URL(`../../${file}`, import.meta.url)), `${key}: ${file}`).toBe(true);
    }
  });

  it("each give up before their Task state does, so Retry sees a Lambda error", () => {
    for (const key of FUNCTION_KEYS) {
      expect(FUNCTION_SPECS[key].timeoutSeconds, key).toBeLessThanOrEqual(MAX_FUNCTION_TIMEOUT_SECONDS);
      expect(FUNCTION_SPECS[key].memoryMb, key).toBeGreaterThanOrEqual(128);
    }
  });

  it("have names Lambda accepts, unique per stage", () => {
    const names = FUNCTION_KEYS.map((k) => functionName("fleet-upgrade", "production-eu", k));
    for (const name of names) expect(name).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(new Set(names).size).toBe(names.length);
  });

  it("receive settings the functions' own schema accepts, and the check its watch and machine", () => {
    const settings = functionSettingsOf("prod", prod, { instanceProfileName: "fleet-upgrade-prod-builder" });
    const parsed: FunctionSettings = FunctionSettingsSchema.parse(settings);
    expect(parsed.documents).toEqual({
      fips: "FleetUpgrade-EnableFips-prod",
      verify: "FleetUpgrade-Verify-prod",
    });
    const inputs = {
      region: "us-east-1",
      ledgerTable: "ledger",
      settings,
      notificationTopicArn: "arn:aws:sns:us-east-1:1:runs",
      stateMachineArn: "arn:aws:states:us-east-1:1:stateMachine:fleet-upgrade-prod",
      config: prod,
    };
    const check = environmentOf("newAmiCheck", inputs);
    expect(check.STATE_MACHINE_ARN).toBe(inputs.stateMachineArn);
    expect(AmiWatchSchema.parse(JSON.parse(check.AMI_WATCH ?? ""))).toEqual({
      kernel: "6.1",
      flavor: "standard",
      architectures: ["arm64", "x86_64"],
    });
    for (const key of FUNCTION_KEYS) {
      const env = environmentOf(key, inputs);
      expect(env.NOTIFICATION_TOPIC_ARN).toBe(inputs.notificationTopicArn);
      expect(JSON.parse(env.FUNCTION_SETTINGS ?? "")).toEqual(settings);
      expect(env).not.toHaveProperty("AWS_REGION");
    }
    expect(environmentOf("statusApi", inputs).SLACK_SIGNING_SECRET_PARAMETER).toBe(
      "/fleet-upgrade/prod/slack-signing-secret",
    );
  });
});
