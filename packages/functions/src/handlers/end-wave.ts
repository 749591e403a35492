import { waveStatusOf } from "@fleet-upgrade/core";
import { lambdaHandler, type Task } from "../lambda";
import { WaveStateSchema } from "../state";

/** Closes a wave with a status from its groups' outcomes. */
export const endWaveTask: Task<unknown, { wave: string; status: string }> = async (event, deps) => {
  const state = WaveStateSchema.parse(event);
  const progress = await deps.ledger.listProgress(state.runId);
  const run = await deps.ledger.updateRun(state.runId, (r) => ({
    ...r,
    waves: r.waves.map((w, i) => {
      if (i !== state.wave.index) return w;
      const outcomes = progress.filter((p) => w.groups.includes(p.name)).map((p) => p.outcome);
      return { ...w, status: waveStatusOf(outcomes) };
    }),
  }));
  const status = run.waves[state.wave.index]?.status ?? "SUCCEEDED";
  deps.logger.info("wave ended", { wave: state.wave.name, status });
  return { wave: state.wave.name, status };
};

export const handler = lambdaHandler("endWave", endWaveTask);
