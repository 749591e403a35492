import { waveStatusOf } from "@fleet-upgrade/core";
import { snsNotifier } from "../runtime/adapters";
import { type Task, taskHandler } from "../runtime/lambda";
import { loadRun } from "./shared/load-run";
import { notify } from "./shared/notify";
import { WaveStateSchema } from "./shared/state";

/**
 * Closes a wave with a status from its groups' outcomes. After a regression with rollback scope
 * `wave` or `run`, returns the upgraded groups to revert (this wave's, or every wave's so far) for
 * one more pass of the groups map in `revert` mode. Between waves, asks for approval when the
 * request wants it.
 */
export const endWaveTask: Task<unknown, Record<string, unknown>> = async (event, deps) => {
  const state = WaveStateSchema.parse(event);
  const { run, request } = await loadRun(deps, state.runId);
  const progress = await deps.ledger.listProgress(state.runId);
  const reverting = state.mode === "revert";
  const updated = await deps.ledger.updateRun(state.runId, (r) => ({
    ...r,
    waves: r.waves.map((w, i) => {
      if (i !== state.wave.index && !(reverting && w.status !== "NOT_STARTED")) return w;
      const outcomes = progress.filter((p) => w.groups.includes(p.name)).map((p) => p.outcome);
      return { ...w, status: waveStatusOf(outcomes) };
    }),
  }));
  const status = updated.waves[state.wave.index]?.status ?? "SUCCEEDED";
  deps.logger.info("wave ended", { wave: state.wave.name, status });
  if (!reverting) {
    const groups = updated.waves[state.wave.index]?.groups.length ?? 0;
    await notify(deps, {
      type: "WaveEnded",
      runId: state.runId,
      status,
      wave: state.wave.name,
      group: null,
      summary: `run ${state.runId}: wave ${state.wave.name} (${state.wave.index + 1} of ${updated.waves.length}, ${groups} groups) ${status}`,
    });
  }

  const scope = request.rollback.scope;
  if (!reverting && run.halt && run.halt.status !== "ABORTED") {
    const waves = scope === "run" ? run.waves.slice(0, state.wave.index + 1) : [run.waves[state.wave.index]];
    const names = new Set(waves.flatMap((w) => w?.groups ?? []));
    const revert = progress
      .filter((p) => names.has(p.name) && p.outcome === "UPGRADED" && (scope !== "group" || p.regressed))
      .map((p) => p.name);
    if (revert.length > 0) {
      deps.logger.warn("reverting upgraded groups", { scope, groups: revert });
      return { ...state, mode: "revert", groups: revert, revertCount: revert.length, awaitApproval: false };
    }
  }
  const laterHasGroups = run.waves.slice(state.wave.index + 1).some((w) => w.groups.length > 0);
  const awaitApproval = request.rollout.approval === "between-waves" && !run.halt && laterHasGroups;
  return { runId: state.runId, wave: state.wave, status, revertCount: 0, awaitApproval };
};

export const handler = taskHandler("endWave", endWaveTask, { notifier: snsNotifier });
