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

type Input = Record<string, unknown>;
const waveName = (i: Input) => (i.wave as { name?: string } | undefined)?.name;
const groupsOf = (i: Input) => (Array.isArray(i.groups) ? (i.groups as string[]) : []);
const percentOf = (event: unknown) =>
  (event as { percentage?: number | null } | undefined)?.percentage ?? null;

/** Lines for a state as it begins: only where beginning is itself the news. */
const ENTERED_LINES: Record<string, (input: Input) => string | null> = {
  ValidateRequest: () => "validating the run request",
  Inventory: () => "inventorying the fleet through SSM and Auto Scaling",
  SelectTarget: (i) => `fleet: ${i.groups} groups, ${i.instances} instances; choosing the AL2023 image`,
  Harden: (i) => `baking hardened images for ${(i.architectures as string[] | undefined)?.join(", ")}`,
  HardenDone: (i) => (typeof i.step === "string" ? `  ${i.architecture}: ${i.step}` : null),
  Plan: () => "planning waves",
  Finish: () => "writing the run result",
};

/** What the refresh poll found, when it found something the events had not brought. */
const FOUND: Record<string, (event: { checkpoint?: number | null }) => string> = {
  checkpoint: (e) => `checkpoint ${e.checkpoint}%`,
  succeeded: () => "the refresh Successful",
  "rolled-back": () => "the rollback Successful",
  failed: () => "the refresh failed",
  cancelled: () => "the refresh cancelled",
};

/**
 * Lines for a state once it ended, from what it passed on (its output), so each says what
 * happened rather than what was about to be tried: a skipped group never "starts" a refresh, a
 * halted wave never "starts", a bake the halt cut short is not "baking".
 */
const EXITED_LINES: Record<string, (input: Input, output: Input) => string | null> = {
  StartWave: (i, o) => {
    if (o.proceed === false) return `wave ${waveName(i)}: not started, the run halted`;
    const groups = groupsOf(o);
    return `wave ${waveName(i)}: starting ${groups.length} group${groups.length === 1 ? "" : "s"} (${groups.join(", ") || "none"})`;
  },
  StartRefresh: (i, o) => {
    if (o.phase !== "waiting") return null; // not refreshed: FinishGroup says how it ended
    return o.rollingBack === true
      ? `  ${i.group}: reverting to its previous launch template version (instance refresh ${o.instanceRefreshId})`
      : `  ${i.group}: new launch template version; instance refresh ${o.instanceRefreshId} started`;
  },
  PollRefresh: (i, o) => {
    const event = o.event as { kind?: string; checkpoint?: number | null } | undefined;
    const found = event?.kind ? FOUND[event.kind] : undefined;
    // A poll that found nothing new (or an operator's abort) is no news: the refresh goes on.
    return found && event ? `  ${i.group}: no event came in time; polling found ${found(event)}` : null;
  },
  EvaluateHealth: (i, o) => {
    const health = o.health as { healthy?: boolean; verdict?: string | null } | undefined;
    const at = `checkpoint ${o.lastCheckpoint}%`;
    const percent = percentOf(o.event);
    const where = percent === null ? at : `${at} (${percent}% replaced)`;
    const judging = ((o.analysisWait as { waitSeconds?: number } | undefined)?.waitSeconds ?? 0) > 0;
    const judged = ((i.analysisWait as { waitSeconds?: number } | undefined)?.waitSeconds ?? 0) > 0;
    if (health?.healthy === false) return `  ${i.group}: ${at}: UNHEALTHY (${health.verdict})`;
    if (judging) return `  ${i.group}: ${where}: healthy; judging the new instances against the old`;
    if (judged) return `  ${i.group}: ${at}: the new instances judged no worse than the old`;
    return `  ${i.group}: ${where}: healthy`;
  },
  RollbackGroup: (i, o) => {
    if (o.phase !== "waiting") return null; // could not revert: FinishGroup says FAILED and why
    if (i.rollingBack === true) return `  ${i.group}: cancelled refresh settled; reversing it`;
    const event = i.event as { kind?: string; reason?: string | null } | undefined;
    const health = i.health as { verdict?: string | null } | undefined;
    const why = event?.kind === "abort" ? event.reason : health?.verdict;
    return `  ${i.group}: ROLLING BACK (${why ?? "a health check failed"})`;
  },
  VerifyGroup: (i, o) => {
    if (i.rollingBack === true) return null;
    const verify = o.verify as { done?: boolean } | undefined;
    const health = o.health as { healthy?: boolean; verdict?: string | null } | undefined;
    if (verify?.done !== true) return i.verify ? null : `  ${i.group}: refresh done, verifying new instances`;
    return health?.healthy === false
      ? `  ${i.group}: verification FAILED (${health.verdict})`
      : `  ${i.group}: new instances verified`;
  },
  WatchBake: (i, o) => {
    const before = i.bake as { remainingSeconds?: number } | undefined;
    const after = o.bake as { done?: boolean } | undefined;
    if (after?.done !== true)
      return before ? null : `wave ${waveName(i)}: baking ${i.bakeSeconds}s before the next wave`;
    if (before === undefined) return `wave ${waveName(i)}: no bake, the run halted`;
    return (before.remainingSeconds ?? 0) > 0
      ? `wave ${waveName(i)}: bake stopped early, the run halted`
      : `wave ${waveName(i)}: baked ${i.bakeSeconds}s, healthy`;
  },
  EndWave: (i, o) =>
    o.mode === "revert" && i.mode !== "revert"
      ? `wave ${waveName(i)}: reverting ${groupsOf(o).length} upgraded group(s): ${groupsOf(o).join(", ")}`
      : `wave ${waveName(i)}: ${o.status}`,
  FinishGroup: (_i, o) => `  ${o.group}: ${o.outcome}`,
  GroupFailed: (_i, o) => `  ${o.group}: ${o.outcome}`,
};

/** One line of live progress for an event, or null for events not worth a line. */
export function progressLine(event: SimulationEvent, startMs: number): string | null {
  const at = elapsed(event.atMs - startMs);
  if (event.kind === "state") {
    const line = ENTERED_LINES[event.state]?.((event.input ?? {}) as Input);
    return line ? `${at}  ${line}` : null;
  }
  if (event.kind === "state-exited") {
    const line = EXITED_LINES[event.state]?.((event.input ?? {}) as Input, (event.output ?? {}) as Input);
    return line ? `${at}  ${line}` : null;
  }
  if (event.kind === "operator") return `${at}  operator: ${event.action} ${event.detail}`;
  if (event.kind === "notification") return `${at}  notified: ${event.summary}`;
  const p = event.progress;
  switch (p.kind) {
    case "instances-replaced":
      return `${at}    ${p.group}: ${p.percentComplete}% replaced (${p.replaced}/${p.desired})`;
    case "checkpoint":
      return `${at}    ${p.group}: paused at checkpoint ${p.checkpoint ?? "?"}% (${p.percentComplete}% replaced)`;
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

/**
 * What the estimate means depends on when it is read (CONTRACTS section 2): the expected duration of
 * a dry run, the time left of a live run, and for an ended run the duration the plan expected, to set
 * beside the time it took.
 */
export function estimateLine(status: RunResult["status"], seconds: number): string {
  const shown = elapsed(seconds * 1000).slice(2);
  if (status === "PLANNED") return `estimated duration: ${shown}`;
  if (status === "RUNNING" || status === "WAITING") return `estimated time left: ${shown}`;
  return `estimated duration when planned: ${shown}`;
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
  if (result.estimate !== undefined) lines.push("", estimateLine(result.status, result.estimate.seconds));
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
