import { describe, expect, it } from "vitest";
import { functionName } from "../../infra/function-specs";
import { FUNCTION_KEYS } from "../../infra/iam";
import { InvalidStageNameError, stageNames, stagePrefix } from "../../infra/names";
import { loadStage } from "../../infra/stage";

const APP = "fleet-upgrade";
const LONG_STAGE = "feature-readiness-preflight-for-alice-42"; // 40 characters
const LONGEST_REGION = "ap-southeast-2";

function everyName(
  stage: string,
  region: string,
  topicName = "unused",
): Record<string, { name: string; max: number }> {
  const n = stageNames({ app: APP, stage, stageFile: "dev", region, topicName });
  const names: Record<string, { name: string; max: number }> = {
    stateMachine: { name: n.stateMachine, max: 80 },
    reconcileMachine: { name: `${n.prefix}-reconcile`, max: 80 },
    refreshEventsRule: { name: n.refreshEventsRule, max: 64 },
    reconcileRule: { name: `${n.prefix}-reconcile`, max: 64 },
    builderRole: { name: n.builderRole, max: 64 },
    builderInstanceProfile: { name: n.builderInstanceProfile, max: 64 },
    topic: { name: n.topic, max: 256 },
  };
  for (const key of FUNCTION_KEYS)
    names[`function:${key}`] = { name: functionName(APP, stage, key), max: 64 };
  return names;
}

describe("physical names", () => {
  it("a 40-character stage: every name fits its AWS limit, in the longest region", () => {
    expect(LONG_STAGE).toHaveLength(40);
    for (const [what, { name, max }] of Object.entries(everyName(LONG_STAGE, LONGEST_REGION))) {
      expect(name.length, `${what}: ${name}`).toBeLessThanOrEqual(max);
      expect(name, what).toMatch(/^[A-Za-z0-9_-]+$/);
    }
  });

  it("one stage in two regions: the global IAM names differ, so neither deploy takes the other's", () => {
    const east = stageNames({
      app: APP,
      stage: LONG_STAGE,
      stageFile: "dev",
      region: "us-east-1",
      topicName: "x",
    });
    const west = stageNames({
      app: APP,
      stage: LONG_STAGE,
      stageFile: "dev",
      region: "eu-west-1",
      topicName: "x",
    });
    expect(east.builderRole).not.toBe(west.builderRole);
    expect(east.builderInstanceProfile).not.toBe(west.builderInstanceProfile);
  });

  it("two long stages that share their first characters still get different names", () => {
    const a = `${LONG_STAGE.slice(0, 39)}a`;
    const b = `${LONG_STAGE.slice(0, 39)}b`;
    expect(stagePrefix(APP, a)).not.toBe(stagePrefix(APP, b));
    const namesA = Object.values(everyName(a, "us-east-1")).map((n) => n.name);
    const namesB = new Set(Object.values(everyName(b, "us-east-1")).map((n) => n.name));
    for (const name of namesA) expect(namesB.has(name), name).toBe(false);
  });

  it("short stages keep their readable names", () => {
    expect(stagePrefix(APP, "prod")).toBe("fleet-upgrade-prod");
    expect(functionName(APP, "prod", "finish")).toBe("fleet-upgrade-prod-finish");
  });

  it("a stage name AWS names cannot carry is refused, naming it", () => {
    expect(() => stagePrefix(APP, "alice_test")).toThrow(InvalidStageNameError);
    expect(() => stagePrefix(APP, "alice_test")).toThrow(/"alice_test"/);
  });

  it("a personal stage on dev's file gets its own topic, never dev's", async () => {
    const dev = await loadStage("dev");
    const alice = await loadStage("alice");
    const devNames = stageNames({
      app: APP,
      stage: "dev",
      stageFile: dev.file,
      region: dev.config.region,
      topicName: dev.config.notifications.topicName,
    });
    const aliceNames = stageNames({
      app: APP,
      stage: "alice",
      stageFile: alice.file,
      region: alice.config.region,
      topicName: alice.config.notifications.topicName,
    });
    expect(devNames.topic).toBe(dev.config.notifications.topicName);
    expect(aliceNames.topic).toBe("fleet-upgrade-alice-runs");
    const devAll = new Set(Object.values(everyName("dev", dev.config.region)).map((n) => n.name));
    for (const { name } of Object.values(everyName("alice", alice.config.region))) {
      expect(devAll.has(name), name).toBe(false);
    }
  });
});
