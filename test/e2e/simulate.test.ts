import { RunResultSchema, type Scenario } from "@fleet-upgrade/core";
import { type SimulationOutcome, simulate } from "@fleet-upgrade/harness";
import { loadScenario } from "@fleet-upgrade/simulator";
import { beforeAll, describe, expect, it } from "vitest";
import { MUTATING_OPERATIONS, runCli } from "./support";

/** CONTRACTS section 3, written out independently of the core implementation. */
function expectedLowerBound(scenario: Scenario, waves: string[][]): number {
  const rollout = { checkpoints: [20, 50], delay: 600, min: 90, max: 110, parallel: 10, bake: 900 };
  const groupBound = (name: string) => {
    const g = scenario.groups.find((x) => x.name === name);
    if (!g) throw new Error(name);
    const n = g.desired;
    const ends = [...rollout.checkpoints.map((c) => Math.min(n, Math.ceil((n * c) / 100))), n];
    const batch = Math.max(1, Math.floor((n * (rollout.max - rollout.min)) / 100));
    let seconds = 0;
    let done = 0;
    ends.forEach((end, i) => {
      const size = end - done;
      if (size <= 0) return;
      seconds += Math.ceil(size / batch) * (g.launchSeconds + g.warmupSeconds);
      if (i < rollout.checkpoints.length) seconds += rollout.delay;
      done = end;
    });
    return seconds;
  };
  let total = 90 + 600 + 60 + 60 + 300;
  const nonEmpty = waves.filter((w) => w.length > 0);
  for (const wave of nonEmpty) {
    const bounds = wave.map(groupBound);
    total += Math.max(Math.max(...bounds), bounds.reduce((a, b) => a + b, 0) / rollout.parallel);
  }
  return total + (nonEmpty.length - 1) * rollout.bake;
}

describe("simulate the bundled example fleet", () => {
  const scenario = loadScenario();
  let run: SimulationOutcome;
  beforeAll(async () => {
    run = await simulate(scenario);
  });

  it("upgrades every group to the hardened image of its architecture", () => {
    const { result } = run;
    expect(result.status).toBe("SUCCEEDED");
    expect(RunResultSchema.safeParse(result).success).toBe(true);
    expect(result.target.kernel).toBe("6.1");
    expect(result.target.kernelVersion).toMatch(/^6\.1\./);
    expect(result.target.images.map((i) => i.architecture).sort()).toEqual(["arm64", "x86_64"]);
    for (const image of result.target.images) {
      expect(image.imageId).not.toBe(image.sourceImageId);
      const baked = run.account.image(image.imageId);
      expect(baked).toMatchObject({ state: "available", fips: true, stig: "high" });
    }
    for (const group of result.groups) {
      const spec = scenario.groups.find((g) => g.name === group.name);
      const architecture = scenario.images.find(
        (i) => i.imageId === spec?.launchTemplate.imageId,
      )?.architecture;
      const target = result.target.images.find((i) => i.architecture === architecture);
      expect(group.outcome, group.name).toBe("UPGRADED");
      expect(group.toImageId).toBe(target?.imageId);
      expect(run.account.group(group.name)?.instances.every((i) => i.imageId === target?.imageId)).toBe(true);
    }
  });

  it("creates a new numbered launch template version per group and starts exactly one refresh per group", () => {
    for (const group of run.result.groups) {
      expect(group.launchTemplateVersion.to).toBeGreaterThan(group.launchTemplateVersion.from);
      expect(group.instanceRefreshIds).toHaveLength(1);
      expect(run.account.group(group.name)?.refreshes).toHaveLength(1);
      expect(run.account.group(group.name)?.launchTemplateVersion).toBe(
        String(group.launchTemplateVersion.to),
      );
    }
    expect(run.result.metrics.apiCalls["autoscaling:StartInstanceRefresh"]).toBe(scenario.groups.length);
  });

  it("never lets a group drop below its minimum healthy percentage", () => {
    for (const group of run.result.groups) {
      expect(group.minHealthyPercentObserved, group.name).toBeGreaterThanOrEqual(90);
      expect(run.account.group(group.name)?.minHealthyPercentSeen, group.name).toBeGreaterThanOrEqual(90);
    }
  });

  it("counts standalone instances in the inventory", () => {
    const inGroups = scenario.groups.reduce((sum, g) => sum + g.desired, 0);
    expect(run.result.inventory).toEqual({
      groups: scenario.groups.length,
      instances: inGroups + scenario.standalone,
      byPlatform: { "Amazon Linux 2": inGroups + scenario.standalone },
      // Every group of the example is targeted (CONTRACTS.md section 2, inventory.untargeted).
      untargeted: [],
    });
  });

  it("reports the lower bound exactly as CONTRACTS section 3 defines it, and stays close to it", () => {
    const waves = run.result.waves.map((w) => w.groups);
    expect(waves).toEqual([
      ["api-canary", "web-canary"],
      ["api", "web"],
      ["batch", "workers"],
    ]);
    const { virtualSeconds, lowerBoundSeconds } = run.result.metrics;
    expect(lowerBoundSeconds).toBe(expectedLowerBound(scenario, waves));
    expect(virtualSeconds).toBeGreaterThanOrEqual(lowerBoundSeconds ?? 0);
    expect(virtualSeconds).toBeLessThanOrEqual((lowerBoundSeconds ?? 0) * 1.02);
  });

  it("gives a byte-identical result for the same scenario and seed", async () => {
    const again = await simulate(scenario);
    expect(JSON.stringify(again.result)).toBe(JSON.stringify(run.result));
  });
});

describe("a dry run", () => {
  it("inventories, targets and plans, changes nothing and ends PLANNED", async () => {
    const scenario = loadScenario();
    const { result } = await simulate(scenario, { request: { ...scenario.request, dryRun: true } });
    expect(result.status).toBe("PLANNED");
    expect(result.waves.map((w) => [w.name, w.groups.length])).toEqual([
      ["canary", 2],
      ["early", 2],
      ["rest", 2],
    ]);
    expect(result.groups.every((g) => g.outcome === "NOT_STARTED" && g.instanceRefreshIds.length === 0)).toBe(
      true,
    );
    expect(result.target.images).toHaveLength(2);
    const called = Object.keys(result.metrics.apiCalls);
    expect(called.filter((op) => MUTATING_OPERATIONS.includes(op))).toEqual([]);
    expect(called).toContain("ssm:GetInventory");
  });
});

describe("the simulate command", () => {
  it("prints only the run result on stdout with --json and exits 0", async () => {
    const { code, stdout } = await runCli(["simulate", "--json"]);
    expect(code).toBe(0);
    expect(RunResultSchema.parse(JSON.parse(stdout)).status).toBe("SUCCEEDED");
  });

  it("exits 0 for a dry run, PLANNED", async () => {
    const { code, stdout } = await runCli(["simulate", "--json", "--request", '{"dryRun": true}']);
    // --request replaces the scenario's request: the default waves apply.
    expect(code).toBe(0);
    expect(JSON.parse(stdout).status).toBe("PLANNED");
  });
});

describe("the simulate command's report", () => {
  it("writes an HTML report of the run with --report", async () => {
    const { mkdtempSync, readFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const path = join(mkdtempSync(join(tmpdir(), "fleet-upgrade-")), "run.html");
    const { code, stdout } = await runCli([
      "simulate",
      "--json",
      "--report",
      path,
      "--request",
      '{"dryRun": true}',
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).status).toBe("PLANNED");
    const html = readFileSync(path, "utf8");
    expect(html).toContain("<title>fleet-upgrade run");
    expect(html).toContain("planning waves");
  });

  it("refuses a report name that is not .html, before running", async () => {
    const { code, stderr } = await runCli(["simulate", "--report", "run.pdf"]);
    expect(code).toBe(2);
    expect(stderr).toContain("--report");
    expect(stderr).toContain("run.pdf");
  });
});
