import { CALLS_PER_INVOCATION, type GroupProgress, pageEnd } from "@fleet-upgrade/core";
import { groupRollout, healthMonitor, metricReader } from "../runtime/adapters";
import { type Task, taskHandler } from "../runtime/lambda";
import { addFound, haltReason, lookAtGroup, lookCalls, withPageAlarms } from "./shared/bake-look";
import { loadRun } from "./shared/load-run";
import { type WaveState, WaveStateSchema } from "./shared/state";

/** Longest single wait between two looks at a baking wave. */
const LOOK_EVERY_SECONDS = 300;
const LOOK_IN_PARALLEL = 10;
/** Keys one BatchGetItem reads: a page never looks at more groups than one batch read holds. */
const GROUPS_PER_READ = 100;
/**
 * Calls of one page besides the looks: the run read, its groups' progress and records read in
 * batches, the page's alarms read (the rounding up of the looks' shares), the regressed groups'
 * progress read again and written, the halt (read, write, a retry).
 */
const BAKE_OVERHEAD_CALLS = 9;

/**
 * Watches a finished wave for `bakeSeconds` before the next one starts: every upgraded group's
 * health (alarms, targets, Auto Scaling, SSM) and the regression judge (its new instances against
 * its pre-upgrade figures), looked at every few minutes. A regression halts the run, so later
 * waves never start, and the rollback scope decides what reverts.
 *
 * One look works in pages of bounded calls (issue 11): while groups are left, the task answers
 * with a cursor and no wait, and is invoked again at once; regressions found on earlier pages
 * ride along in `bake.found` and the run halts on the last page. A small wave is one page.
 */
export const bakeWaveTask: Task<unknown, WaveState> = async (event, deps) => {
  const state = WaveStateSchema.parse(event);
  const { run, request } = await loadRun(deps, state.runId);
  const remaining = state.bake?.remainingSeconds ?? state.bakeSeconds ?? 0;
  const wave = run.waves[state.wave.index];
  if (wave && !run.halt) {
    const from = Math.min(state.bake?.cursor ?? 0, wave.groups.length);
    const budget = (deps.settings.callsPerInvocation ?? CALLS_PER_INVOCATION) - BAKE_OVERHEAD_CALLS;
    const window = wave.groups.slice(from, from + Math.min(GROUPS_PER_READ, Math.max(1, budget)));
    const progress = await deps.ledger.getProgressOf(state.runId, window);
    // A group marked regressed by an earlier attempt of this page (the task died before it
    // answered) stays regressed: it is counted again, never looked at again.
    const toLook = progress.filter((p) => p.outcome === "UPGRADED" && !p.regressed);
    const records = await deps.ledger.getGroupsNamed(
      state.runId,
      toLook.map((p) => p.name),
    );
    const record = new Map(records.map((g) => [g.name, g]));
    const costs = progress.map((p) => {
      const group = record.get(p.name);
      return group && toLook.includes(p) ? lookCalls(request, group) : 0;
    });
    const page = progress.slice(0, pageEnd(costs, 0, budget));
    const looking = await withPageAlarms(
      deps,
      request,
      page.flatMap((p) => record.get(p.name) ?? []),
    );
    // Every group of the page is looked at, ten at a time, and every one that regressed is
    // marked: with rollback scope `group`, each of them is reverted, not only the first found.
    const regressed: { progress: GroupProgress; verdict: string; judged: boolean }[] = [];
    for (let i = 0; i < page.length; i += LOOK_IN_PARALLEL) {
      const looks = await Promise.all(
        page.slice(i, i + LOOK_IN_PARALLEL).map(async (p) => {
          if (p.outcome !== "UPGRADED") return null;
          if (p.regressed) return { progress: p, verdict: p.reason ?? "regressed", judged: false };
          const group = record.get(p.name);
          const look = group ? await lookAtGroup(looking, request, state.runId, group, p) : null;
          return look ? { progress: p, ...look } : null;
        }),
      );
      for (const look of looks) if (look !== null) regressed.push(look);
    }
    const marked = regressed.filter((r) => !r.progress.regressed);
    if (marked.length > 0) {
      // The judge recorded its analysis in the progress of those it judged: write over the latest.
      const judged = marked.filter((r) => r.judged).map((r) => r.progress.name);
      const latest = new Map((await deps.ledger.getProgressOf(state.runId, judged)).map((p) => [p.name, p]));
      await deps.ledger.putProgress(
        state.runId,
        marked.map((r) => ({
          ...(latest.get(r.progress.name) ?? r.progress),
          regressed: true,
          reason: r.verdict,
        })),
      );
      for (const r of marked)
        deps.logger.warn("regression while baking", { group: r.progress.name, verdict: r.verdict });
    }
    const found = addFound(
      state.bake?.found,
      regressed.map((r) => ({ name: r.progress.name, verdict: r.verdict })),
    );
    const cursor = from + page.length;
    if (cursor < wave.groups.length) {
      return {
        ...state,
        bake: { done: false, waitSeconds: 0, remainingSeconds: remaining, cursor, ...(found && { found }) },
      };
    }
    if (found) {
      const reason = haltReason(found, wave.name);
      await deps.ledger.updateRun(state.runId, (r) => ({
        ...r,
        halt: r.halt ?? { status: "ROLLED_BACK", reason },
      }));
      return { ...state, bake: { done: true, waitSeconds: 0, remainingSeconds: 0 } };
    }
  }
  if (remaining <= 0 || run.halt)
    return { ...state, bake: { done: true, waitSeconds: 0, remainingSeconds: 0 } };
  const wait = Math.min(remaining, LOOK_EVERY_SECONDS);
  return { ...state, bake: { done: false, waitSeconds: wait, remainingSeconds: remaining - wait } };
};

export const handler = taskHandler("bakeWave", bakeWaveTask, {
  rollout: groupRollout,
  health: healthMonitor,
  metrics: metricReader,
});
