import { WaveNotFoundError } from "../runtime/errors";
import { type Task, taskHandler } from "../runtime/lambda";
import { loadRun } from "./shared/load-run";
import { WaveStateSchema } from "./shared/state";

/**
 * Opens a wave, or skips it when an earlier regression or failure halted the run. Bakes only
 * between non-empty waves: after this one if a later wave has groups.
 */
export const startWaveTask: Task<unknown, Record<string, unknown>> = async (event, deps) => {
  const state = WaveStateSchema.parse(event);
  const { run, request } = await loadRun(deps, state.runId);
  const wave = run.waves[state.wave.index];
  if (!wave) throw new WaveNotFoundError(state.runId, state.wave.index);
  if (run.halt) {
    deps.logger.info("wave not started: run halted", { wave: wave.name, halt: run.halt.reason });
    return { runId: state.runId, wave: state.wave, proceed: false };
  }
  const laterHasGroups = run.waves.slice(state.wave.index + 1).some((w) => w.groups.length > 0);
  const bakeSeconds = wave.groups.length > 0 && laterHasGroups ? request.rollout.bakeSeconds : 0;
  await deps.ledger.updateRun(state.runId, (r) => ({
    ...r,
    waves: r.waves.map((w, i) => (i === state.wave.index ? { ...w, status: "RUNNING" } : w)),
  }));
  // Largest groups first: with maxParallelGroups lanes, longest-first keeps the wave close to its
  // bound (total / lanes) instead of leaving one long group to run alone at the end.
  // Read in batches of 100: a wave of hundreds of groups costs a few calls, not one per group.
  const records = await deps.ledger.getGroupsNamed(state.runId, wave.groups);
  const ordered = records
    .sort((a, b) => b.desired - a.desired || a.name.localeCompare(b.name))
    .map((g) => g.name);
  return {
    runId: state.runId,
    wave: state.wave,
    proceed: true,
    mode: "rollout",
    groups: ordered,
    maxParallelGroups: request.rollout.maxParallelGroups,
    bakeSeconds,
  };
};

export const handler = taskHandler("startWave", startWaveTask, {});
