import { describe, expect, it } from "vitest";
import { MAX_ANALYSIS_METRICS, parseRunRequest, RunRequestSchema } from "../../src/run-request";
import { type AnalysisEntry, GroupResultSchema } from "../../src/run-result";
import type { Problem } from "../../src/validation";

function problemsOf(input: unknown): Problem[] {
  const result = parseRunRequest(input);
  if (result.ok) throw new Error(`expected problems, got a valid request for ${JSON.stringify(input)}`);
  return result.problems;
}

const analysis = (value: Record<string, unknown>) => ({ health: { analysis: value } });
const cpu = {
  namespace: "AWS/EC2",
  name: "CPUUtilization",
  stat: "Average",
  worse: "higher",
  tolerance: 0.25,
};

describe("health.analysis in the run request", () => {
  it("defaults to CPUUtilization Average, higher is worse, 25% tolerance, 0.99 confidence, 2 new instances", () => {
    expect(RunRequestSchema.parse({}).health.analysis).toEqual({
      enabled: true,
      metrics: [cpu],
      confidence: 0.99,
      minInstances: 2,
    });
  });

  it("keeps a user's own metrics in place of the default and lets analysis be turned off", () => {
    const memory = {
      namespace: "CWAgent",
      name: "mem_used_percent",
      stat: "p90",
      worse: "higher",
      tolerance: 0.1,
    };
    const request = RunRequestSchema.parse(analysis({ enabled: false, metrics: [cpu, memory] }));
    expect(request.health.analysis.enabled).toBe(false);
    expect(request.health.analysis.metrics).toEqual([cpu, memory]);
  });

  it("reports every bad field at once, naming the value and what was expected", () => {
    const problems = problemsOf(
      analysis({
        confidence: 1,
        minInstances: 0,
        metrics: [{ ...cpu, namespace: ":x", stat: "Mean", worse: "up", tolerance: -0.1 }],
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: "health.analysis.confidence", value: 1 }),
        expect.objectContaining({ field: "health.analysis.minInstances", value: 0 }),
        expect.objectContaining({ field: "health.analysis.metrics[0].namespace", value: ":x" }),
        expect.objectContaining({ field: "health.analysis.metrics[0].stat", value: "Mean" }),
        expect.objectContaining({ field: "health.analysis.metrics[0].worse", value: "up" }),
        expect.objectContaining({ field: "health.analysis.metrics[0].tolerance", value: -0.1 }),
      ]),
    );
    expect(problems.find((p) => p.field.endsWith(".stat"))?.expected).toMatch(/percentile like "p90"/);
    expect(problems.find((p) => p.field.endsWith(".confidence"))?.expected).toBe(
      "a number 0.8-0.9999 (0.99: a 1% false-alarm rate)",
    );
  });

  it("accepts percentile statistics and refuses malformed ones", () => {
    for (const stat of ["p50", "p99.9", "p100", "p0", "Maximum", "SampleCount"]) {
      expect(parseRunRequest(analysis({ metrics: [{ ...cpu, stat }] })).ok, stat).toBe(true);
    }
    for (const stat of ["p101", "p100.5", "p9.999", "P90", "avg", ""]) {
      expect(problemsOf(analysis({ metrics: [{ ...cpu, stat }] }))[0]?.field, stat).toBe(
        "health.analysis.metrics[0].stat",
      );
    }
  });

  it(`refuses an empty list and more than ${MAX_ANALYSIS_METRICS} metrics`, () => {
    expect(problemsOf(analysis({ metrics: [] }))[0]).toMatchObject({
      field: "health.analysis.metrics",
      expected: expect.stringContaining("enabled to false"),
    });
    const many = Array.from({ length: MAX_ANALYSIS_METRICS + 1 }, (_, i) => ({ ...cpu, name: `m${i}` }));
    expect(problemsOf(analysis({ metrics: many }))[0]?.field).toBe("health.analysis.metrics");
  });

  it("refuses a metric listed twice, alongside other problems", () => {
    const problems = problemsOf(analysis({ metrics: [cpu, { ...cpu, tolerance: 0.5 }], minInstances: "2" }));
    expect(problems.map((p) => p.field).sort()).toEqual([
      "health.analysis.metrics[1]",
      "health.analysis.minInstances",
    ]);
    expect(problems.find((p) => p.field === "health.analysis.metrics[1]")?.expected).toContain("metrics[0]");
  });

  it("rejects unknown keys with a suggestion", () => {
    expect(problemsOf(analysis({ minInstance: 3 }))[0]).toMatchObject({
      field: "health.analysis.minInstance",
      expected: 'a known field (did you mean "minInstances"?)',
    });
  });
});

describe("groups[].analysis in the run result", () => {
  const group = {
    name: "web",
    wave: "canary",
    outcome: "ROLLED_BACK",
    fromImageId: "ami-a",
    toImageId: "ami-b",
    launchTemplateVersion: { from: 3, to: 4 },
    minHealthyPercentObserved: 90,
    instanceRefreshIds: [],
  };
  const entry: AnalysisEntry = {
    at: "checkpoint 20%",
    metric: "AWS/EC2 CPUUtilization",
    baseline: { instances: 8, median: 41.2 },
    canary: { instances: 2, median: 63 },
    change: 0.53,
    pValue: 0.004,
    verdict: "FAIL",
  };

  it("carries the judgements as the contract shows them", () => {
    expect(GroupResultSchema.parse({ ...group, analysis: [entry] }).analysis).toEqual([entry]);
  });

  it("holds an INCONCLUSIVE judgement without a test (null medians, change and p-value)", () => {
    const inconclusive = {
      ...entry,
      canary: { instances: 0, median: null },
      change: null,
      pValue: null,
      verdict: "INCONCLUSIVE",
    };
    expect(GroupResultSchema.safeParse({ ...group, analysis: [inconclusive] }).success).toBe(true);
    expect(
      GroupResultSchema.safeParse({ ...group, analysis: [{ ...entry, verdict: "MAYBE" }] }).success,
    ).toBe(false);
  });
});

describe("health.analysis patterns match the whole value", () => {
  it.each(["Averages", "xAverage", "Sum ", "p90x", "p100.000", "Minimum|Maximum"])(
    "refuses the statistic %j",
    (stat) => {
      expect(problemsOf(analysis({ metrics: [{ ...cpu, stat }] }))).toEqual([
        {
          field: "health.analysis.metrics[0].stat",
          value: stat,
          expected:
            'a statistic: "Average", "Minimum", "Maximum", "Sum", "SampleCount" or a percentile like "p90"',
        },
      ]);
    },
  );

  it("takes a namespace of 255 characters with a colon inside, and refuses one of 256 or an empty one", () => {
    const long = `A:${"x".repeat(253)}`;
    expect(parseRunRequest(analysis({ metrics: [{ ...cpu, namespace: long }] })).ok).toBe(true);
    for (const namespace of [`${long}x`, ""]) {
      expect(problemsOf(analysis({ metrics: [{ ...cpu, namespace }] }))).toEqual([
        expect.objectContaining({ field: "health.analysis.metrics[0].namespace", value: namespace }),
      ]);
    }
  });

  it("refuses an image id with text around it", () => {
    for (const imageId of ["xami-0abc123", "ami-0abc123 ", "ami-0abc-123"]) {
      expect(problemsOf({ image: { imageId } })).toEqual([
        { field: "image.imageId", value: imageId, expected: 'null or an AMI id like "ami-0abc123"' },
      ]);
    }
  });
});
