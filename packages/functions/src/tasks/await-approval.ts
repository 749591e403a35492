import { z } from "zod";
import { approvalKey } from "../api/operator";
import { sfnTaskResumer, snsNotifier } from "../runtime/adapters";
import { type Task, taskHandler } from "../runtime/lambda";
import { notify } from "./shared/notify";
import { WaveStateSchema } from "./shared/state";

const InputSchema = z.object({ state: WaveStateSchema, taskToken: z.string().min(1) });

const TOKEN_TTL_SECONDS = 14 * 24 * 3600;

/** Between waves, when the request asks for it: files the token and shows the run WAITING. */
export const awaitApprovalTask: Task<unknown, { waiting: string }> = async (event, deps) => {
  const { state, taskToken } = InputSchema.parse(event);
  const expiresAt = Math.floor(deps.now().getTime() / 1000) + TOKEN_TTL_SECONDS;
  // WAITING first, then the token: an approval can only come once the token is filed, so it
  // always finds (and ends) the WAITING status.
  const run = await deps.ledger.updateRun(state.runId, (r) => ({
    ...r,
    status: r.halt ? r.status : "WAITING",
  }));
  await deps.ledger.putWaitToken(
    approvalKey(state.runId),
    { token: taskToken, runId: state.runId, group: "" },
    expiresAt,
  );
  if (run.halt) {
    // Aborted while this wave ran: nothing to approve, go on to the end.
    const token = await deps.ledger.takeWaitToken(approvalKey(state.runId));
    if (token) await deps.resumer.succeed(token.token, { decision: "abort" });
  }
  if (!run.halt) {
    await notify(deps, {
      type: "WaitingForApproval",
      runId: state.runId,
      status: "WAITING",
      wave: state.wave.name,
      group: null,
      summary: `run ${state.runId} waits for approval after wave ${state.wave.name}: /fleet approve ${state.runId}`,
    });
  }
  deps.logger.info("waiting for approval", { runId: state.runId, after: state.wave.name });
  return { waiting: state.runId };
};

export const handler = taskHandler("awaitApproval", awaitApprovalTask, {
  resumer: sfnTaskResumer,
  notifier: snsNotifier,
});
