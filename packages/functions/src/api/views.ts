// Over 300 lines: the run, run list and fleet views with their text and Slack forms, kept together so they agree.
/**
 * What the status API shows, as data and as chat-ready text: a run's progress (wave n of m, groups
 * done and failing), the recent runs, the fleet. The JSON answers and the text answers (plain text
 * and Slack) are built from the same views, so they never disagree.
 */
import {
  formatAnalysisEntry,
  type InventorySummary,
  type RunRecord,
  type RunResult,
} from "@fleet-upgrade/core";
import { durationText, liveLines, liveRows } from "./live-text";

/** Amazon Linux 2's end of support (the last day supported). */
export const AL2_END_OF_SUPPORT = "2026-06-30";

const SETTLED = new Set(["UPGRADED", "ROLLED_BACK", "SKIPPED", "FAILED"]);
const FAILING = new Set(["ROLLED_BACK", "FAILED"]);

/** Where a run stands: the wave it is in (or last finished) and its groups' tally. */
export interface RunProgress {
  /** null before the waves are planned. */
  wave: { number: number; of: number; name: string } | null;
  groups: { total: number; done: number; upgraded: number; failing: number; running: number };
  /** Groups rolled back or failed, with why. */
  failing: { name: string; outcome: string; reason: string | null }[];
}

interface ProgressInput {
  waves: ReadonlyArray<{ name: string; status: string; groups: ReadonlyArray<string> }>;
  groups: ReadonlyArray<{ name: string; outcome: string; reason?: string | null | undefined }>;
}

/** Progress from a run's waves and groups (a run result, or a run record with its group progress). */
export function progressOf(run: ProgressInput): RunProgress {
  const { waves, groups } = run;
  let index = waves.findIndex((w) => w.status === "RUNNING");
  if (index < 0) index = waves.findLastIndex((w) => w.status !== "NOT_STARTED");
  const current = index >= 0 ? waves[index] : undefined;
  const planned = waves.reduce((sum, w) => sum + w.groups.length, 0);
  const failing = groups
    .filter((g) => FAILING.has(g.outcome))
    .map((g) => ({ name: g.name, outcome: g.outcome, reason: g.reason ?? null }));
  return {
    wave: current
      ? { number: index + 1, of: waves.length, name: current.name }
      : waves[0]
        ? { number: 0, of: waves.length, name: waves[0].name }
        : null,
    groups: {
      total: Math.max(planned, groups.length),
      done: groups.filter((g) => SETTLED.has(g.outcome)).length,
      upgraded: groups.filter((g) => g.outcome === "UPGRADED").length,
      failing: failing.length,
      running: groups.filter((g) => g.outcome === "RUNNING").length,
    },
    failing,
  };
}

/** One line of `GET /runs`. */
export interface RunListItem {
  runId: string;
  status: RunRecord["status"];
  startedAt: string;
  endedAt: string | null;
  reason: string;
  progress: RunProgress;
}

/** `GET /fleet`: the newest inventory and the AL2 deadline. */
export interface FleetView {
  /** The run whose inventory this is; null when no run has inventoried the fleet yet. */
  runId: string | null;
  /** When that run started (its inventory is taken then). */
  inventoriedAt: string | null;
  /** Every count below is null until a run has inventoried the fleet: never a count not known. */
  groups: number | null;
  instances: number | null;
  byPlatform: Record<string, number> | null;
  byKernel: Record<string, number> | null;
  architectures: string[] | null;
  /** Instances reporting "Amazon Linux 2" at that inventory. */
  al2Instances: number | null;
  /** Groups the run did not target that still run AL2 ("still on AL2 and not managed"); null before any inventory. */
  untargetedAl2: { group: string; instances: number }[] | null;
  al2EndOfSupport: string;
  /** Whole days from today (UTC) to the end of support; negative once it has passed. */
  daysToAl2EndOfSupport: number;
}

const DAY_MS = 86_400_000;

/** Days from `now`'s UTC date to `day` (YYYY-MM-DD): 0 on the day itself, -1 the day after. */
export function daysUntil(day: string, now: Date): number {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Math.round((Date.parse(`${day}T00:00:00Z`) - today) / DAY_MS);
}

export function fleetView(
  source: { runId: string; startedAt: string; inventory: InventorySummary } | null,
  now: Date,
): FleetView {
  const inventory = source?.inventory;
  return {
    runId: source?.runId ?? null,
    inventoriedAt: source?.startedAt ?? null,
    groups: inventory?.groups ?? null,
    instances: inventory?.instances ?? null,
    byPlatform: inventory?.byPlatform ?? null,
    byKernel: inventory?.byKernel ?? null,
    architectures: inventory?.architectures ?? null,
    // Known zero once inventoried: a platform nobody runs is absent from byPlatform.
    al2Instances: inventory ? (inventory.byPlatform["Amazon Linux 2"] ?? 0) : null,
    untargetedAl2: inventory
      ? (inventory.untargeted ?? []).flatMap((u) => {
          const al2 = u.platforms["Amazon Linux 2"] ?? 0;
          return al2 > 0 ? [{ group: u.group, instances: al2 }] : [];
        })
      : null,
    al2EndOfSupport: AL2_END_OF_SUPPORT,
    daysToAl2EndOfSupport: daysUntil(AL2_END_OF_SUPPORT, now),
  };
}

// ---- text ------------------------------------------------------------------------------------

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

export function deadlineText(days: number): string {
  if (days > 0) return `AL2 end of support (${AL2_END_OF_SUPPORT}) is in ${plural(days, "day")}`;
  if (days === 0) return `AL2 end of support (${AL2_END_OF_SUPPORT}) is today`;
  return `AL2 end of support (${AL2_END_OF_SUPPORT}) ended ${plural(-days, "day")} ago`;
}

function counts(record: Record<string, number>): string {
  const entries = Object.entries(record).sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  return entries.length === 0 ? "none" : entries.map(([k, n]) => `${k} ${n}`).join(", ");
}

export function fleetText(view: FleetView): string {
  if (view.runId === null || view.groups === null || view.instances === null) {
    return [
      "no inventory yet: no run has inventoried the fleet, so how many groups and instances it has " +
        "(and how many still run AL2) is unknown. Start a dry run to take one " +
        '(POST /runs with {"dryRun": true}).',
      deadlineText(view.daysToAl2EndOfSupport),
    ].join("\n");
  }
  return [
    `fleet as of run ${view.runId} (${view.inventoriedAt}): ${plural(view.groups, "group")}, ${plural(view.instances, "instance")}`,
    `by platform: ${counts(view.byPlatform ?? {})}`,
    `by kernel: ${counts(view.byKernel ?? {})}`,
    `AL2 still running: ${plural(view.al2Instances ?? 0, "instance")}; ${deadlineText(view.daysToAl2EndOfSupport)}`,
    ...((view.untargetedAl2 ?? []).length > 0
      ? [
          `still on AL2 and not managed: ${(view.untargetedAl2 ?? [])
            .map((u) => `${u.group} (${plural(u.instances, "instance")})`)
            .join(", ")}`,
        ]
      : []),
  ].join("\n");
}

/** "wave 2 of 3 (early)", or what stands in for it before and between waves. */
export function waveText(status: string, progress: RunProgress): string {
  const wave = progress.wave;
  if (!wave) return "waves not planned yet";
  if (wave.number === 0) return `no wave started yet (${wave.of} planned)`;
  if (status === "WAITING")
    return `waiting for approval after wave ${wave.number} of ${wave.of} (${wave.name})`;
  return `wave ${wave.number} of ${wave.of} (${wave.name})`;
}

export function groupsText(progress: RunProgress): string {
  const g = progress.groups;
  const parts = [`${g.done} of ${plural(g.total, "group")} done`, `${g.upgraded} upgraded`];
  if (g.failing > 0) parts.push(`${g.failing} failing`);
  if (g.running > 0) parts.push(`${g.running} running`);
  return parts.join(", ");
}

/** The short summary of one run: status, wave n of m, groups done and failing, the reason. */
export function runText(
  result: Pick<RunResult, "runId" | "status" | "reason" | "waves" | "groups"> &
    Partial<Pick<RunResult, "estimate">>,
): string {
  const progress = progressOf(result);
  const lines = [
    `run ${result.runId}: ${result.status}, ${waveText(result.status, progress)}`,
    `groups: ${groupsText(progress)}`,
  ];
  for (const f of progress.failing.slice(0, 5))
    lines.push(`  ${f.name} ${f.outcome}${f.reason ? `: ${f.reason}` : ""}`);
  if (progress.failing.length > 5) lines.push(`  ... and ${progress.failing.length - 5} more`);
  lines.push(...liveLines(result.groups));
  lines.push(...analysisText(result.groups));
  if (result.estimate !== undefined && (result.status === "RUNNING" || result.status === "WAITING"))
    lines.push(`time left: about ${durationText(result.estimate.seconds)}`);
  else if (result.estimate !== undefined && result.status === "PLANNED")
    lines.push(`estimated duration: about ${durationText(result.estimate.seconds)}`);
  lines.push(`reason: ${result.reason}`);
  return lines.join("\n");
}

/**
 * The regression judge's judgements in a few lines: a tally, then every FAIL (the first five), or,
 * without a FAIL, each judged group's latest judgement (the first five groups). Nothing when none.
 */
export function analysisText(groups: RunResult["groups"]): string[] {
  const judged = groups.filter((g) => (g.analysis ?? []).length > 0);
  if (judged.length === 0) return [];
  const all = judged.flatMap((g) => (g.analysis ?? []).map((entry) => ({ group: g.name, entry })));
  const count = (verdict: string) => all.filter((a) => a.entry.verdict === verdict).length;
  const lines = [
    `regression judge: ${plural(all.length, "judgement")} (${count("FAIL")} FAIL, ${count("INCONCLUSIVE")} INCONCLUSIVE, ${count("PASS")} PASS)`,
  ];
  const fails = all.filter((a) => a.entry.verdict === "FAIL");
  const shown =
    fails.length > 0
      ? fails
      : judged.map((g) => ({ group: g.name, entry: (g.analysis ?? [])[(g.analysis ?? []).length - 1] }));
  for (const { group, entry } of shown.slice(0, 5))
    if (entry) lines.push(`  ${group} ${formatAnalysisEntry(entry)}`);
  if (shown.length > 5) lines.push(`  ... and ${shown.length - 5} more`);
  return lines;
}

export function runListText(runs: ReadonlyArray<RunListItem>): string {
  if (runs.length === 0) return "no runs yet";
  const lines = [`${plural(runs.length, "recent run")}, newest first:`];
  for (const run of runs) {
    lines.push(
      `${run.runId}  ${run.status}  started ${run.startedAt}  ${waveText(run.status, run.progress)}; ` +
        `${groupsText(run.progress)}; ${run.reason}`,
    );
  }
  return lines.join("\n");
}

// ---- Slack -----------------------------------------------------------------------------------

/** Slack's mrkdwn needs &, < and > escaped; nothing else. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export interface SlackMessage {
  response_type: "ephemeral" | "in_channel";
  /** The plain-text fallback (notifications, clients without blocks). */
  text: string;
  blocks: unknown[];
}

/** A Slack user as a mention, which Slack shows as the user's name (and links to the profile). */
export const slackMention = (userId: string) => `<@${userId}>`;

/** Escapes for mrkdwn but keeps user mentions (`<@U…>`), which Slack renders as names. */
function mrkdwn(text: string): string {
  return escapeMrkdwn(text).replace(/&lt;@([UW][A-Z0-9]{1,20})&gt;/g, "<@$1>");
}

/** One Block Kit section: a text, label/value fields (shown two columns wide), or both. */
export interface SlackSection {
  text?: string;
  fields?: ReadonlyArray<readonly [label: string, value: string]>;
}

// Block Kit limits (api.slack.com/reference/block-kit/blocks#section): at most 10 fields of 2,000
// characters each, a section text of 3,000, and 50 blocks in a message.
const MAX_FIELDS = 10;
const MAX_FIELD_CHARS = 2000;
const MAX_BLOCKS = 50;

function sectionBlock(section: SlackSection): unknown {
  const block: Record<string, unknown> = { type: "section" };
  if (section.text !== undefined) block.text = { type: "mrkdwn", text: mrkdwn(section.text).slice(0, 2900) };
  if (section.fields && section.fields.length > 0)
    block.fields = section.fields.slice(0, MAX_FIELDS).map(([label, value]) => ({
      type: "mrkdwn",
      text: `*${mrkdwn(label)}*\n${mrkdwn(value)}`.slice(0, MAX_FIELD_CHARS),
    }));
  return block;
}

/**
 * A Block Kit message: the first line of the text as its header, then the sections (fields rather
 * than space-aligned tables, which misalign in Slack's font); without sections, the rest of the text.
 * The text stays as the plain fallback Slack needs for notifications.
 */
export function slackMessage(
  text: string,
  responseType: SlackMessage["response_type"],
  sections: ReadonlyArray<SlackSection> = [],
): SlackMessage {
  const [first = "", ...rest] = text.split("\n");
  const blocks: unknown[] = [{ type: "section", text: { type: "mrkdwn", text: `*${mrkdwn(first)}*` } }];
  if (sections.length > 0) {
    for (const section of sections.slice(0, MAX_BLOCKS - 1)) blocks.push(sectionBlock(section));
    return { response_type: responseType, text, blocks };
  }
  // A section's text holds at most 3,000 characters.
  const body = rest.join("\n");
  for (let i = 0; i < body.length && blocks.length < 40; i += 2900) {
    blocks.push({ type: "section", text: { type: "mrkdwn", text: mrkdwn(body.slice(i, i + 2900)) } });
  }
  return { response_type: responseType, text, blocks };
}

/** One run in fields: status, wave, groups, time left, reason; failing groups and judgements below. */
export function runSections(
  result: Pick<RunResult, "runId" | "status" | "reason" | "waves" | "groups"> &
    Partial<Pick<RunResult, "estimate">>,
): SlackSection[] {
  const progress = progressOf(result);
  const fields: [string, string][] = [
    ["Status", result.status],
    ["Wave", waveText(result.status, progress)],
    ["Groups", groupsText(progress)],
  ];
  if (result.estimate !== undefined && (result.status === "RUNNING" || result.status === "WAITING"))
    fields.push(["Time left", `about ${durationText(result.estimate.seconds)}`]);
  fields.push(["Reason", result.reason]);
  const sections: SlackSection[] = [{ fields }];
  const failing = progress.failing
    .slice(0, 5)
    .map((f) => [f.name, `${f.outcome}${f.reason ? `: ${f.reason}` : ""}`] as const);
  if (failing.length > 0) sections.push({ text: "Failing groups", fields: failing });
  const running = liveRows(result.groups);
  if (running.length > 0) sections.push({ text: "Running groups", fields: running });
  const analysis = analysisText(result.groups);
  if (analysis.length > 0) sections.push({ text: analysis.join("\n") });
  return sections;
}

/** The recent runs, one section of fields each. */
export function runListSections(runs: ReadonlyArray<RunListItem>): SlackSection[] {
  return runs.map((run) => ({
    fields: [
      ["Run", run.runId],
      ["Status", run.status],
      ["Started", run.startedAt],
      ["Progress", `${waveText(run.status, run.progress)}; ${groupsText(run.progress)}`],
      ["Reason", run.reason],
    ],
  }));
}

/** The inventory summary: AL2 instances left and the days to (or since) AL2's end of support first. */
export function fleetSections(view: FleetView): SlackSection[] {
  const days = view.daysToAl2EndOfSupport;
  const deadline =
    days > 0 ? `${plural(days, "day")} left` : days === 0 ? "today" : `ended ${plural(-days, "day")} ago`;
  const fields: [string, string][] = [
    [
      "AL2 instances left",
      view.al2Instances === null ? "unknown (no inventory yet)" : String(view.al2Instances),
    ],
    [`AL2 end of support (${view.al2EndOfSupport})`, deadline],
  ];
  if (view.groups !== null && view.instances !== null) {
    fields.push(["Groups", String(view.groups)], ["Instances", String(view.instances)]);
    fields.push(["By platform", counts(view.byPlatform ?? {})], ["By kernel", counts(view.byKernel ?? {})]);
  }
  const sections: SlackSection[] = [{ fields }];
  const untargeted = view.untargetedAl2 ?? [];
  if (untargeted.length > 0)
    sections.push({
      text: "Still on AL2 and not managed",
      fields: untargeted.map((u) => [u.group, plural(u.instances, "instance")] as const),
    });
  return sections;
}
