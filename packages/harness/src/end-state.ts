import type { EndState } from "@fleet-upgrade/core/result";
import type { FunctionDeps } from "@fleet-upgrade/functions";
import type { SimulatedAccount } from "@fleet-upgrade/simulator";
import type { LocalRunOutcome } from "@fleet-upgrade/workflow";

/** Refresh statuses in which Auto Scaling is still working on the group. */
const ACTIVE_REFRESH = new Set(["Pending", "InProgress", "Cancelling", "RollbackInProgress", "Baking"]);

/** CONTRACTS section 2, `metrics.endState`: what the run left behind, read from the account and the ledger. */
export async function readEndState(
  deps: FunctionDeps,
  account: SimulatedAccount,
  runId: string,
  status: LocalRunOutcome["status"],
): Promise<EndState> {
  const progress = await deps.ledger.listProgress(runId);
  const run = await deps.ledger.getRun(runId);
  const refreshesInProgress = progress
    .filter((p) =>
      (account.group(p.name)?.refreshes ?? []).some(
        (r) => ACTIVE_REFRESH.has(r.status) && p.instanceRefreshIds.includes(r.instanceRefreshId),
      ),
    )
    .map((p) => p.name);
  const names = new Set([...(run?.waves ?? []).flatMap((w) => w.groups), ...progress.map((p) => p.name)]);
  const locksHeld: string[] = [];
  for (const name of names) {
    if ((await deps.ledger.getLock(name))?.runId === runId) locksHeld.push(name);
  }
  return {
    executionStatus: status === "STALLED" ? "RUNNING" : status,
    refreshesInProgress: refreshesInProgress.sort(),
    locksHeld: locksHeld.sort(),
  };
}
