import { groupRollout, snsNotifier } from "../runtime/adapters";
import { type Task, taskHandler } from "../runtime/lambda";
import { loadRunState } from "./shared/load-run";
import { notify } from "./shared/notify";
import { revertGroup } from "./shared/revert";
import { type GroupState, GroupStateSchema } from "./shared/state";

/**
 * A regression (or an operator's abort): record why, stop later waves, and revert the group. Also
 * the second step of a revert that had to cancel first: once the cancel settled, reverse.
 */
export const rollbackGroupTask: Task<unknown, GroupState> = async (event, deps) => {
  const state = GroupStateSchema.parse(event);
  const { run, request } = await loadRunState(deps, state.runId);
  const progress = await deps.ledger.getProgress(state.runId, state.group);
  const verdict =
    state.event?.kind === "abort"
      ? (state.event.reason ?? "aborted by an operator")
      : (state.health?.verdict ?? progress.reason?.replace(/^rolled back: /, "") ?? "a health check failed");
  if (!run.halt) {
    await deps.ledger.updateRun(state.runId, (r) => ({
      ...r,
      halt: r.halt ?? { status: "ROLLED_BACK", reason: `group ${state.group}: ${verdict}` },
    }));
  }
  const next = await revertGroup(deps, request, state, verdict);
  // Once per group: a cancel-then-reverse revert comes through here more than once.
  if (!state.rollingBack)
    await notify(deps, {
      type: "GroupRolledBack",
      runId: state.runId,
      status: "ROLLED_BACK",
      wave: state.wave,
      group: state.group,
      summary: `run ${state.runId}: rolling back group ${state.group}: ${verdict}`,
    });
  return next;
};

export const handler = taskHandler("rollbackGroup", rollbackGroupTask, {
  rollout: groupRollout,
  notifier: snsNotifier,
});
