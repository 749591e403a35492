import {
  assembleRunResult,
  DEFAULT_HARDENING_ESTIMATE,
  type EstimateGroup,
  type EstimateRollout,
  estimateGroupsOf,
  type GroupLive,
  type GroupProgress,
  groupTimeLeftSeconds,
  NO_METRICS,
  needsHardening,
  RunRequestSchema,
  type RunResult,
  RunResultSchema,
  timeLeftSeconds,
} from "@fleet-upgrade/core";
import type { FunctionDeps } from "../runtime/deps";

const ENDED = new Set(["UPGRADED", "ROLLED_BACK", "SKIPPED", "FAILED"]);

/**
 * Live progress of one RUNNING group: the share replaced as last seen, the seconds since its refresh
 * started (0 before), and its bound scaled by what is left. Undefined for a group not running.
 *
 * @example
 * groupLive(progress, 50, { desired: 4, launchSeconds: 60, warmupSeconds: 120 }, rollout, now)
 * // { percentReplaced: 50, elapsedSeconds: 900, leftSeconds: half the group's bound }
 */
export function groupLive(
  progress: Pick<GroupProgress, "outcome" | "refreshStartedAt">,
  percentReplaced: number,
  group: EstimateGroup | undefined,
  rollout: EstimateRollout,
  now: Date,
): GroupLive | undefined {
  if (progress.outcome !== "RUNNING") return undefined;
  const started = progress.refreshStartedAt === null ? Number.NaN : Date.parse(progress.refreshStartedAt);
  const elapsed = Number.isFinite(started) ? Math.max(0, (now.getTime() - started) / 1000) : 0;
  return {
    percentReplaced,
    elapsedSeconds: Math.round(elapsed),
    leftSeconds: group === undefined ? 0 : Math.round(groupTimeLeftSeconds(group, rollout, percentReplaced)),
  };
}

/**
 * The run result as it stands, assembled from the run's record and its group items: final once
 * the run ended, live before (status RUNNING or WAITING, groups as far as they got, each running
 * group with its `live` progress). Undefined for an unknown run and for a run whose request was
 * refused (it has no request to show).
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
  const liveOf = new Map<string, GroupLive>();
  if (live && run.waves.length > 0) {
    // While running, `estimate.seconds` is the time left (CONTRACTS.md section 2): groups that
    // ended count as done, running ones by the share of their refresh last seen.
    const byName = new Map(progress.map((p) => [p.name, p]));
    const [groups, seen] = await Promise.all([
      deps.ledger.getGroups(runId),
      deps.ledger.listPercentReplaced(runId),
    ]);
    const estimates = estimateGroupsOf(groups, {
      launchEstimateSeconds: deps.settings.launchEstimateSeconds,
      warmupEstimateSeconds: deps.settings.warmupEstimateSeconds,
    });
    const percentOf = (p: GroupProgress): number => {
      const noted = seen[p.name];
      // Only the share of the refresh the group waits on now (not an earlier one's).
      return noted !== undefined && p.instanceRefreshIds.includes(noted.refreshId) ? noted.percent : 0;
    };
    const now = deps.now();
    for (const p of progress) {
      const view = groupLive(p, percentOf(p), estimates[p.name], request.data.rollout, now);
      if (view) liveOf.set(p.name, view);
    }
    const skipped = (name: string) => byName.get(name)?.outcome === "SKIPPED";
    estimateSeconds = timeLeftSeconds({
      waves: run.waves.map((w) =>
        w.groups
          .filter((name) => !skipped(name))
          .map((name) => {
            const outcome = byName.get(name)?.outcome;
            return {
              name,
              done: outcome !== undefined && ENDED.has(outcome),
              percentReplaced: liveOf.get(name)?.percentReplaced ?? 0,
            };
          }),
      ),
      groups: estimates,
      rollout: request.data.rollout,
      hardening: DEFAULT_HARDENING_ESTIMATE,
      hardens: needsHardening(request.data),
      // Waves are planned once the bake is over.
      hardeningDone: true,
    });
  }
  const readiness = await deps.ledger.listReadiness(runId, run);
  const result = assembleRunResult(
    {
      ...run,
      reason,
      ...(estimateSeconds !== undefined ? { estimateSeconds } : {}),
      ...(readiness !== undefined ? { readiness } : {}),
    },
    request.data,
    progress,
    NO_METRICS,
  );
  return RunResultSchema.parse({
    ...result,
    groups: result.groups.map((g) => {
      const view = liveOf.get(g.name);
      return view ? { ...g, live: view } : g;
    }),
  });
}
