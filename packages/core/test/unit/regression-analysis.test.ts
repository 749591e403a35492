import { describe, expect, it } from "vitest";
import type { MetricReader } from "../../src/ports";
import {
  analyzeGroup,
  formatAnalysisEntry,
  metricLabel,
  splitByVersion,
} from "../../src/regression-analysis";
import { RunRequestSchema } from "../../src/run-request";

type ReadInput = Parameters<MetricReader["readInstanceSeries"]>[0];

/** A reader answering from fixed per-metric-name, per-instance series, recording every read. */
function fakeReader(series: Record<string, Record<string, number[]>>) {
  const reads: ReadInput[] = [];
  const reader: MetricReader = {
    async readInstanceSeries(input) {
      reads.push(input);
      return input.metrics.map((metric) =>
        Object.fromEntries(input.instanceIds.map((id) => [id, series[metric.name]?.[id] ?? []])),
      );
    },
  };
  return { reader, reads };
}

const settings = RunRequestSchema.parse({}).health.analysis;
const OLD = ["i-o1", "i-o2", "i-o3", "i-o4", "i-o5", "i-o6", "i-o7", "i-o8"];
const NEW = ["i-n1", "i-n2"];
const window = { from: new Date("2026-11-21T10:00:00Z"), to: new Date("2026-11-21T10:10:00Z") };
const wobble = (level: number) => [0, 1, -1, 2, -2, 0.5, -0.5, 1.5, -1.5, 0].map((d) => level + d);

function cpu(newLevel: number): Record<string, number[]> {
  return Object.fromEntries([
    ...OLD.map((id, i) => [id, wobble(40 + (i % 3))]),
    ...NEW.map((id, i) => [id, wobble(newLevel + i)]),
  ]);
}

describe("analyzeGroup", () => {
  it("FAILs a 50% hotter canary, with an entry and a reason naming the metric, both medians, the change and p", async () => {
    const { reader, reads } = fakeReader({ CPUUtilization: cpu(61) });
    const result = await analyzeGroup(reader, {
      settings,
      at: "checkpoint 20%",
      baselineInstanceIds: OLD,
      canaryInstanceIds: NEW,
      window,
    });
    expect(result.verdict).toBe("FAIL");
    expect(result.entries).toEqual([
      {
        at: "checkpoint 20%",
        metric: "AWS/EC2 CPUUtilization",
        baseline: { instances: 8, median: 41 },
        canary: { instances: 2, median: 61.5 },
        change: 0.5,
        pValue: expect.any(Number),
        verdict: "FAIL",
      },
    ]);
    expect(result.entries[0]?.pValue).toBeLessThan(0.01);
    expect(result.reason).toMatch(
      /^AWS\/EC2 CPUUtilization regressed at checkpoint 20%: median 61\.5 on 2 new instance\(s\) against 41 on 8 old \(\+50%, tolerance 25%, higher is worse\), p = [0-9.e-]+$/,
    );
    // One read for both sides over the same window, every instance in it.
    expect(reads).toEqual([
      {
        metrics: [{ namespace: "AWS/EC2", name: "CPUUtilization", stat: "Average" }],
        instanceIds: [...OLD, ...NEW],
        from: window.from,
        to: window.to,
        periodSeconds: 60,
      },
    ]);
  });

  it("PASSes a canary like its baseline, and has no reason", async () => {
    const { reader } = fakeReader({ CPUUtilization: cpu(40) });
    const result = await analyzeGroup(reader, {
      settings,
      at: "verify",
      baselineInstanceIds: OLD,
      canaryInstanceIds: NEW,
      window,
    });
    expect(result).toMatchObject({ verdict: "PASS", reason: null });
    expect(result.entries[0]?.verdict).toBe("PASS");
  });

  it("is INCONCLUSIVE with fewer new instances than minInstances, and FAIL wins over INCONCLUSIVE across metrics", async () => {
    const { reader } = fakeReader({
      CPUUtilization: cpu(61),
      mem_used_percent: Object.fromEntries(OLD.map((id) => [id, wobble(50)])),
    });
    const two = {
      ...settings,
      metrics: [
        ...settings.metrics,
        {
          namespace: "CWAgent",
          name: "mem_used_percent",
          stat: "p90",
          worse: "higher" as const,
          tolerance: 0.1,
        },
      ],
    };
    const result = await analyzeGroup(reader, {
      settings: two,
      at: "checkpoint 20%",
      baselineInstanceIds: OLD,
      canaryInstanceIds: NEW,
      window,
    });
    expect(result.entries.map((e) => [e.metric, e.verdict])).toEqual([
      ["AWS/EC2 CPUUtilization", "FAIL"],
      ["CWAgent mem_used_percent p90", "INCONCLUSIVE"],
    ]);
    expect(result.verdict).toBe("FAIL");

    const one = await analyzeGroup(reader, {
      settings,
      at: "checkpoint 10%",
      baselineInstanceIds: OLD,
      canaryInstanceIds: ["i-n1"],
      window,
    });
    expect(one.verdict).toBe("INCONCLUSIVE");
    expect(one.entries[0]).toMatchObject({ canary: { instances: 1 }, pValue: null });
  });

  it("reads the baseline over its own window when given (the bake: pre-upgrade figures)", async () => {
    const { reader, reads } = fakeReader({ CPUUtilization: cpu(61) });
    const before = { from: new Date("2026-11-21T09:00:00Z"), to: new Date("2026-11-21T09:10:00Z") };
    const result = await analyzeGroup(reader, {
      settings,
      at: "bake",
      baselineInstanceIds: OLD,
      canaryInstanceIds: NEW,
      window,
      baselineWindow: before,
      periodSeconds: 300,
    });
    expect(result.verdict).toBe("FAIL");
    expect(reads.map((r) => [r.instanceIds, r.from, r.periodSeconds])).toEqual([
      [OLD, before.from, 300],
      [NEW, window.from, 300],
    ]);
  });

  it("reads nothing and judges nothing when analysis is off", async () => {
    const { reader, reads } = fakeReader({ CPUUtilization: cpu(61) });
    const result = await analyzeGroup(reader, {
      settings: { ...settings, enabled: false },
      at: "verify",
      baselineInstanceIds: OLD,
      canaryInstanceIds: NEW,
      window,
    });
    expect(result).toEqual({ verdict: null, entries: [], reason: null });
    expect(reads).toEqual([]);
  });

  it("labels metrics by namespace and name, adding the statistic when it is not Average", () => {
    expect(metricLabel({ namespace: "AWS/EC2", name: "CPUUtilization", stat: "Average" })).toBe(
      "AWS/EC2 CPUUtilization",
    );
    expect(metricLabel({ namespace: "App", name: "latency", stat: "p99" })).toBe("App latency p99");
  });
});

describe("splitByVersion", () => {
  it("puts in-service instances on the new version in the canary, the other in-service ones in the baseline", () => {
    const instances = [
      { instanceId: "i-old", launchTemplateVersion: "3", lifecycleState: "InService" },
      { instanceId: "i-new", launchTemplateVersion: "4", lifecycleState: "InService" },
      { instanceId: "i-warming", launchTemplateVersion: "4", lifecycleState: "Pending" },
      { instanceId: "i-leaving", launchTemplateVersion: "3", lifecycleState: "Terminating" },
      { instanceId: "i-unknown", launchTemplateVersion: null, lifecycleState: "InService" },
    ];
    expect(splitByVersion(instances, 4)).toEqual({ canary: ["i-new"], baseline: ["i-old", "i-unknown"] });
  });
});

describe("formatAnalysisEntry", () => {
  it("reads as a line: where, metric, verdict, both medians and counts, change, p-value", () => {
    expect(
      formatAnalysisEntry({
        at: "checkpoint 20%",
        metric: "AWS/EC2 CPUUtilization",
        baseline: { instances: 8, median: 41.2 },
        canary: { instances: 2, median: 63 },
        change: 0.529,
        pValue: 0.00412,
        verdict: "FAIL",
      }),
    ).toBe(
      "checkpoint 20% AWS/EC2 CPUUtilization: FAIL, median 63 on 2 new vs median 41.2 on 8 old (+53%), p = 0.00412",
    );
    expect(
      formatAnalysisEntry({
        at: "checkpoint 10%",
        metric: "AWS/EC2 CPUUtilization",
        baseline: { instances: 9, median: 30 },
        canary: { instances: 0, median: null },
        change: null,
        pValue: null,
        verdict: "INCONCLUSIVE",
      }),
    ).toBe("checkpoint 10% AWS/EC2 CPUUtilization: INCONCLUSIVE, no data on 0 new vs median 30 on 9 old");
  });
});
