/**
 * The report's charts, drawn by Vega (https://vega.github.io/vega/) into SVG when the report is
 * written, so the page itself carries no script and needs no network.
 *
 * Why Vega: it is a maintained, declarative grammar (scales, axes, legends, time ticks) whose
 * View renders headless to an SVG string in Node (`view.toSVG()`, no canvas, no DOM), and it has no
 * install script. The alternatives inline a script into every report: uPlot (about 50 kB) and
 * Chart.js (about 200 kB) draw on a canvas, so a Gantt of groups and its markers would be drawn by
 * hand in plugins and a test could not count the bars; ECharts' SVG renderer weighs a megabyte;
 * vega-lite would be shorter to write but wants Node 22. Vega is loaded only when a report is
 * written, so other commands do not pay for it.
 */
import type { RunPicture } from "./run-picture";

/** Colours by outcome, as the report's badges use them. */
export const OUTCOME_COLOURS: Record<string, string> = {
  UPGRADED: "#1a7f37",
  SUCCEEDED: "#1a7f37",
  PLANNED: "#0969da",
  ROLLED_BACK: "#9a6700",
  SKIPPED: "#6e7781",
  NOT_STARTED: "#6e7781",
  RUNNING: "#0969da",
  WAITING: "#0969da",
  FAILED: "#cf222e",
  ABORTED: "#cf222e",
};

const WIDTH = 760;
const TIME_AXIS = { orient: "bottom", scale: "x", format: "%H:%M", formatType: "utc", title: "UTC" };

const shorten = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** A Vega spec of the waves and groups over time, checkpoints and regressions marked. */
export function timelineSpec(picture: RunPicture): object {
  const rowLabel = (r: { group: string; wave: string }) => (r.wave ? `${r.wave} · ${r.group}` : r.group);
  const label = new Map(picture.rows.map((r) => [r.group, rowLabel(r)]));
  const outcomes = [...new Set(picture.rows.map((r) => r.outcome))];
  const time = (ms: number) => ms;
  return {
    $schema: "https://vega.github.io/schema/vega/v6.json",
    width: WIDTH,
    height: Math.max(60, picture.rows.length * 26),
    padding: 8,
    background: "white",
    data: [
      {
        name: "spans",
        values: picture.spans.map((s) => ({
          row: label.get(s.group),
          outcome: s.outcome,
          start: time(s.startMs),
          end: time(Math.max(s.endMs, s.startMs + 1)),
          group: s.group,
        })),
      },
      {
        name: "checkpoints",
        values: picture.checkpoints.map((c) => ({
          row: label.get(c.group),
          at: time(c.atMs),
          text: `${c.percent}%`,
        })),
      },
      {
        name: "regressions",
        values: picture.regressions.map((r) => ({
          row: label.get(r.group),
          at: time(r.atMs),
          text: shorten(`${r.group} regressed at ${r.percent}%: ${r.reason}`, 90),
        })),
      },
    ],
    scales: [
      { name: "x", type: "utc", domain: [picture.startMs, picture.endMs], range: "width", nice: false },
      {
        name: "y",
        type: "band",
        domain: picture.rows.map(rowLabel),
        range: "height",
        padding: 0.25,
      },
      {
        name: "colour",
        type: "ordinal",
        domain: outcomes,
        range: outcomes.map((o) => OUTCOME_COLOURS[o] ?? "#6e7781"),
      },
    ],
    axes: [
      { ...TIME_AXIS, grid: true, gridOpacity: 0.3 },
      { orient: "left", scale: "y", labelLimit: 220 },
    ],
    legends: [{ fill: "colour", title: "outcome", orient: "right" }],
    marks: [
      {
        type: "rect",
        name: "group-bars",
        from: { data: "spans" },
        encode: {
          enter: {
            x: { scale: "x", field: "start" },
            x2: { scale: "x", field: "end" },
            y: { scale: "y", field: "row" },
            height: { scale: "y", band: 1 },
            fill: { scale: "colour", field: "outcome" },
            cornerRadius: { value: 3 },
            tooltip: { signal: "datum.group + ': ' + datum.outcome" },
          },
        },
      },
      {
        type: "symbol",
        name: "checkpoint-marks",
        from: { data: "checkpoints" },
        encode: {
          enter: {
            x: { scale: "x", field: "at" },
            y: { scale: "y", field: "row", band: 0.5 },
            shape: { value: "diamond" },
            size: { value: 70 },
            fill: { value: "white" },
            stroke: { value: "#1f2328" },
            tooltip: { signal: "'checkpoint ' + datum.text" },
          },
        },
      },
      {
        type: "text",
        name: "checkpoint-labels",
        from: { data: "checkpoints" },
        encode: {
          enter: {
            x: { scale: "x", field: "at" },
            y: { scale: "y", field: "row" },
            dy: { value: -2 },
            align: { value: "center" },
            fontSize: { value: 9 },
            fill: { value: "#1f2328" },
            text: { field: "text" },
          },
        },
      },
      {
        type: "rule",
        name: "regression-rules",
        from: { data: "regressions" },
        encode: {
          enter: {
            x: { scale: "x", field: "at" },
            y: { value: 0 },
            y2: { signal: "height" },
            stroke: { value: "#cf222e" },
            strokeWidth: { value: 2 },
            strokeDash: { value: [4, 3] },
            tooltip: { field: "text" },
          },
        },
      },
      {
        type: "symbol",
        name: "regression-marks",
        from: { data: "regressions" },
        encode: {
          enter: {
            x: { scale: "x", field: "at" },
            y: { scale: "y", field: "row", band: 0.5 },
            shape: { value: "cross" },
            size: { value: 160 },
            fill: { value: "#cf222e" },
            tooltip: { field: "text" },
          },
        },
      },
      {
        type: "text",
        name: "regression-labels",
        from: { data: "regressions" },
        encode: {
          enter: {
            x: { scale: "x", field: "at" },
            // Written on the side of the line with more room.
            dx: { signal: "scale('x', datum.at) > width / 2 ? -6 : 6" },
            align: { signal: "scale('x', datum.at) > width / 2 ? 'right' : 'left'" },
            y: { signal: "height" },
            dy: { value: -6 },
            fill: { value: "#cf222e" },
            fontSize: { value: 11 },
            fontWeight: { value: "bold" },
            text: { field: "text" },
          },
        },
      },
    ],
  };
}

/** A Vega spec of the fleet's in-service capacity and its share on the new image, over time. */
export function fleetSpec(picture: RunPicture): object {
  const values = picture.fleet.flatMap((s) => [
    { at: s.atMs, series: "in service (% of desired)", value: s.inServicePercent },
    { at: s.atMs, series: "on the new image (%)", value: s.newImagePercent },
  ]);
  const top = Math.max(100, ...picture.fleet.map((s) => s.inServicePercent));
  return {
    $schema: "https://vega.github.io/schema/vega/v6.json",
    width: WIDTH,
    height: 180,
    padding: 8,
    background: "white",
    data: [{ name: "fleet", values }],
    scales: [
      { name: "x", type: "utc", domain: [picture.startMs, picture.endMs], range: "width", nice: false },
      { name: "y", type: "linear", domain: [0, Math.ceil(top / 10) * 10 + 10], range: "height", nice: true },
      {
        name: "colour",
        type: "ordinal",
        domain: ["in service (% of desired)", "on the new image (%)"],
        range: ["#0969da", "#1a7f37"],
      },
    ],
    axes: [
      { ...TIME_AXIS },
      { orient: "left", scale: "y", grid: true, gridOpacity: 0.3, title: "% of the fleet" },
    ],
    legends: [{ stroke: "colour", title: "fleet", orient: "right", symbolType: "stroke", labelLimit: 240 }],
    marks: [
      {
        type: "group",
        from: { facet: { name: "series", data: "fleet", groupby: "series" } },
        marks: [
          {
            type: "line",
            name: "fleet-lines",
            from: { data: "series" },
            encode: {
              enter: {
                x: { scale: "x", field: "at" },
                y: { scale: "y", field: "value" },
                stroke: { scale: "colour", field: "series" },
                strokeWidth: { value: 2 },
                interpolate: { value: "step-after" },
              },
            },
          },
        ],
      },
    ],
  };
}

/** Renders a Vega spec to an SVG string, headless. */
export async function renderSvg(spec: object): Promise<string> {
  const vega = await import("vega");
  const view = new vega.View(vega.parse(spec as Parameters<typeof vega.parse>[0]), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
