import { judgeHealth } from "@fleet-upgrade/core";
import { alarmsOf } from "../group-support";
import { lambdaHandler, type Task } from "../lambda";
import { type WaveState, WaveStateSchema } from "../state";
import { loadRun } from "./run-request";

/** Longest single wait between two looks at a baking wave. */
const LOOK_EVERY_SECONDS = 300;

/**
 * Watches a finished wave for `bakeSeconds` before the next one starts: its groups' alarms, looked
 * at every few minutes. A regression halts the run, so later waves never start.
 */
export const bakeWaveTask: Task<unknown, WaveState> = async (event, deps) => {
  const state = WaveStateSchema.parse(event);
  const { run, request } = await loadRun(deps, state.runId);
  const remaining = state.bake?.remainingSeconds ?? state.bakeSeconds ?? 0;
  const wave = run.waves[state.wave.index];
  if (wave && !run.halt) {
    const groups = await Promise.all(wave.groups.map((name) => deps.ledger.getGroup(state.runId, name)));
    const alarms = [...new Set(groups.flatMap((g) => alarmsOf(request, g)))];
    const states = alarms.length > 0 ? await deps.health.alarmStates(alarms) : {};
    const verdict = judgeHealth(
      { alarms: states, targets: {}, instanceHealth: {}, ping: {} },
      request.health,
    );
    if (!verdict.healthy) {
      await deps.ledger.updateRun(state.runId, (r) => ({
        ...r,
        halt: r.halt ?? {
          status: "ROLLED_BACK",
          reason: `wave ${wave.name} while baking: ${verdict.verdict}`,
        },
      }));
      return { ...state, bake: { done: true, waitSeconds: 0, remainingSeconds: 0 } };
    }
  }
  if (remaining <= 0 || run.halt)
    return { ...state, bake: { done: true, waitSeconds: 0, remainingSeconds: 0 } };
  const wait = Math.min(remaining, LOOK_EVERY_SECONDS);
  return { ...state, bake: { done: false, waitSeconds: wait, remainingSeconds: remaining - wait } };
};

export const handler = lambdaHandler("bakeWave", bakeWaveTask);
