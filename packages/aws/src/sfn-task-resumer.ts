import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient } from "@aws-sdk/client-sfn";
import type { TaskResumer } from "@fleet-upgrade/core";
import { isErrorNamed } from "./support";

export interface SfnTaskResumerClients {
  sfn: SFNClient;
}

/**
 * A late or repeated event for a wait that is already over (timed out, resumed, execution ended) is
 * normal with best-effort events and a polling backstop: those answers are ignored.
 */
const FINISHED_TASK_ERRORS = ["TaskTimedOut", "TaskDoesNotExist"];
/** SendTaskFailure rejects longer values; a cut message beats a failure to report the failure. */
const MAX_ERROR_LENGTH = 256;
const MAX_CAUSE_LENGTH = 32_768;

/** Resumes `.waitForTaskToken` tasks. */
export class SfnTaskResumer implements TaskResumer {
  constructor(private readonly clients: SfnTaskResumerClients) {}

  async succeed(taskToken: string, output: unknown): Promise<void> {
    try {
      await this.clients.sfn.send(
        new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output ?? null) }),
      );
    } catch (error) {
      if (!isErrorNamed(error, ...FINISHED_TASK_ERRORS)) throw error;
    }
  }

  async fail(taskToken: string, error: string, cause: string): Promise<void> {
    try {
      await this.clients.sfn.send(
        new SendTaskFailureCommand({
          taskToken,
          error: error.slice(0, MAX_ERROR_LENGTH),
          cause: cause.slice(0, MAX_CAUSE_LENGTH),
        }),
      );
    } catch (thrown) {
      if (!isErrorNamed(thrown, ...FINISHED_TASK_ERRORS)) throw thrown;
    }
  }
}
