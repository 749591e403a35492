import type { RunNotification } from "@fleet-upgrade/core";
import type { FunctionDeps } from "../../runtime/deps";

/**
 * Sends a run notification. A notification that cannot be sent is logged and never fails the
 * task: telling people is not worth stopping an upgrade for.
 */
export async function notify(deps: FunctionDeps, notification: Omit<RunNotification, "at">): Promise<void> {
  if (!deps.notifier) return;
  try {
    await deps.notifier.notify({ ...notification, at: deps.now().toISOString() });
  } catch (error) {
    deps.logger.warn("notification not sent", { type: notification.type, error: (error as Error).message });
  }
}
