import { describe, expect, it } from "vitest";
import { judgeReadiness, judgeRun, type PlanDescription } from "../../src/readiness";
import {
  JUDGE_CHUNK_MAX_GROUPS,
  judgeChunkCalls,
  judgeChunkSize,
  outsideUsers,
  ReadinessCursorSchema,
  takesNewVersions,
} from "../../src/readiness-pages";
import { planWaves } from "../../src/wave-planner";

const plan = (rings: string[]): PlanDescription => {
  const groups = [{ name: "web", instances: 2, tags: { "fleet-upgrade:ring": "canary" } }];
  const waves = [...rings.map((ring, i) => ({ name: `w${i}`, ring })), { name: "rest", percent: 100 }];
  return { waves, plan: planWaves(groups, waves), groups, allowEmptyFirstWave: false };
};

describe("readiness pages: how much one invocation takes", () => {
  it("fits a chunk and its groups' calls into what is left, at most one batch write of groups, none when nothing fits", () => {
    for (let remaining = 0; remaining <= 200; remaining++) {
      const size = judgeChunkSize(remaining);
      expect(size).toBeLessThanOrEqual(JUDGE_CHUNK_MAX_GROUPS);
      if (size > 0) expect(judgeChunkCalls(size)).toBeLessThanOrEqual(remaining);
      if (size < JUDGE_CHUNK_MAX_GROUPS) expect(judgeChunkCalls(size + 1)).toBeGreaterThan(remaining);
    }
    expect(judgeChunkSize(8)).toBe(0);
  });

  it("refuses a cursor that names no phase or a negative offset, naming the field", () => {
    expect(ReadinessCursorSchema.safeParse({ phase: "later" }).success).toBe(false);
    const bad = ReadinessCursorSchema.safeParse({
      phase: "judge",
      offset: -1,
      blocked: 0,
      warn: 0,
      missingRequestAlarms: [],
    });
    expect(bad.error?.issues[0]?.path).toEqual(["offset"]);
  });
});

describe("readiness pages: what a scan page keeps of the account", () => {
  it("keeps only the groups outside the run that launch from $Latest or $Default", () => {
    const user = (groupName: string, version: string, inRun: boolean) => ({
      groupName,
      launchTemplateId: "lt-1",
      launchTemplateName: "web-lt",
      version,
      inRun,
    });
    const kept = outsideUsers([
      user("in-run", "$Latest", true),
      user("pinned", "3", false),
      user("latest", "$Latest", false),
      user("default", "$Default", false),
    ]);
    expect(kept.map((u) => u.group)).toEqual(["latest", "default"]);
    expect(takesNewVersions({ versionSpec: "3", inRun: false })).toBe(false);
  });
});

describe("judgeRun: the run-level part of the preflight, as judgeReadiness gives it", () => {
  it("refuses a mistyped first ring and a missing request alarm, as the whole judgement does", () => {
    const p = plan(["canry"]);
    const run = judgeRun({ missingRequestAlarms: ["b-alarm", "a-alarm", "b-alarm"], plan: p });
    expect(run.readiness.map((r) => r.findings[0]?.code)).toEqual(["ALARM_MISSING", "WAVE_EMPTY"]);
    expect(run.readiness[0]?.findings[0]?.message).toContain("a-alarm, b-alarm");
    expect(run.refusal).toContain("wave w0 (ring canry)");
    const whole = judgeReadiness({
      groups: [],
      plan: p,
      context: { stage: "dev", stageFile: "stacks/dev.ts", fleetInstanceRoles: [], managedTagValue: "true" },
    });
    expect(judgeRun({ missingRequestAlarms: [], plan: p })).toEqual({
      readiness: whole.readiness,
      refusal: whole.refusal,
    });
  });
});
