import { describe, expect, it } from "vitest";
import type { GroupReadiness } from "../../src/readiness";
import type { GroupProgress, RunRecord } from "../../src/run-ledger";
import { assembleRunResult, type RunMetrics, runOutcomeOf, waveStatusOf } from "../../src/run-outcome";
import { RunRequestSchema } from "../../src/run-request";
import { type AnalysisEntry, RunResultSchema } from "../../src/run-result";

const request = () => RunRequestSchema.parse({});

const progress = (name: string, over: Partial<GroupProgress> = {}): GroupProgress => ({
  name,
  wave: "canary",
  outcome: "UPGRADED",
  reason: null,
  fromImageId: "ami-al2",
  toImageId: "ami-hardened",
  launchTemplateVersion: { from: 3, to: 4 },
  minHealthyPercentObserved: 90,
  instanceRefreshIds: [`r-${name}`],
  refreshStartedAt: "2026-11-21T09:10:00Z",
  checkpointsEvaluated: [20, 50],
  notes: [],
  regressed: false,
  ...over,
});

const run = (over: Partial<RunRecord> = {}): RunRecord => ({
  runId: "run-1",
  status: "SUCCEEDED",
  reason: "2 of 2 groups upgraded",
  request: {},
  startedAt: "2026-11-21T09:00:00Z",
  endedAt: "2026-11-21T11:00:00Z",
  inventory: {
    groups: 2,
    instances: 6,
    byPlatform: { "Amazon Linux 2": 6 },
    byKernel: { "5.10": 6 },
    architectures: ["x86_64"],
  },
  target: {
    kernel: "6.1",
    kernelVersion: "6.1.158-180.294.amzn2023",
    images: [
      {
        architecture: "x86_64",
        sourceImageId: "ami-2023",
        sourceImageName: "al2023-ami",
        imageId: "ami-hardened",
      },
    ],
  },
  waves: [
    { name: "canary", groups: ["web-canary"], instances: 2, status: "SUCCEEDED" },
    { name: "rest", groups: ["web-b", "web-a"], instances: 4, status: "SUCCEEDED" },
  ],
  halt: null,
  groupOutcomes: null,
  abortRequested: null,
  ...over,
});

const METRICS: RunMetrics = {
  virtualSeconds: null,
  lowerBoundSeconds: null,
  apiCalls: {},
  stateTransitions: 0,
};

describe("waveStatusOf", () => {
  it("fails a wave when any group failed, whatever the others did", () => {
    expect(waveStatusOf(["UPGRADED", "ROLLED_BACK", "FAILED", "RUNNING"])).toBe("FAILED");
  });

  it("rolls back a wave when a group rolled back and none failed", () => {
    expect(waveStatusOf(["UPGRADED", "RUNNING", "ROLLED_BACK"])).toBe("ROLLED_BACK");
  });

  it("keeps a wave running while a group runs", () => {
    expect(waveStatusOf(["UPGRADED", "RUNNING", "NOT_STARTED"])).toBe("RUNNING");
  });

  it("leaves a wave not started when none of its groups started", () => {
    expect(waveStatusOf(["NOT_STARTED", "NOT_STARTED"])).toBe("NOT_STARTED");
  });

  it("succeeds a wave whose groups upgraded or were skipped, and an empty wave", () => {
    expect(waveStatusOf(["UPGRADED", "SKIPPED"])).toBe("SUCCEEDED");
    expect(waveStatusOf(["SKIPPED"])).toBe("SUCCEEDED");
    expect(waveStatusOf([])).toBe("SUCCEEDED");
  });
});

describe("runOutcomeOf", () => {
  it("plans a dry run, counting its groups, even with a halt or a failed group", () => {
    const dry = RunRequestSchema.parse({ dryRun: true });
    const groups = [progress("a", { outcome: "FAILED" }), progress("b"), progress("c")];
    expect(runOutcomeOf({ status: "RUNNING", halt: { status: "FAILED", reason: "x" } }, dry, groups)).toEqual(
      {
        status: "PLANNED",
        reason: "dry run: 3 groups planned, nothing changed",
      },
    );
  });

  it("ends as the halt says when something halted the run", () => {
    const halt = {
      status: "ROLLED_BACK" as const,
      reason: "group web-canary regressed: alarm web-5xx is ALARM",
    };
    const groups = [progress("web-canary", { outcome: "ROLLED_BACK", reason: "rolled back" })];
    expect(runOutcomeOf({ status: "RUNNING", halt }, request(), groups)).toEqual(halt);
    const failedHalt = { status: "FAILED" as const, reason: "group api: the refresh failed" };
    expect(
      runOutcomeOf({ status: "RUNNING", halt: failedHalt }, request(), [
        progress("api", { outcome: "FAILED" }),
      ]),
    ).toEqual(failedHalt);
  });

  it("fails a rolled-back run whose rollback left a group FAILED, naming both", () => {
    const halt = { status: "ROLLED_BACK" as const, reason: "group web-canary: alarm web-5xx is ALARM" };
    const groups = [progress("web-canary", { outcome: "FAILED", reason: "the rollback ended failed" })];
    expect(runOutcomeOf({ status: "RUNNING", halt }, request(), groups)).toEqual({
      status: "FAILED",
      reason: "group web-canary: the rollback ended failed (after group web-canary: alarm web-5xx is ALARM)",
    });
  });

  it("fails the run naming the failed group and its reason", () => {
    const groups = [
      progress("web-a"),
      progress("web-b", { outcome: "FAILED", reason: "the refresh failed" }),
    ];
    expect(runOutcomeOf({ status: "RUNNING", halt: null }, request(), groups)).toEqual({
      status: "FAILED",
      reason: "group web-b: the refresh failed",
    });
  });

  it("fails the run with a plain reason when the failed group has none", () => {
    const groups = [progress("web-b", { outcome: "FAILED" })];
    expect(runOutcomeOf({ status: "RUNNING", halt: null }, request(), groups).reason).toBe(
      "group web-b: failed",
    );
  });

  it("succeeds counting groups upgraded", () => {
    const groups = [progress("a"), progress("b")];
    expect(runOutcomeOf({ status: "RUNNING", halt: null }, request(), groups)).toEqual({
      status: "SUCCEEDED",
      reason: "2 of 2 groups upgraded",
    });
  });

  it("succeeds counting groups upgraded, skipped and not in any wave", () => {
    const groups = [
      progress("a"),
      progress("b", { outcome: "SKIPPED" }),
      progress("c", { outcome: "SKIPPED" }),
      progress("d", { outcome: "NOT_STARTED", wave: null }),
    ];
    expect(runOutcomeOf({ status: "RUNNING", halt: null }, request(), groups)).toEqual({
      status: "SUCCEEDED",
      reason: "1 of 4 groups upgraded, 2 skipped, 1 not in any wave",
    });
  });
});

describe("assembleRunResult", () => {
  const groups = () => [
    progress("zeta", { wave: null, outcome: "NOT_STARTED" }),
    progress("web-a", { wave: "rest" }),
    progress("alpha", { wave: null, outcome: "SKIPPED", reason: "already on the image" }),
    progress("web-b", { wave: "rest" }),
    progress("web-canary"),
  ];

  it("lists groups in wave order, then the unplanned ones by name", () => {
    const result = assembleRunResult(run(), request(), groups(), METRICS);
    expect(result.groups.map((g) => g.name)).toEqual(["web-canary", "web-b", "web-a", "alpha", "zeta"]);
  });

  it("gives a result the run result schema accepts unchanged", () => {
    const result = assembleRunResult(run(), request(), groups(), METRICS);
    expect(RunResultSchema.parse(result)).toEqual(result);
  });

  it("carries the run's status, reason, target, inventory, waves, metrics and times", () => {
    const metrics = {
      virtualSeconds: 5400,
      lowerBoundSeconds: 5100,
      apiCalls: { "ssm:GetInventory": 2 },
      stateTransitions: 9,
    };
    const result = assembleRunResult(run(), request(), groups(), metrics);
    expect(result).toMatchObject({
      runId: "run-1",
      status: "SUCCEEDED",
      reason: "2 of 2 groups upgraded",
      target: {
        kernel: "6.1",
        kernelVersion: "6.1.158-180.294.amzn2023",
        images: [{ architecture: "x86_64", sourceImageId: "ami-2023", imageId: "ami-hardened" }],
      },
      inventory: { groups: 2, instances: 6, byPlatform: { "Amazon Linux 2": 6 } },
      waves: [
        { name: "canary", status: "SUCCEEDED", groups: ["web-canary"] },
        { name: "rest", status: "SUCCEEDED", groups: ["web-b", "web-a"] },
      ],
      metrics,
      startedAt: "2026-11-21T09:00:00Z",
      endedAt: "2026-11-21T11:00:00Z",
    });
  });

  it("gives every group but an upgraded one a reason, and an upgraded one none", () => {
    const outcomes = ["UPGRADED", "ROLLED_BACK", "SKIPPED", "FAILED", "NOT_STARTED", "RUNNING"] as const;
    const all = outcomes.map((outcome) => progress(outcome.toLowerCase(), { outcome, wave: null }));
    const result = assembleRunResult(run({ waves: [] }), request(), all, METRICS);
    for (const group of result.groups) {
      if (group.outcome === "UPGRADED") expect(group).not.toHaveProperty("reason");
      else expect(group.reason, group.name).toEqual(expect.any(String));
    }
    expect(Object.fromEntries(result.groups.map((g) => [g.outcome, g.reason]))).toEqual({
      UPGRADED: undefined,
      ROLLED_BACK: "rolled back",
      SKIPPED: "skipped",
      FAILED: "failed",
      NOT_STARTED: "not started",
      RUNNING: "running",
    });
  });

  it("keeps a group's own reason", () => {
    const result = assembleRunResult(run(), request(), groups(), METRICS);
    expect(result.groups.find((g) => g.name === "alpha")?.reason).toBe("already on the image");
  });

  it("names the halt as the reason a group did not start", () => {
    const halt = {
      status: "ROLLED_BACK" as const,
      reason: "group web-canary regressed: alarm web-5xx is ALARM",
    };
    const result = assembleRunResult(run({ status: "ROLLED_BACK", halt }), request(), groups(), METRICS);
    expect(result.groups.find((g) => g.name === "zeta")?.reason).toBe(
      "not started: group web-canary regressed: alarm web-5xx is ALARM",
    );
  });

  it("says a dry run's groups were planned, not started", () => {
    const result = assembleRunResult(run({ status: "PLANNED" }), request(), groups(), METRICS);
    expect(result.groups.find((g) => g.name === "zeta")?.reason).toBe("dry run: planned, not started");
  });

  it("shows notes only when a group has some", () => {
    const result = assembleRunResult(
      run(),
      request(),
      [progress("web-canary", { notes: ["no target groups: target health not checked"] }), progress("web-b")],
      METRICS,
    );
    expect(result.groups[0]?.notes).toEqual(["no target groups: target health not checked"]);
    expect(result.groups[1]).not.toHaveProperty("notes");
  });

  it("puts an unplanned group in the empty wave", () => {
    const result = assembleRunResult(run(), request(), groups(), METRICS);
    expect(result.groups.find((g) => g.name === "zeta")?.wave).toBe("");
  });

  it("reports an empty wave that ran as succeeded and one that never started as not started", () => {
    const waves = [
      { name: "empty-ran", groups: [], instances: 0, status: "RUNNING" as const },
      { name: "empty-later", groups: [], instances: 0, status: "NOT_STARTED" as const },
    ];
    const result = assembleRunResult(run({ waves }), request(), [], METRICS);
    expect(result.waves.map((w) => w.status)).toEqual(["SUCCEEDED", "NOT_STARTED"]);
  });

  it("gives nulls and zeros for a run that never inventoried nor built, and omits its end while it runs", () => {
    const result = assembleRunResult(
      run({ status: "RUNNING", endedAt: null, inventory: null, target: null }),
      request(),
      [],
      METRICS,
    );
    expect(result.target).toEqual({ kernel: "6.1", kernelVersion: null, images: [] });
    expect(result.inventory).toEqual({ groups: 0, instances: 0, byPlatform: {} });
    expect(result).not.toHaveProperty("endedAt");
    expect(RunResultSchema.parse(result)).toEqual(result);
  });
});

describe("a wave's and a result's status say what happened, not what was hoped", () => {
  it("does not read a wave with an upgraded group and a group not started as not started", () => {
    expect(waveStatusOf(["UPGRADED", "NOT_STARTED"])).toBe("SUCCEEDED");
    expect(waveStatusOf(["NOT_STARTED", "SKIPPED"])).toBe("SUCCEEDED");
  });

  it("names a group a rollback left failed without a reason as plainly failed", () => {
    const halt = { status: "ROLLED_BACK" as const, reason: "alarm web-5xx is ALARM" };
    const groups = [progress("web-canary", { outcome: "FAILED" })];
    expect(runOutcomeOf({ status: "RUNNING", halt }, request(), groups).reason).toBe(
      "group web-canary: failed (after alarm web-5xx is ALARM)",
    );
  });

  it("keeps a failed or rolled-back wave with groups as it is in the result", () => {
    const waves = [
      { name: "canary", groups: ["web-canary"], instances: 2, status: "ROLLED_BACK" as const },
      { name: "rest", groups: ["web-b"], instances: 2, status: "FAILED" as const },
      { name: "later", groups: ["web-a"], instances: 2, status: "NOT_STARTED" as const },
    ];
    const result = assembleRunResult(run({ status: "FAILED", waves }), request(), [], METRICS);
    expect(result.waves.map((w) => w.status)).toEqual(["ROLLED_BACK", "FAILED", "NOT_STARTED"]);
  });

  it("carries the estimate, the untargeted groups, the readiness and the analysis when the run has them", () => {
    const analysis: AnalysisEntry = {
      at: "verify",
      metric: "AWS/EC2 CPUUtilization",
      baseline: { instances: 2, median: 30 },
      canary: { instances: 1, median: 33 },
      change: 0.1,
      pValue: 0.4,
      verdict: "PASS",
    };
    const untargeted = [{ group: "batch", instances: 3, platforms: { "Windows Server 2019": 3 } }];
    const readiness: GroupReadiness[] = [{ group: "web-canary", level: "READY", findings: [] }];
    const base = run();
    const result = assembleRunResult(
      {
        ...base,
        estimateSeconds: 5400,
        readiness,
        inventory: base.inventory ? { ...base.inventory, untargeted } : null,
      },
      request(),
      [progress("web-canary", { analysis: [analysis] }), progress("web-b", { analysis: [] })],
      METRICS,
    );
    expect(result.estimate).toEqual({ seconds: 5400 });
    expect(result.inventory.untargeted).toEqual(untargeted);
    expect(result.readiness).toEqual(readiness);
    expect(result.groups[0]?.analysis).toEqual([analysis]);
    expect(result.groups[1]).not.toHaveProperty("analysis");
    expect(RunResultSchema.parse(result)).toEqual(result);
  });

  it("leaves out the estimate, the untargeted groups and the readiness a run does not have", () => {
    const result = assembleRunResult(run(), request(), [progress("web-canary")], METRICS);
    expect(result).not.toHaveProperty("estimate");
    expect(result).not.toHaveProperty("readiness");
    expect(result.inventory).not.toHaveProperty("untargeted");
    expect(result.groups[0]).not.toHaveProperty("analysis");
  });
});
