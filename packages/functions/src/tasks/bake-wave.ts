import type { GroupProgress } from "@fleet-upgrade/core";
import { groupRollout, healthMonitor, metricReader } from "../runtime/adapters";
import { type Task, taskHandler } from "../runtime/lambda";
import { checkGroupHealth, judgeAfterRefresh } from "./shared/health-support";
import { loadRun } from "./shared/load-run";
import { type WaveState, WaveStateSchema } from "./shared/state";

/** Longest single wait between two looks at a baking wave. */
const LOOK_EVERY_SECONDS = 300;
const LOOK_IN_PARALLEL = 10;

/**
 * Watches a finished wave for `bakeSeconds` before the next one starts: every upgraded group's
 * health (alarms, targets, Auto Scaling, SSM) and the regression judge (its new instances against
 * its pre-upgrade figures), looked at every few minutes. A regression halts the
 * run, so later waves never start, and the rollback scope decides what reverts.
 */
export const bakeWaveTask: Task<unknown, WaveState> = async (event, deps) => {
  const state = WaveStateSchema.parse(event);
  const { run, request } = await loadRun(deps, state.runId);
  const remaining = state.bake?.remainingSeconds ?? state.bakeSeconds ?? 0;
  const wave = run.waves[state.wave.index];
  if (wave && !run.halt) {
    // Every group is looked at, ten at a time (a wave of hundreds stays well inside the task's
    // timeout), and every one that regressed is marked: with rollback scope `group`, each of them
    // is reverted, not only the first found.
    const regressed: { name: string; progress: GroupProgress; verdict: string }[] = [];
    for (let i = 0; i < wave.groups.length; i += LOOK_IN_PARALLEL) {
      const looks = await Promise.all(
        wave.groups.slice(i, i + LOOK_IN_PARALLEL).map(async (name) => {
          const progress = await deps.ledger.getProgress(state.runId, name);
          if (progress.outcome !== "UPGRADED") return null;
          const group = await deps.ledger.getGroup(state.runId, name);
          // Fails closed: a health read that errs is a regression, naming the call.
          const verdict = await checkGroupHealth(deps, request, group, progress.launchTemplateVersion.to);
          if (!verdict.healthy) return { name, progress, verdict: verdict.verdict ?? "unhealthy" };
          // The regression judge: new instances against the group's pre-upgrade figures.
          const judged = await judgeAfterRefresh(deps, request, state.runId, group, progress, "bake");
          if (judged.healthy) return null;
          return {
            name,
            progress: await deps.ledger.getProgress(state.runId, name),
            verdict: judged.verdict ?? "regressed",
          };
        }),
      );
      for (const look of looks) if (look !== null) regressed.push(look);
    }
    const [first] = regressed;
    if (first) {
      const rest = regressed.slice(1).map((r) => r.name);
      const others =
        rest.length === 0
          ? ""
          : ` (also regressed: ${rest.slice(0, 5).join(", ")}${rest.length > 5 ? ` and ${rest.length - 5} more` : ""})`;
      const reason = `group ${first.name} while wave ${wave.name} baked: ${first.verdict}${others}`;
      await deps.ledger.updateRun(state.runId, (r) => ({
        ...r,
        halt: r.halt ?? { status: "ROLLED_BACK", reason },
      }));
      await deps.ledger.putProgress(
        state.runId,
        regressed.map((r) => ({ ...r.progress, regressed: true, reason: r.verdict })),
      );
      for (const r of regressed)
        deps.logger.warn("regression while baking", { group: r.name, verdict: r.verdict });
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
