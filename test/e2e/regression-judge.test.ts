import type { RunResult, Scenario } from "@fleet-upgrade/core";
import { SimulatedEnvironment } from "@fleet-upgrade/harness";
import { describe, expect, it } from "vitest";
import { exampleWith, groupSpec } from "./support";

/**
 * Issue 10 (regressions, not only alarms): the regression judge wired into the run, through the
 * simulator's per-instance series (no mocks). The bundled example's web-canary grows to 10
 * instances, so its first checkpoint (20%) has the 2 new instances `minInstances` asks for.
 */

async function simulate(scenario: Scenario): Promise<RunResult> {
  const env = await SimulatedEnvironment.start(scenario);
  try {
    return (await env.run()).result;
  } finally {
    await env.close();
  }
}

/** The example with a 10-instance web-canary whose new image shifts CPU by `shift` (none: no shift). */
const canaryShifted = (shift: number | null, seed?: number) =>
  exampleWith((s) => {
    if (seed !== undefined) s.seed = seed;
    const canary = groupSpec(s, "web-canary");
    Object.assign(canary, { desired: 10, min: 10, max: 12 });
    if (shift !== null) canary.onNewImage = { ...canary.onNewImage, metrics: { CPUUtilization: { shift } } };
  });

const verdicts = (result: RunResult) =>
  result.groups.flatMap((g) => (g.analysis ?? []).map((a) => `${g.name} ${a.at} ${a.verdict}`));

describe("the regression judge in a run", () => {
  it("rolls a canary whose new image runs 60% hotter back at its first checkpoint, naming CPUUtilization, and starts no later wave", async () => {
    const result = await simulate(canaryShifted(0.6));

    expect(result.status).toBe("ROLLED_BACK");
    const canary = result.groups.find((g) => g.name === "web-canary");
    expect(canary?.outcome).toBe("ROLLED_BACK");
    const fail = canary?.analysis?.find((a) => a.verdict === "FAIL");
    expect(fail).toMatchObject({
      at: "checkpoint 20%",
      metric: "AWS/EC2 CPUUtilization",
      baseline: { instances: 8 },
      canary: { instances: 2 },
    });
    expect(fail?.change).toBeGreaterThan(0.25);
    expect(fail?.pValue).toBeLessThanOrEqual(0.01);
    // The reason names the metric, both medians, the change and the p-value.
    expect(canary?.reason).toMatch(
      /AWS\/EC2 CPUUtilization regressed at checkpoint 20%: median [\d.]+ on 2 new instance\(s\) against [\d.]+ on 8 old \(\+\d+%, tolerance 25%, higher is worse\), p = [\d.e-]+/,
    );
    expect(result.reason).toContain("CPUUtilization");
    expect(result.waves.map((w) => w.status)).toEqual(["ROLLED_BACK", "NOT_STARTED", "NOT_STARTED"]);
    // GetMetricData is read per judgement, not per instance: one call for both sides over the same
    // window, two against the pre-upgrade figures (verify), far below 500 queries a call here.
    const judgements = result.groups.reduce((n, g) => n + (g.analysis ?? []).length, 0);
    expect(result.metrics.apiCalls["cloudwatch:GetMetricData"]).toBeLessThanOrEqual(2 * judgements);
  });

  it.each([1, 2, 3, 4, 5])(
    "lets a fleet without a shift succeed with no FAIL verdict (seed %i)",
    async (seed) => {
      const result = await simulate(canaryShifted(null, seed));

      expect(result.status).toBe("SUCCEEDED");
      expect(verdicts(result).filter((v) => v.endsWith("FAIL"))).toEqual([]);
      // Every group is judged: at its checkpoints and at verify (and in the bake when its wave bakes).
      for (const group of result.groups) {
        const at = new Set((group.analysis ?? []).map((a) => a.at));
        expect([...at], group.name).toEqual(expect.arrayContaining(["checkpoint 50%", "verify"]));
      }
    },
  );

  it("lets a shift inside the tolerance succeed (10% hotter, tolerance 25%)", async () => {
    const result = await simulate(canaryShifted(0.1));

    expect(result.status).toBe("SUCCEEDED");
    expect(verdicts(result).filter((v) => v.endsWith("FAIL"))).toEqual([]);
    expect(result.groups.find((g) => g.name === "web-canary")?.analysis?.length).toBeGreaterThan(0);
  });
});
