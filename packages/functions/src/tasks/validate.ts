import { InvalidRunRequestError, needsHardening, newRunRecord, parseRunRequest } from "@fleet-upgrade/core";
import { z } from "zod";
import { snsNotifier } from "../runtime/adapters";
import { type Task, taskHandler } from "../runtime/lambda";
import { notify } from "./shared/notify";

const InputSchema = z.object({ request: z.unknown(), runId: z.string().min(1) });

/** First state: the request merged over the stage defaults; every problem at once; nothing touched. */
export const validateTask: Task<unknown, { runId: string; dryRun: boolean; hardens: boolean }> = async (
  event,
  deps,
) => {
  const input = InputSchema.parse(event);
  const parsed = parseRunRequest(input.request ?? {}, deps.settings.stage);
  if (!parsed.ok) throw new InvalidRunRequestError(parsed.problems);
  const request = parsed.request;
  const existing = await deps.ledger.getRun(input.runId);
  if (!existing) {
    await deps.ledger.putRun(
      newRunRecord({
        runId: input.runId,
        status: "RUNNING",
        reason: request.reason,
        request,
        startedAt: deps.now().toISOString(),
      }),
    );
    await notify(deps, {
      type: "RunStarted",
      runId: input.runId,
      status: "RUNNING",
      wave: null,
      group: null,
      summary: `run ${input.runId} started${request.dryRun ? " (dry run)" : ""}: ${request.reason}`,
    });
  }
  deps.logger.info("run accepted", { runId: input.runId, dryRun: request.dryRun });
  return { runId: input.runId, dryRun: request.dryRun, hardens: needsHardening(request) };
};

export const handler = taskHandler("validate", validateTask, { notifier: snsNotifier });
