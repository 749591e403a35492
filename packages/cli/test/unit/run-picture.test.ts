import type { RunResult } from "@fleet-upgrade/core";
import type { SimulationEvent } from "@fleet-upgrade/harness";
import { describe, expect, it } from "vitest";
import { renderSvg, timelineSpec } from "../../src/report-charts";
import { type PictureAccount, pictureOf } from "../../src/run-picture";

const T0 = Date.parse("2026-11-21T09:00:00Z");
const at = (minutes: number) => T0 + minutes * 60_000;

function group(name: string, outcome: string, refreshIds: string[], reason?: string) {
  return {
    name,
    wave: "canary",
    outcome,
    ...(reason && { reason }),
    fromImageId: null,
    toImageId: null,
    launchTemplateVersion: { from: 1, to: null },
    minHealthyPercentObserved: null,
    instanceRefreshIds: refreshIds,
  };
}

const result = {
  groups: [
    group("api", "UPGRADED", ["r-api"]),
    group("web", "ROLLED_BACK", ["r-web"], "group web: alarm web-5xx went to ALARM"),
    group("batch", "NOT_STARTED", []),
  ],
} as unknown as RunResult;

const snapshot = (
  desired: number,
  refreshes: object[],
  timeline: { atMs: number; inServiceHealthy: number }[],
) => ({ desired, refreshes, timeline }) as unknown as ReturnType<PictureAccount["group"]>;

const account: PictureAccount = {
  group: (name) =>
    ({
      api: snapshot(
        4,
        [{ instanceRefreshId: "r-api", startMs: at(10), endMs: at(40), foreign: false, statusReason: null }],
        [
          { atMs: at(0), inServiceHealthy: 4 },
          { atMs: at(20), inServiceHealthy: 3 },
          { atMs: at(30), inServiceHealthy: 4 },
        ],
      ),
      web: snapshot(
        4,
        [
          {
            instanceRefreshId: "r-web",
            startMs: at(10),
            endMs: at(25),
            foreign: false,
            statusReason: "Alarm",
          },
        ],
        [{ atMs: at(0), inServiceHealthy: 4 }],
      ),
      batch: snapshot(2, [], [{ atMs: at(0), inServiceHealthy: 2 }]),
    })[name],
};

const refresh = (
  minutes: number,
  g: string,
  kind: string,
  percent: number,
  replaced: number,
): SimulationEvent => ({
  kind: "refresh",
  atMs: at(minutes),
  progress: {
    atMs: at(minutes),
    group: g,
    kind,
    instanceRefreshId: `r-${g}`,
    percentComplete: percent,
    replaced,
    desired: 4,
  } as never,
});

const events: SimulationEvent[] = [
  { kind: "state", atMs: at(0), state: "ValidateRequest", input: {} },
  refresh(15, "api", "instances-replaced", 25, 1),
  refresh(15, "api", "checkpoint", 25, 1),
  refresh(15, "web", "instances-replaced", 25, 1),
  refresh(16, "web", "rollback-started", 25, 1),
  refresh(25, "web", "rollback-succeeded", 25, 1),
  refresh(40, "api", "refresh-succeeded", 100, 4),
  { kind: "state", atMs: at(45), state: "Finish", input: {} },
];

describe("pictureOf", () => {
  const picture = pictureOf(result, events, account);

  it("spans each group that ran from its refresh's start to its end, and keeps a row for every group", () => {
    expect(picture.rows.map((r) => r.group)).toEqual(["api", "web", "batch"]);
    expect(picture.spans).toEqual([
      { group: "api", wave: "canary", outcome: "UPGRADED", startMs: at(10), endMs: at(40) },
      { group: "web", wave: "canary", outcome: "ROLLED_BACK", startMs: at(10), endMs: at(25) },
    ]);
    expect(picture).toMatchObject({ startMs: at(0), endMs: at(45) });
  });

  it("marks checkpoints and the regression's moment, percent and reason", () => {
    expect(picture.checkpoints).toEqual([{ group: "api", atMs: at(15), percent: 25 }]);
    expect(picture.regressions).toEqual([
      { group: "web", atMs: at(16), percent: 25, reason: "alarm web-5xx went to ALARM" },
    ]);
  });

  it("sums in-service capacity and the share on the new image over the fleet, rollbacks subtracted", () => {
    const sample = (minutes: number) => picture.fleet.findLast((s) => s.atMs <= at(minutes));
    expect(sample(0)).toMatchObject({ inServicePercent: 100, newImagePercent: 0 });
    expect(sample(15)).toMatchObject({ newImagePercent: 20 }); // 2 of 10
    expect(sample(20)).toMatchObject({ inServicePercent: 90, newImagePercent: 20 });
    expect(sample(25)).toMatchObject({ newImagePercent: 10 }); // web rolled back
    expect(sample(45)).toMatchObject({ inServicePercent: 100, newImagePercent: 40 });
  });
});

describe("the timeline's SVG", () => {
  it("draws one bar per span and escapes what comes from the run", async () => {
    const picture = pictureOf(result, events, account);
    picture.regressions[0] = { group: "web", atMs: at(16), percent: 25, reason: "<script>alert(1)</script>" };
    const svg = await renderSvg(timelineSpec(picture));
    expect(svg).not.toContain("<script>");
    expect(svg).toContain("&lt;script&gt;");
    const bars = svg.slice(svg.indexOf("group-bars"), svg.indexOf("</g>", svg.indexOf("group-bars")));
    expect(bars.match(/<path /g)).toHaveLength(2);
  });
});
