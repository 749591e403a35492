import { AL2_IMAGE } from "@fleet-upgrade/harness/scenario-fixtures";
import { describe, expect, it } from "vitest";
import { parseScenarioObject } from "../../src/scenario";

function withGroup(extra: Record<string, unknown>) {
  return parseScenarioObject({
    name: "metrics",
    images: [AL2_IMAGE],
    groups: [
      {
        name: "web",
        desired: 2,
        launchTemplate: { name: "web-lt", version: 1, imageId: "ami-al2" },
        ...extra,
      },
    ],
  });
}

describe("scenario group metrics and onNewImage.metrics (CONTRACTS section 3)", () => {
  it("takes the contract's example: CPU 30 / 0.15, new image 30% hotter", () => {
    const result = withGroup({
      metrics: { CPUUtilization: { mean: 30, cv: 0.15 }, mem_used_percent: { mean: 55, cv: 0.05 } },
      onNewImage: { metrics: { CPUUtilization: { shift: 0.3 } } },
    });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.scenario.groups[0]?.metrics).toEqual({
      CPUUtilization: { mean: 30, cv: 0.15 },
      mem_used_percent: { mean: 55, cv: 0.05 },
    });
    expect(result.scenario.groups[0]?.onNewImage.metrics).toEqual({ CPUUtilization: { shift: 0.3 } });
  });

  it("names every bad field: a negative mean, a cv above 5, a shift below -1, an unknown key", () => {
    const result = withGroup({
      metrics: { CPUUtilization: { mean: -1, cv: 6 } },
      onNewImage: { metrics: { CPUUtilization: { shift: -2, scale: 2 } } },
    });
    if (result.ok) throw new Error("expected problems");
    expect(result.problems.map((p) => [p.field, p.value, p.expected])).toEqual(
      expect.arrayContaining([
        ["groups[0].metrics.CPUUtilization.mean", -1, "a number 0-1000000000"],
        ["groups[0].metrics.CPUUtilization.cv", 6, "a number 0-5"],
        ["groups[0].onNewImage.metrics.CPUUtilization.shift", -2, "a number -1-100"],
        ["groups[0].onNewImage.metrics.CPUUtilization.scale", 2, expect.stringContaining("shift")],
      ]),
    );
  });
});
