import { groupLowerBoundSeconds, RunRequestSchema } from "@fleet-upgrade/core";
import { describe, expect, it } from "vitest";
import { liveText } from "../../../src/api/live-text";
import { groupLive } from "../../../src/api/run-view";
import { runSections, runText } from "../../../src/api/views";

const rollout = RunRequestSchema.parse({}).rollout;
const pacing = { desired: 10, launchSeconds: 60, warmupSeconds: 120 };
const now = new Date("2026-11-21T10:00:00Z");
const running = { outcome: "RUNNING" as const, refreshStartedAt: "2026-11-21T09:45:00Z" };

describe("a running group's live progress", () => {
  it("gives the share replaced, the seconds since its refresh started and its bound scaled by what is left", () => {
    const live = groupLive(running, 50, pacing, rollout, now);
    expect(live).toEqual({
      percentReplaced: 50,
      elapsedSeconds: 900,
      leftSeconds: Math.round(groupLowerBoundSeconds(pacing, rollout) / 2),
    });
  });

  it("counts from zero before the refresh started and leaves nothing at 100%", () => {
    expect(groupLive({ ...running, refreshStartedAt: null }, 0, pacing, rollout, now)).toEqual({
      percentReplaced: 0,
      elapsedSeconds: 0,
      leftSeconds: groupLowerBoundSeconds(pacing, rollout),
    });
    expect(groupLive(running, 100, pacing, rollout, now)?.leftSeconds).toBe(0);
  });

  it("is absent for a group that is not running", () => {
    for (const outcome of ["UPGRADED", "ROLLED_BACK", "SKIPPED", "FAILED", "NOT_STARTED"] as const)
      expect(groupLive({ ...running, outcome }, 50, pacing, rollout, now), outcome).toBeUndefined();
  });
});

const result = {
  runId: "run-1",
  status: "RUNNING",
  reason: "AL2 end of support",
  waves: [{ name: "early", status: "RUNNING", groups: ["web", "api", "batch"] }],
  groups: [
    {
      name: "web",
      outcome: "RUNNING",
      live: { percentReplaced: 50, elapsedSeconds: 900, leftSeconds: 1200 },
    },
    { name: "api", outcome: "RUNNING", live: { percentReplaced: 0, elapsedSeconds: 20, leftSeconds: 3700 } },
    { name: "batch", outcome: "UPGRADED" },
  ],
  estimate: { seconds: 3700 },
} as never;

describe("live progress in the chat text", () => {
  it("lists each running group with percent replaced, time elapsed and time left", () => {
    const text = runText(result).split("\n");
    expect(text).toContain("  web: 50% replaced, 15 min in, about 20 min left");
    expect(text).toContain("  api: 0% replaced, just started, about 1 h 02 min left");
    expect(text.some((l) => l.startsWith("  batch"))).toBe(false);
  });

  it("gives Slack a section of fields, one per running group", () => {
    const running = runSections(result).find((s) => s.text === "Running groups");
    expect(running?.fields).toEqual([
      ["web", "50% replaced, 15 min in, about 20 min left"],
      ["api", "0% replaced, just started, about 1 h 02 min left"],
    ]);
  });

  it("names five running groups and counts the rest", () => {
    const many = {
      ...(result as object),
      groups: Array.from({ length: 8 }, (_, i) => ({
        name: `g${i}`,
        outcome: "RUNNING",
        live: { percentReplaced: 10, elapsedSeconds: 120, leftSeconds: 600 },
      })),
    } as never;
    const lines = runText(many).split("\n");
    expect(lines.filter((l) => /^ {2}g\d: /.test(l))).toHaveLength(5);
    expect(lines).toContain("  ... and 3 more running");
    expect(liveText({ percentReplaced: 33.3, elapsedSeconds: 3600, leftSeconds: 20 })).toBe(
      "33% replaced, 1 h 00 min in, under a minute left",
    );
  });
});
