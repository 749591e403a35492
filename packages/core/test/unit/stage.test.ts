import { describe, expect, it } from "vitest";
import {
  amiWatchOf,
  defineStage,
  InvalidStageConfigError,
  managedTagValueOf,
  type StageConfigInput,
  stageSettingsOf,
} from "../../src/index";

const minimal: StageConfigInput = {
  region: "eu-west-1",
  schedule: { expression: "rate(6 hours)" },
  notifications: { topicName: "fleet-upgrade-test-runs" },
  slack: null,
};

function problemsOf(input: unknown): string[] {
  try {
    defineStage("test", input as StageConfigInput);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidStageConfigError);
    return (error as InvalidStageConfigError).problems.map((p) => p.field);
  }
  throw new Error("the stage was accepted");
}

describe("defineStage", () => {
  it("fills the defaults of a minimal stage", () => {
    const stage = defineStage("test", minimal);
    expect(stage.validatedFipsKernels).toEqual(["6.1"]);
    expect(stage.managedTagValue).toBe("true");
    expect(stage.schedule).toEqual({ expression: "rate(6 hours)", timezone: "UTC", startRuns: true });
    expect(stage.builder).toEqual({
      subnetId: null,
      instanceTypes: { x86_64: "t3.large", arm64: "t4g.large" },
      stigBucket: null,
    });
    expect(stage.fleetInstanceRoles).toEqual([]);
  });

  it("names every problem of the stage's own fields at once", () => {
    const fields = problemsOf({
      ...minimal,
      region: "Europe",
      schedule: { expression: "every day" },
      slack: { signingSecretParameter: "secret", allowedUsersParameter: "/ok/users" },
      builder: { subnetId: "vpc-1" },
    });
    expect(fields).toEqual([
      "region",
      "schedule.expression",
      "slack.signingSecretParameter",
      "builder.subnetId",
    ]);
  });

  it("refuses request defaults that would make every run invalid, naming the request field", () => {
    const fields = problemsOf({
      ...minimal,
      requestDefaults: { image: { kernel: "6.12" }, rollout: { checkpoints: [50, 20] } },
    });
    expect(fields).toEqual(["requestDefaults.image.kernel", "requestDefaults.rollout.checkpoints[1]"]);
  });

  it("accepts a FIPS track the stage itself lists as validated", () => {
    const stage = defineStage("test", {
      ...minimal,
      validatedFipsKernels: ["6.1", "6.12"],
      requestDefaults: { image: { kernel: "6.12" } },
    });
    expect(stageSettingsOf(stage).validatedFipsKernels).toEqual(["6.1", "6.12"]);
  });

  it("refuses defaults that target groups the IAM policies do not let it change", () => {
    expect(problemsOf({ ...minimal, managedTagValue: "prod" })).toEqual([
      "requestDefaults.targets.tags.fleet-upgrade:managed",
    ]);
    const stage = defineStage("test", {
      ...minimal,
      managedTagValue: "prod",
      requestDefaults: { targets: { tags: { "fleet-upgrade:managed": "prod" } } },
    });
    expect(managedTagValueOf(stageSettingsOf(stage))).toBe("prod");
  });
});

describe("amiWatchOf", () => {
  it("watches the kernel track and flavour runs default to, on both architectures", () => {
    const stage = defineStage("test", { ...minimal, requestDefaults: { image: { flavor: "minimal" } } });
    expect(amiWatchOf(stage)).toEqual({
      kernel: "6.1",
      flavor: "minimal",
      architectures: ["arm64", "x86_64"],
    });
  });

  it("follows the stage's own watch settings", () => {
    const stage = defineStage("test", {
      ...minimal,
      validatedFipsKernels: ["6.1", "6.18"],
      watch: { kernel: "6.18", architectures: ["arm64"] },
    });
    expect(amiWatchOf(stage)).toEqual({ kernel: "6.18", flavor: "standard", architectures: ["arm64"] });
  });
});

describe("managedTagValueOf", () => {
  it('is "true" for the default request', () => {
    expect(managedTagValueOf({})).toBe("true");
  });
});

describe("defineStage: patterns match the whole value", () => {
  const slack = {
    signingSecretParameter: "/fleet-upgrade/slack-signing-secret",
    allowedUsersParameter: "/fleet-upgrade/slack-allowed-users",
  };

  it.each([
    ["region", { region: "xeu-west-1" }],
    ["region", { region: "eu-west-1x" }],
    ["schedule.expression", { schedule: { expression: "every rate(6 hours)" } }],
    ["schedule.expression", { schedule: { expression: "rate(6 hours) please" } }],
    ["notifications.topicName", { notifications: { topicName: "runs topic" } }],
    [
      "slack.signingSecretParameter",
      { slack: { ...slack, signingSecretParameter: "x/fleet-upgrade/secret" } },
    ],
    ["slack.allowedUsersParameter", { slack: { ...slack, allowedUsersParameter: "/fleet-upgrade/users!" } }],
    ["builder.subnetId", { builder: { subnetId: "my-subnet-0abc" } }],
    ["builder.subnetId", { builder: { subnetId: "subnet-0abc " } }],
  ])("refuses %s with text around a valid value: %j", (field, over) => {
    expect(problemsOf({ ...minimal, ...over })).toEqual([field]);
  });

  it("accepts every kind of value the patterns allow", () => {
    const stage = defineStage("test", {
      ...minimal,
      region: "us-gov-west-1",
      schedule: { expression: "cron(0 6 * * ? *)" },
      notifications: { topicName: "Fleet_runs-1" },
      slack,
      builder: { subnetId: "subnet-0abc123" },
    });
    expect(stage).toMatchObject({ region: "us-gov-west-1", slack, builder: { subnetId: "subnet-0abc123" } });
  });
});
