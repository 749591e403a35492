import { describe, expect, it } from "vitest";
import { RunRequestSchema } from "../../src/run-request";
import {
  GroupOutcomeSchema,
  type RunResult,
  RunResultSchema,
  RunStatusSchema,
  WaveStatusSchema,
} from "../../src/run-result";

const result = (): RunResult => ({
  runId: "run-1",
  status: "SUCCEEDED",
  reason: "Every group runs the hardened image.",
  request: RunRequestSchema.parse({}),
  target: {
    kernel: "6.1",
    kernelVersion: "6.1.158-180.294.amzn2023",
    images: [{ architecture: "x86_64", sourceImageId: "ami-2023", imageId: "ami-hardened" }],
  },
  inventory: { groups: 1, instances: 4, byPlatform: { "Amazon Linux 2": 4 } },
  waves: [{ name: "canary", status: "SUCCEEDED", groups: ["web-canary"] }],
  groups: [
    {
      name: "web-canary",
      wave: "canary",
      outcome: "UPGRADED",
      fromImageId: "ami-al2",
      toImageId: "ami-hardened",
      launchTemplateVersion: { from: 3, to: 4 },
      minHealthyPercentObserved: 91.7,
      instanceRefreshIds: ["r-1"],
    },
  ],
  metrics: {
    virtualSeconds: 5400,
    lowerBoundSeconds: 5100,
    apiCalls: { "ssm:GetInventory": 2 },
    stateTransitions: 140,
  },
});

describe("RunResultSchema", () => {
  it("accepts the contract's result", () => {
    expect(RunResultSchema.parse(result())).toEqual(result());
  });

  it("accepts the nulls of a run that never built or changed anything, outside simulation", () => {
    const value = result();
    value.status = "FAILED";
    value.target.kernelVersion = null;
    value.metrics.virtualSeconds = null;
    value.metrics.lowerBoundSeconds = null;
    value.groups = [
      {
        name: "web",
        wave: "early",
        outcome: "SKIPPED",
        reason: "its launch template uses $Latest",
        fromImageId: null,
        toImageId: null,
        launchTemplateVersion: { from: 1, to: null },
        minHealthyPercentObserved: null,
        instanceRefreshIds: [],
        notes: ["launch template version is $Latest"],
      },
    ];
    value.startedAt = "2026-11-21T09:00:00Z";
    value.endedAt = "2026-11-21T10:30:00.000Z";
    expect(RunResultSchema.parse(value)).toEqual(value);
  });

  it("keeps a request validated under another stage's FIPS tracks", () => {
    const value = result();
    value.request = { ...value.request, image: { ...value.request.image, kernel: "6.12" } };
    expect(RunResultSchema.safeParse(value).success).toBe(true);
  });

  it("refuses unknown statuses and malformed timestamps", () => {
    const value = { ...result(), status: "DONE", startedAt: "9am" };
    const parsed = RunResultSchema.safeParse(value);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join("."))).toEqual(["status", "startedAt"]);
  });

  it("exposes the status enums of the contract", () => {
    expect(RunStatusSchema.options).toEqual([
      "RUNNING",
      "WAITING",
      "SUCCEEDED",
      "ROLLED_BACK",
      "FAILED",
      "ABORTED",
      "PLANNED",
    ]);
    expect(WaveStatusSchema.options).toEqual([
      "SUCCEEDED",
      "ROLLED_BACK",
      "FAILED",
      "NOT_STARTED",
      "RUNNING",
    ]);
    expect(GroupOutcomeSchema.options).toEqual([
      "UPGRADED",
      "ROLLED_BACK",
      "SKIPPED",
      "FAILED",
      "NOT_STARTED",
      "RUNNING",
    ]);
  });
});
