import { formatAnalysisEntry, type RunResult } from "@fleet-upgrade/core";
import { fleetSpec, OUTCOME_COLOURS, renderSvg, timelineSpec } from "./report-charts";
import type { RunPicture } from "./run-picture";

/** Charts rendered beforehand (SVG markup), see {@link renderRunReport}. */
export interface ReportCharts {
  timeline?: string;
  fleet?: string;
  /** What the timeline marks, in words, for readers without the picture. */
  regressions?: string[];
}

const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );

function badge(status: string): string {
  const colour = OUTCOME_COLOURS[status] ?? "#6e7781";
  return `<span class="badge" style="background:${colour}">${escapeHtml(status)}</span>`;
}

function table(head: string[], rows: string[][]): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const trs = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("\n");
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${trs}\n</tbody></table>`;
}

/**
 * A self-contained HTML page of a run: status and reason, target images, inventory, waves, one row
 * per group, metrics, and the progress lines as they happened. Everything from the run is escaped.
 */
export function renderHtmlReport(
  result: RunResult,
  progress: string[] = [],
  charts: ReportCharts = {},
): string {
  const e = (value: unknown) => escapeHtml(value === null || value === undefined ? "-" : String(value));
  const images = table(
    ["architecture", "public AL2023 image", "image rolled out"],
    result.target.images.map((i) => [e(i.architecture), e(i.sourceImageId), e(i.imageId)]),
  );
  const waves = table(
    ["wave", "status", "groups"],
    result.waves.map((w) => [e(w.name), badge(w.status), e(w.groups.join(", "))]),
  );
  const groups = table(
    [
      "group",
      "wave",
      "outcome",
      "from",
      "to",
      "launch template",
      "min healthy",
      "refreshes",
      "reason and notes",
    ],
    result.groups.map((g) => [
      e(g.name),
      e(g.wave || "-"),
      badge(g.outcome),
      e(g.fromImageId),
      e(g.toImageId),
      `${e(g.launchTemplateVersion.from)} &rarr; ${e(g.launchTemplateVersion.to)}`,
      g.minHealthyPercentObserved === null ? "-" : `${e(g.minHealthyPercentObserved)}%`,
      e(g.instanceRefreshIds.length),
      [g.reason, ...(g.notes ?? [])]
        .filter(Boolean)
        .map((line) => e(line))
        .join("<br>"),
    ]),
  );
  const platforms = Object.entries(result.inventory.byPlatform)
    .map(([p, n]) => `${e(n)} ${e(p)}`)
    .join(", ");
  const findings = findingsOf(result).map((f) => `<li>${e(f)}</li>`);
  const picture =
    charts.timeline || charts.fleet
      ? `<h2>Timeline</h2>
<p class="legend">One bar per group from the start to the end of its instance refresh, coloured by outcome;
&#9671; a checkpoint (percent replaced); the red line the moment of a regression, with its reason.</p>
<figure id="timeline">${charts.timeline ?? ""}</figure>
${(charts.regressions ?? []).map((r) => `<p class="regression">${e(r)}</p>`).join("\n")}
<h2>Fleet over time</h2>
<p class="legend">In-service healthy instances of the run's groups as a percent of their desired capacity, and the share already on the new image.</p>
<figure id="fleet">${charts.fleet ?? ""}</figure>`
      : "";
  const m = result.metrics;
  const calls = Object.entries(m.apiCalls)
    .map(([op, n]) => `<li><code>${e(op)}</code> ${e(n)}</li>`)
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>fleet-upgrade run ${e(result.runId)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1f2328}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}th,td{border:1px solid #d0d7de;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}.badge{color:#fff;border-radius:1em;padding:.1rem .6rem;font-size:12px}
pre{background:#f6f8fa;padding:1rem;overflow:auto;max-height:30rem}
figure{margin:.5rem 0 1rem}figure svg{max-width:100%;height:auto}.legend{color:#57606a;font-size:13px}
.regression{color:#cf222e;font-weight:600}
</style></head><body>
<h1>Run <code>${e(result.runId)}</code> ${badge(result.status)}</h1>
<p>${e(result.reason)}</p>
<p>Started ${e(result.startedAt)}, ended ${e(result.endedAt)}. Request reason: ${e(result.request.reason)}.</p>
<h2>Target</h2><p>AL2023 kernel ${e(result.target.kernel)} (${e(result.target.kernelVersion)})</p>${images}
<h2>Inventory</h2><p>${e(result.inventory.groups)} groups, ${e(result.inventory.instances)} instances: ${platforms}</p>
${picture}
${findings.length > 0 ? `<h2>Readiness and analysis</h2><ul id="findings">${findings.join("")}</ul>` : ""}
<h2>Waves</h2>${waves}
<h2>Groups</h2>${groups}
<h2>Metrics</h2><p>simulated ${e(m.virtualSeconds)} s against a lower bound of ${e(m.lowerBoundSeconds)} s; ${e(m.stateTransitions)} state transitions</p><ul>${calls}</ul>
${progress.length > 0 ? `<h2>Progress</h2><pre>${progress.map((line) => e(line)).join("\n")}</pre>` : ""}
</body></html>
`;
}

/**
 * The findings worth reading beside the picture: each readiness entry that is not READY (its level,
 * code, message and remedy), each group's notes, and every judgement of the regression judge.
 */
function findingsOf(result: RunResult): string[] {
  const lines: string[] = [];
  for (const entry of result.readiness ?? []) {
    for (const f of entry.findings)
      lines.push(`${entry.group ?? "run"}: ${entry.level} ${f.code}: ${f.message} (${f.remedy})`);
  }
  for (const g of result.groups) {
    for (const note of g.notes ?? []) lines.push(`${g.name}: ${note}`);
    for (const entry of g.analysis ?? []) lines.push(`${g.name}: ${formatAnalysisEntry(entry)}`);
  }
  return lines;
}

/** The HTML report with its pictures: the timeline of groups and the fleet over time, as SVG. */
export async function renderRunReport(
  result: RunResult,
  progress: string[],
  picture: RunPicture,
): Promise<string> {
  const [timeline, fleet] = await Promise.all([
    picture.spans.length > 0 ? renderSvg(timelineSpec(picture)) : Promise.resolve(undefined),
    picture.fleet.length > 0 ? renderSvg(fleetSpec(picture)) : Promise.resolve(undefined),
  ]);
  const at = (ms: number) => new Date(ms).toISOString().slice(11, 19);
  return renderHtmlReport(result, progress, {
    ...(timeline !== undefined && { timeline }),
    ...(fleet !== undefined && { fleet }),
    regressions: picture.regressions.map(
      (r) => `${at(r.atMs)} UTC: ${r.group} regressed at ${r.percent}% replaced: ${r.reason}`,
    ),
  });
}
