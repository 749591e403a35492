import { refreshEventFromEventBridge } from "@fleet-upgrade/core";
import { z } from "zod";
import { sfnTaskResumer } from "../runtime/adapters";
import { type Task, taskHandler } from "../runtime/lambda";

const EventSchema = z.object({
  source: z.string(),
  "detail-type": z.string(),
  detail: z.record(z.string(), z.unknown()),
});

/**
 * Receives `aws.autoscaling` instance-refresh events (EventBridge rule) and resumes the task that
 * waits for that refresh. Events nobody waits for are normal (Started, duplicates, late ones).
 */
export const refreshEventsTask: Task<unknown, { resumed: boolean }> = async (event, deps) => {
  const parsed = EventSchema.safeParse(event);
  if (!parsed.success || parsed.data.source !== "aws.autoscaling") return { resumed: false };
  const news = refreshEventFromEventBridge(parsed.data["detail-type"], parsed.data.detail);
  if (!news) return { resumed: false };
  const token = await deps.ledger.takeWaitToken(news.instanceRefreshId);
  if (!token) return { resumed: false };
  // A checkpoint reached means at least that share is replaced; Succeeded carries 100.
  const percent = news.percentage ?? news.checkpoint;
  if (percent !== null)
    await deps.ledger.notePercentReplaced(token.runId, token.group, news.instanceRefreshId, percent);
  await deps.resumer.succeed(token.token, news);
  deps.logger.info("wait resumed", { runId: token.runId, group: token.group, kind: news.kind });
  return { resumed: true };
};

export const handler = taskHandler("refreshEvents", refreshEventsTask, { resumer: sfnTaskResumer });
