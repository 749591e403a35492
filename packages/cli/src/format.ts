import type { RunResult } from "@fleet-upgrade/core";
import type { SimulationEvent } from "@fleet-upgrade/harness";

/** `T+01:02:03`: virtual time since the run started. */
export function elapsed(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `T+${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}`;
}

const STATE_LINES: Record<string, (input: Record<string, unknown>) => string | null> = {
  ValidateRequest: () => "validating the run request",
  Inventory: () => "inventorying the fleet through SSM and Auto Scaling",
  SelectTarget: (i) => `fleet: ${i.groups} groups, ${i.instances} instances; choosing the AL2023 image`,
  Harden: (i) => `baking hardened images for ${(i.architectures as string[] | undefined)?.join(", ")}`,
  HardenDone: (i) => (typeof i.step === "string" ? `  ${i.architecture}: ${i.step}` : null),
  Plan: () => "planning waves",
  StartWave: (i) => `wave ${(i.wave as { name?: string } | undefined)?.name}: starting`,
  StartRefresh: (i) => `  ${i.group}: new launch template version, starting the instance refresh`,
  EvaluateHealth: (i) =>
    `  ${i.group}: checkpoint ${(i.event as { checkpoint?: number } | undefined)?.checkpoint}%, ${
      ((i.analysisWait as { waitSeconds?: number } | undefined)?.waitSeconds ?? 0) > 0
        ? "judging the new instances against the old"
        : "checking health"
    }`,
  RollbackGroup: (i) =>
    `  ${i.group}: ROLLING BACK (${(i.health as { verdict?: string } | undefined)?.verdict})`,
  VerifyGroup: (i) => (i.verify ? null : `  ${i.group}: refresh done, verifying new instances`),
  PollRefresh: (i) => `  ${i.group}: no event in time, polling the refresh`,
  WatchBake: (i) =>
    i.bake
      ? null
      : `wave ${(i.wave as { name?: string }).name}: baking ${i.bakeSeconds}s before the next wave`,
  EndWave: (i) => `wave ${(i.wave as { name?: string } | undefined)?.name}: done`,
  Finish: () => "writing the run result",
};

/** One line of live progress for an event, or null for events not worth a line. */
export function progressLine(event: SimulationEvent, startMs: number): string | null {
  const at = elapsed(event.atMs - startMs);
  if (event.kind === "state") {
    const line = STATE_LINES[event.state]?.((event.input ?? {}) as Record<string, unknown>);
    return line ? `${at}  ${line}` : null;
  }
  if (event.kind === "operator") return `${at}  operator: ${event.action} ${event.detail}`;
  if (event.kind === "notification") return `${at}  notified: ${event.summary}`;
  const p = event.progress;
  switch (p.kind) {
    case "instances-replaced":
      return `${at}    ${p.group}: ${p.percentComplete}% replaced (${p.replaced}/${p.desired})`;
    case "checkpoint":
      return `${at}    ${p.group}: paused at checkpoint (${p.percentComplete}%)`;
    case "refresh-succeeded":
      return `${at}    ${p.group}: instance refresh Successful`;
    case "refresh-failed":
      return `${at}    ${p.group}: instance refresh FAILED`;
    case "rollback-started":
      return `${at}    ${p.group}: rollback started`;
    case "rollback-succeeded":
      return `${at}    ${p.group}: rollback Successful`;
    case "rollback-failed":
      return `${at}    ${p.group}: rollback FAILED`;
    default:
      return null;
  }
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** The summary that ends a run: status, target, waves and one row per group. */
export function summary(result: RunResult): string {
  const lines: string[] = [];
  lines.push("");
  lines.push(`run ${result.runId}: ${result.status}`);
  lines.push(`  ${result.reason}`);
  const images = result.target.images
    .map((i) => `${i.architecture} ${i.sourceImageId} -> ${i.imageId}`)
    .join(", ");
  lines.push(
    `target: AL2023 kernel ${result.target.kernel}${result.target.kernelVersion ? ` (${result.target.kernelVersion})` : ""}; ${images || "no image"}`,
  );
  const platforms = Object.entries(result.inventory.byPlatform)
    .map(([p, n]) => `${n} ${p}`)
    .join(", ");
  lines.push(
    `inventory: ${result.inventory.groups} groups, ${result.inventory.instances} instances (${platforms})`,
  );
  lines.push(`waves: ${result.waves.map((w) => `${w.name} ${w.status} (${w.groups.length})`).join(", ")}`);
  lines.push("");
  const rows = [["GROUP", "WAVE", "OUTCOME", "IMAGE", "LT VERSION", "MIN HEALTHY", "REFRESHES", "REASON"]];
  for (const g of result.groups) {
    rows.push([
      g.name,
      g.wave || "-",
      g.outcome,
      g.outcome === "UPGRADED" ? `${g.fromImageId} -> ${g.toImageId}` : (g.fromImageId ?? "-"),
      `${g.launchTemplateVersion.from} -> ${g.launchTemplateVersion.to ?? "-"}`,
      g.minHealthyPercentObserved === null ? "-" : `${g.minHealthyPercentObserved}%`,
      String(g.instanceRefreshIds.length),
      g.reason ?? "",
    ]);
  }
  lines.push(table(rows));
  const notes = result.groups.flatMap((g) => (g.notes ?? []).map((n) => `  ${g.name}: ${n}`));
  if (notes.length > 0) lines.push("", "notes:", ...notes);
  const untargeted = result.inventory.untargeted ?? [];
  const al2 = untargeted.filter((u) => Object.keys(u.platforms).some((p) => p === "Amazon Linux 2"));
  if (al2.length > 0) {
    lines.push(
      "",
      `still on AL2 and not managed: ${al2.map((u) => `${u.group} (${u.platforms["Amazon Linux 2"]} of ${u.instances})`).join(", ")}`,
    );
  }
  if (result.readiness !== undefined) lines.push("", readinessTable(result.readiness));
  if (result.estimate !== undefined) {
    lines.push(
      "",
      `${result.status === "PLANNED" ? "estimated duration" : "estimated time left"}: ${elapsed(result.estimate.seconds * 1000).slice(2)}`,
    );
  }
  const m = result.metrics;
  if (m.virtualSeconds !== null) {
    const ratio = m.lowerBoundSeconds ? (m.virtualSeconds / m.lowerBoundSeconds).toFixed(3) : "-";
    const calls = Object.values(m.apiCalls).reduce((a, b) => a + b, 0);
    lines.push(
      "",
      `simulated ${elapsed(m.virtualSeconds * 1000).slice(2)} (lower bound ${elapsed((m.lowerBoundSeconds ?? 0) * 1000).slice(2)}, ratio ${ratio}); ${calls} API calls; ${m.stateTransitions} state transitions`,
    );
  }
  return lines.join("\n");
}

/** The preflight's readiness table (CONTRACTS.md section 4): group, level, code, message, remedy. */
export function readinessTable(readiness: NonNullable<RunResult["readiness"]>): string {
  const rows = [["GROUP", "LEVEL", "CODE", "MESSAGE", "REMEDY"]];
  for (const entry of readiness) {
    if (entry.findings.length === 0) rows.push([entry.group ?? "(run)", entry.level, "-", "", ""]);
    for (const f of entry.findings)
      rows.push([entry.group ?? "(run)", entry.level, f.code, f.message, f.remedy]);
  }
  const blocked = readiness.filter((r) => r.level === "BLOCKED").length;
  return `readiness: ${blocked === 0 ? "nothing BLOCKED" : `${blocked} BLOCKED`}\n${table(rows)}`;
}

/** True when the preflight blocked a group or the plan (a dry run and `plan` exit 1). */
export function anyBlocked(result: RunResult): boolean {
  return (result.readiness ?? []).some((r) => r.level === "BLOCKED");
}
