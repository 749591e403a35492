import { checkGroupHealth } from "../health-support";
import { lambdaHandler, type Task } from "../lambda";
import { type WaveState, WaveStateSchema } from "../state";
import { loadRun } from "./run-request";

/** Longest single wait between two looks at a baking wave. */
const LOOK_EVERY_SECONDS = 300;

/**
 * Watches a finished wave for `bakeSeconds` before the next one starts: every upgraded group's
 * health (alarms, targets, Auto Scaling, SSM), looked at every few minutes. A regression halts the
 * run, so later waves never start, and the rollback scope decides what reverts.
 */
export const bakeWaveTask: Task<unknown, WaveState> = async (event, deps) => {
  const state = WaveStateSchema.parse(event);
  const { run, request } = await loadRun(deps, state.runId);
  const remaining = state.bake?.remainingSeconds ?? state.bakeSeconds ?? 0;
  const wave = run.waves[state.wave.index];
  if (wave && !run.halt) {
    for (const name of wave.groups) {
      const progress = await deps.ledger.getProgress(state.runId, name);
      if (progress.outcome !== "UPGRADED") continue;
      const group = await deps.ledger.getGroup(state.runId, name);
      const verdict = await checkGroupHealth(deps, request, group, progress.launchTemplateVersion.to);
      if (verdict.healthy) continue;
      const reason = `group ${name} while wave ${wave.name} baked: ${verdict.verdict}`;
      await deps.ledger.updateRun(state.runId, (r) => ({
        ...r,
        halt: r.halt ?? { status: "ROLLED_BACK", reason },
      }));
      await deps.ledger.putProgress(state.runId, [{ ...progress, regressed: true, reason: verdict.verdict }]);
      deps.logger.warn("regression while baking", { group: name, verdict: verdict.verdict });
      return { ...state, bake: { done: true, waitSeconds: 0, remainingSeconds: 0 } };
    }
  }
  if (remaining <= 0 || run.halt)
    return { ...state, bake: { done: true, waitSeconds: 0, remainingSeconds: 0 } };
  const wait = Math.min(remaining, LOOK_EVERY_SECONDS);
  return { ...state, bake: { done: false, waitSeconds: wait, remainingSeconds: remaining - wait } };
};

export const handler = lambdaHandler("bakeWave", bakeWaveTask);
