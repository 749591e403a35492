import { describe, expect, it } from "vitest";
import { wantsText } from "../../../src/api/http";
import {
  daysUntil,
  deadlineText,
  fleetText,
  fleetView,
  progressOf,
  runListText,
  runText,
  slackMessage,
} from "../../../src/api/views";

const waves = [
  { name: "canary", status: "SUCCEEDED", groups: ["web-canary", "api-canary"] },
  { name: "early", status: "RUNNING", groups: ["web", "api"] },
  { name: "rest", status: "NOT_STARTED", groups: ["batch"] },
];
const groups = [
  { name: "web-canary", outcome: "UPGRADED" },
  { name: "api-canary", outcome: "UPGRADED" },
  { name: "web", outcome: "ROLLED_BACK", reason: "alarm web-5xx went to ALARM at 25% replaced" },
  { name: "api", outcome: "RUNNING", reason: "refresh in progress" },
  { name: "batch", outcome: "NOT_STARTED", reason: "wave rest has not started" },
];

describe("run text", () => {
  it("says status, wave n of m, groups done and failing with why, and the reason", () => {
    const text = runText({
      runId: "run-1",
      status: "RUNNING",
      reason: "AL2 end of support",
      waves,
      groups,
    } as never);
    expect(text).toBe(
      [
        "run run-1: RUNNING, wave 2 of 3 (early)",
        "groups: 3 of 5 groups done, 2 upgraded, 1 failing, 1 running",
        "  web ROLLED_BACK: alarm web-5xx went to ALARM at 25% replaced",
        "reason: AL2 end of support",
      ].join("\n"),
    );
  });

  it("shows the regression judge's judgements: a tally, then every FAIL with its medians, change and p-value", () => {
    const side = (instances: number, median: number) => ({ instances, median });
    const judged = [
      {
        name: "web-canary",
        outcome: "ROLLED_BACK",
        reason: "AWS/EC2 CPUUtilization regressed at checkpoint 20%",
        analysis: [
          {
            at: "checkpoint 20%",
            metric: "AWS/EC2 CPUUtilization",
            baseline: side(8, 31.1),
            canary: side(2, 50.3),
            change: 0.615,
            pValue: 0.0000369,
            verdict: "FAIL",
          },
        ],
      },
      {
        name: "api-canary",
        outcome: "UPGRADED",
        analysis: [
          {
            at: "verify",
            metric: "AWS/EC2 CPUUtilization",
            baseline: side(4, 30.1),
            canary: side(4, 29.8),
            change: -0.01,
            pValue: 0.43,
            verdict: "PASS",
          },
        ],
      },
    ];
    const text = runText({ runId: "r", status: "ROLLED_BACK", reason: "x", waves, groups: judged } as never);
    expect(text).toContain("regression judge: 2 judgements (1 FAIL, 0 INCONCLUSIVE, 1 PASS)");
    expect(text).toContain(
      "  web-canary checkpoint 20% AWS/EC2 CPUUtilization: FAIL, median 50.3 on 2 new vs median 31.1 on 8 old (+62%), p = 0.0000369",
    );
    expect(text).not.toContain("api-canary verify");
    const passing = runText({
      runId: "r",
      status: "RUNNING",
      reason: "x",
      waves,
      groups: judged.slice(1),
    } as never);
    expect(passing).toContain("  api-canary verify AWS/EC2 CPUUtilization: PASS");
  });

  it("says a waiting run waits after the last finished wave, and a run before its waves says so", () => {
    const done = waves.map((w, i) => (i < 2 ? { ...w, status: "SUCCEEDED" } : w));
    expect(progressOf({ waves: done, groups }).wave).toEqual({ number: 2, of: 3, name: "early" });
    expect(runText({ runId: "r", status: "WAITING", reason: "x", waves: done, groups } as never)).toContain(
      "WAITING, waiting for approval after wave 2 of 3 (early)",
    );
    expect(runText({ runId: "r", status: "RUNNING", reason: "x", waves: [], groups: [] } as never)).toContain(
      "RUNNING, waves not planned yet",
    );
    const planned = waves.map((w) => ({ ...w, status: "NOT_STARTED" }));
    expect(progressOf({ waves: planned, groups: [] }).wave).toEqual({ number: 0, of: 3, name: "canary" });
  });

  it("lists runs newest first, one line each", () => {
    const progress = progressOf({ waves, groups });
    const text = runListText([
      {
        runId: "run-2",
        status: "RUNNING",
        startedAt: "2026-11-21T09:00:00Z",
        endedAt: null,
        reason: "r2",
        progress,
      },
    ]);
    expect(text).toBe(
      "1 recent run, newest first:\n" +
        "run-2  RUNNING  started 2026-11-21T09:00:00Z  wave 2 of 3 (early); 3 of 5 groups done, 2 upgraded, 1 failing, 1 running; r2",
    );
    expect(runListText([])).toBe("no runs yet");
  });
});

describe("fleet text", () => {
  it("counts days to AL2's end of support, then days since", () => {
    expect(daysUntil("2026-06-30", new Date("2026-06-01T23:59:00Z"))).toBe(29);
    expect(daysUntil("2026-06-30", new Date("2026-06-30T12:00:00Z"))).toBe(0);
    expect(daysUntil("2026-06-30", new Date("2026-07-02T00:00:00Z"))).toBe(-2);
    expect(deadlineText(1)).toBe("AL2 end of support (2026-06-30) is in 1 day");
    expect(deadlineText(0)).toBe("AL2 end of support (2026-06-30) is today");
    expect(deadlineText(-144)).toBe("AL2 end of support (2026-06-30) ended 144 days ago");
  });

  it("summarises the newest inventory, or says there is none", () => {
    const view = fleetView(
      {
        runId: "run-1",
        startedAt: "2026-11-21T09:00:00Z",
        inventory: {
          groups: 2,
          instances: 10,
          byPlatform: { "Amazon Linux 2": 7, "Amazon Linux 2023": 3 },
          byKernel: { "5.10.245": 7, "6.1.158": 3 },
          architectures: ["x86_64"],
        },
      },
      new Date("2026-05-31T00:00:00Z"),
    );
    expect(view).toMatchObject({ al2Instances: 7, daysToAl2EndOfSupport: 30 });
    expect(fleetText(view)).toBe(
      [
        "fleet as of run run-1 (2026-11-21T09:00:00Z): 2 groups, 10 instances",
        "by platform: Amazon Linux 2 7, Amazon Linux 2023 3",
        "by kernel: 5.10.245 7, 6.1.158 3",
        "AL2 still running: 7 instances; AL2 end of support (2026-06-30) is in 30 days",
      ].join("\n"),
    );
    expect(fleetText(fleetView(null, new Date("2026-07-01T00:00:00Z")))).toContain("no inventory yet");
  });
});

describe("Slack message", () => {
  it("carries the same text as blocks and as the fallback, escaped for mrkdwn", () => {
    const message = slackMessage("run r: FAILED\nreason: a <b> & c", "in_channel");
    expect(message.text).toBe("run r: FAILED\nreason: a <b> & c");
    expect(message.blocks).toEqual([
      { type: "section", text: { type: "mrkdwn", text: "*run r: FAILED*" } },
      { type: "section", text: { type: "mrkdwn", text: "reason: a &lt;b&gt; &amp; c" } },
    ]);
  });
});

describe("Slack message with sections", () => {
  it("shows fields instead of the text's lines, keeps mentions, escapes the rest and caps 10 fields", () => {
    const fields = Array.from({ length: 12 }, (_, i) => [`k${i}`, `v${i}`] as const);
    const message = slackMessage("run r aborted — by <@U0OPS>\nignored line", "in_channel", [
      { text: "a <b> by <@U0OPS>", fields },
    ]);
    expect(message.text).toBe("run r aborted — by <@U0OPS>\nignored line");
    expect(message.blocks[0]).toEqual({
      type: "section",
      text: { type: "mrkdwn", text: "*run r aborted — by <@U0OPS>*" },
    });
    const section = message.blocks[1] as { text: { text: string }; fields: { text: string }[] };
    expect(section.text.text).toBe("a &lt;b&gt; by <@U0OPS>");
    expect(section.fields).toHaveLength(10);
    expect(section.fields[0]).toEqual({ type: "mrkdwn", text: "*k0*\nv0" });
    expect(message.blocks).toHaveLength(2);
  });
});

describe("wantsText", () => {
  it("follows ?format, then the Accept header's preference; JSON wins ties and unknown types", () => {
    expect(wantsText({ format: "text" }, "application/json")).toBe(true);
    expect(wantsText({ format: "json" }, "text/plain")).toBe(false);
    expect(wantsText({}, "text/plain")).toBe(true);
    expect(wantsText({}, "text/plain;q=0.5, application/json")).toBe(false);
    expect(wantsText({}, "application/json;q=0.2, text/*")).toBe(true);
    expect(wantsText({}, "text/plain, application/json")).toBe(false);
    expect(wantsText({}, "image/png")).toBe(false);
    expect(wantsText({}, undefined)).toBe(false);
    expect(() => wantsText({ format: "xml" }, undefined)).toThrow(/expected "json" or "text"/);
  });
});
