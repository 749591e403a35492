import {
  assembleRunResult,
  DEFAULT_HARDENING_ESTIMATE,
  estimateGroupsOf,
  NO_METRICS,
  needsHardening,
  RunRequestSchema,
  type RunResult,
  RunResultSchema,
  timeLeftSeconds,
} from "@fleet-upgrade/core";
import type { FunctionDeps } from "../runtime/deps";

/**
 * The run result as it stands, assembled from the run's record and its group items: final once
 * the run ended, live before (status RUNNING or WAITING, groups as far as they got). Undefined for an unknown run and
 * for a run whose request was refused (it has no request to show).
 */
export async function readRunResult(deps: FunctionDeps, runId: string): Promise<RunResult | undefined> {
  const run = await deps.ledger.getRun(runId);
  if (!run) return undefined;
  const request = RunRequestSchema.safeParse(run.request);
  if (!request.success) return undefined;
  const progress = await deps.ledger.listProgress(runId);
  const reason =
    run.halt?.reason ??
    (run.status === "WAITING" ? "waiting for an approval to start the next wave" : run.reason);
  const live = run.status === "RUNNING" || run.status === "WAITING";
  let estimateSeconds = run.estimateSeconds;
  if (live && run.waves.length > 0) {
    // While running, `estimate.seconds` is the time left (CONTRACTS.md section 2): groups that
    // ended count as done, the others as not yet begun (their refresh's share is not kept).
    const byName = new Map(progress.map((p) => [p.name, p]));
    const groups = await deps.ledger.getGroups(runId);
    const skipped = (name: string) => byName.get(name)?.outcome === "SKIPPED";
    estimateSeconds = timeLeftSeconds({
      waves: run.waves.map((w) =>
        w.groups
          .filter((name) => !skipped(name))
          .map((name) => {
            const outcome = byName.get(name)?.outcome;
            return {
              name,
              done: outcome !== undefined && outcome !== "NOT_STARTED" && outcome !== "RUNNING",
              percentReplaced: 0,
            };
          }),
      ),
      groups: estimateGroupsOf(groups, {
        launchEstimateSeconds: deps.settings.launchEstimateSeconds,
        warmupEstimateSeconds: deps.settings.warmupEstimateSeconds,
      }),
      rollout: request.data.rollout,
      hardening: DEFAULT_HARDENING_ESTIMATE,
      hardens: needsHardening(request.data),
      // Waves are planned once the bake is over.
      hardeningDone: true,
    });
  }
  return RunResultSchema.parse(
    assembleRunResult(
      { ...run, reason, ...(estimateSeconds !== undefined ? { estimateSeconds } : {}) },
      request.data,
      progress,
      NO_METRICS,
    ),
  );
}
