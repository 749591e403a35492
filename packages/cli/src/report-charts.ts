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

/** What every chart of the report shares: the frame, and time across it (UTC) from start to end. */
function baseSpec(picture: RunPicture, height: number) {
  return {
    $schema: "https://vega.github.io/schema/vega/v6.json",
    width: WIDTH,
    height,
    padding: 8,
    background: "white",
    timeScale: {
      name: "x",
      type: "utc",
      domain: [picture.startMs, picture.endMs],
      range: "width",
      nice: false,
    },
  };
}

/** A symbol at a moment (`at`) on a group's row (`row`) of the timeline. */
function markAt(name: string, data: string, look: Record<string, unknown>, tooltip: object): object {
  const enter: Record<string, unknown> = {
    x: { scale: "x", field: "at" },
    y: { scale: "y", field: "row", band: 0.5 },
    tooltip,
  };
  for (const [key, value] of Object.entries(look)) enter[key] = { value };
  return { type: "symbol", name, from: { data }, encode: { enter } };
}

/** A text label at a moment (`at`), its `text` field, in the given colour and size. */
function labelAt(name: string, data: string, fill: string, fontSize: number, place: object): object {
  return {
    type: "text",
    name,
    from: { data },
    encode: {
      enter: {
        x: { scale: "x", field: "at" },
        fill: { value: fill },
        fontSize: { value: fontSize },
        text: { field: "text" },
        ...place,
      },
    },
  };
}

const shorten = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** A Vega spec of the waves and groups over time, checkpoints and regressions marked. */
export function timelineSpec(picture: RunPicture): object {
  const rowLabel = (r: { group: string; wave: string }) => (r.wave ? `${r.wave} · ${r.group}` : r.group);
  const label = new Map(picture.rows.map((r) => [r.group, rowLabel(r)]));
  const outcomes = [...new Set(picture.rows.map((r) => r.outcome))];
  const time = (ms: number) => ms;
  const { timeScale, ...base } = baseSpec(picture, Math.max(60, picture.rows.length * 26));
  return {
    ...base,
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
      timeScale,
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
      markAt(
        "checkpoint-marks",
        "checkpoints",
        { shape: "diamond", size: 70, fill: "white", stroke: "#1f2328" },
        { signal: "'checkpoint ' + datum.text" },
      ),
      labelAt("checkpoint-labels", "checkpoints", "#1f2328", 9, {
        y: { scale: "y", field: "row" },
        dy: { value: -2 },
        align: { value: "center" },
      }),
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
      markAt(
        "regression-marks",
        "regressions",
        { shape: "cross", size: 160, fill: "#cf222e" },
        { field: "text" },
      ),
      labelAt("regression-labels", "regressions", "#cf222e", 11, {
        // Written on the side of the line with more room.
        dx: { signal: "scale('x', datum.at) > width / 2 ? -6 : 6" },
        align: { signal: "scale('x', datum.at) > width / 2 ? 'right' : 'left'" },
        y: { signal: "height" },
        dy: { value: -6 },
        fontWeight: { value: "bold" },
      }),
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
  const { timeScale, ...base } = baseSpec(picture, 180);
  return {
    ...base,
    data: [{ name: "fleet", values }],
    scales: [
      timeScale,
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
