import { abortEvent } from "@fleet-upgrade/core";
import { z } from "zod";
import { groupRollout, sfnTaskResumer } from "../runtime/adapters";
import { RefreshIdMissingError } from "../runtime/errors";
import { type Task, taskHandler } from "../runtime/lambda";
import { loadRunState } from "./shared/load-run";
import { lookAtRefresh } from "./shared/refresh-look";
import { GroupStateSchema } from "./shared/state";

const InputSchema = z.object({ state: GroupStateSchema, taskToken: z.string().min(1) });

/** Token lifetime in the ledger: far beyond any wait; DynamoDB's TTL removes forgotten ones. */
const TOKEN_TTL_SECONDS = 14 * 24 * 3600;

/**
 * Files the task token under the refresh it waits for; the instance-refresh event resumes it.
 * Then looks once: an event that fired before the token was filed would otherwise be lost.
 */
export const waitForRefreshTask: Task<unknown, { filed: string }> = async (event, deps) => {
  const { state, taskToken } = InputSchema.parse(event);
  const refreshId = state.instanceRefreshId;
  if (!refreshId) throw new RefreshIdMissingError(state.group, "waits");
  const expiresAt = Math.floor(deps.now().getTime() / 1000) + TOKEN_TTL_SECONDS;
  await deps.ledger.putWaitToken(
    refreshId,
    { token: taskToken, runId: state.runId, group: state.group },
    expiresAt,
  );

  const { run, request } = await loadRunState(deps, state.runId);
  if (run.abortRequested && !state.rollingBack) {
    // The abort came while this group was between waits: it found no token to wake, so look here.
    const token = await deps.ledger.takeWaitToken(refreshId);
    if (token) await deps.resumer.succeed(token.token, abortEvent(refreshId, run.abortRequested));
    return { filed: refreshId };
  }
  const look = await lookAtRefresh(deps, state, refreshId, request);
  if (look && look.news.kind !== "in-progress") {
    const token = await deps.ledger.takeWaitToken(refreshId);
    if (token) await deps.resumer.succeed(token.token, look.news);
  }
  return { filed: refreshId };
};

export const handler = taskHandler("waitForRefresh", waitForRefreshTask, {
  resumer: sfnTaskResumer,
  rollout: groupRollout,
});
