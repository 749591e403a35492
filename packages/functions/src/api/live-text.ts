import type { RunResult } from "@fleet-upgrade/core";

/** Running groups shown by name in a chat answer; the rest are counted. */
const SHOWN = 5;

/** "2 h 05 min", "7 min", "under a minute". */
export function durationText(seconds: number): string {
  const minutes = Math.round(seconds / 60);
  if (minutes < 1) return "under a minute";
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h === 0 ? `${m} min` : `${h} h ${String(m).padStart(2, "0")} min`;
}

type Live = NonNullable<RunResult["groups"][number]["live"]>;

/** "50% replaced, 12 min in, about 20 min left": one running group's live progress. */
export function liveText(live: Live): string {
  const inFor = live.elapsedSeconds < 60 ? "just started" : `${durationText(live.elapsedSeconds)} in`;
  const left = live.leftSeconds < 30 ? "under a minute left" : `about ${durationText(live.leftSeconds)} left`;
  return `${Math.round(live.percentReplaced)}% replaced, ${inFor}, ${left}`;
}

/** The running groups with live progress, as [name, text] pairs: the first few, then how many more. */
export function liveRows(groups: RunResult["groups"]): [string, string][] {
  const running = groups.flatMap((g) => (g.live ? [[g.name, liveText(g.live)] as [string, string]] : []));
  const rows = running.slice(0, SHOWN);
  if (running.length > SHOWN) rows.push(["...", `and ${running.length - SHOWN} more running`]);
  return rows;
}

/** The running groups as text lines under a run's summary; nothing when none runs. */
export function liveLines(groups: RunResult["groups"]): string[] {
  return liveRows(groups).map(([name, text]) => (name === "..." ? `  ... ${text}` : `  ${name}: ${text}`));
}
