import { z } from "zod";

/** What the product tells subscribers of its notification topic, one message per event. */
export const RunNotificationSchema = z.object({
  type: z.enum(["RunStarted", "WaveEnded", "GroupRolledBack", "WaitingForApproval", "RunFinished"]),
  runId: z.string(),
  /** ISO 8601. */
  at: z.string(),
  /** The run's status (RunFinished) or the wave's (WaveEnded). */
  status: z.string().nullable(),
  wave: z.string().nullable(),
  group: z.string().nullable(),
  /** One sentence a person reads in a chat or a mail. */
  summary: z.string(),
});
export type RunNotification = z.infer<typeof RunNotificationSchema>;

/** Sends run notifications (an SNS topic in AWS). */
export interface Notifier {
  notify(notification: RunNotification): Promise<void>;
}
