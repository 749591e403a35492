import type { RunResult } from "@fleet-upgrade/core";

const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );

const OUTCOME_COLOURS: Record<string, string> = {
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
export function renderHtmlReport(result: RunResult, progress: string[] = []): string {
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
</style></head><body>
<h1>Run <code>${e(result.runId)}</code> ${badge(result.status)}</h1>
<p>${e(result.reason)}</p>
<p>Started ${e(result.startedAt)}, ended ${e(result.endedAt)}. Request reason: ${e(result.request.reason)}.</p>
<h2>Target</h2><p>AL2023 kernel ${e(result.target.kernel)} (${e(result.target.kernelVersion)})</p>${images}
<h2>Inventory</h2><p>${e(result.inventory.groups)} groups, ${e(result.inventory.instances)} instances: ${platforms}</p>
<h2>Waves</h2>${waves}
<h2>Groups</h2>${groups}
<h2>Metrics</h2><p>simulated ${e(m.virtualSeconds)} s against a lower bound of ${e(m.lowerBoundSeconds)} s; ${e(m.stateTransitions)} state transitions</p><ul>${calls}</ul>
${progress.length > 0 ? `<h2>Progress</h2><pre>${progress.map((line) => e(line)).join("\n")}</pre>` : ""}
</body></html>
`;
}
