import {
  DescribeExecutionCommand,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import type { ExecutionView, RunStarter } from "@fleet-upgrade/core";
import { UnexpectedResponseError } from "./errors";
import { isErrorNamed } from "./support";

export interface SfnRunStarterClients {
  sfn: SFNClient;
}

const STATUSES: ReadonlyArray<ExecutionView["status"]> = [
  "RUNNING",
  "SUCCEEDED",
  "FAILED",
  "TIMED_OUT",
  "ABORTED",
  "PENDING_REDRIVE",
];
/** StopExecution rejects longer causes. */
const MAX_CAUSE_LENGTH = 32_768;

/**
 * Starts the state machine's executions for the status API. The execution name is the run id (the
 * first state records the run under `$$.Execution.Name`), so a retried start of the same run id
 * cannot start a second run: for a standard workflow, StartExecution with the name of a running
 * execution and the same input answers that execution (idempotent); with another input, or once that
 * execution has closed, it answers ExecutionAlreadyExists, which propagates
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html).
 */
export class SfnRunStarter implements RunStarter {
  constructor(
    private readonly clients: SfnRunStarterClients,
    private readonly stateMachineArn: string,
  ) {}

  /** `arn:...:stateMachine:Name` -> `arn:...:execution:Name:runId`. */
  executionArn(runId: string): string {
    const parts = this.stateMachineArn.split(":");
    const at = parts.indexOf("stateMachine");
    if (at < 0) throw new Error(`${this.stateMachineArn} is not a state machine ARN`);
    parts[at] = "execution";
    return [...parts, runId].join(":");
  }

  async start(runId: string, request: unknown): Promise<void> {
    await this.clients.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: this.stateMachineArn,
        name: runId,
        input: JSON.stringify(request ?? {}),
      }),
    );
  }

  async describe(runId: string): Promise<ExecutionView | undefined> {
    try {
      const out = await this.clients.sfn.send(
        new DescribeExecutionCommand({ executionArn: this.executionArn(runId) }),
      );
      const status = STATUSES.find((s) => s === out.status);
      if (!status)
        throw new UnexpectedResponseError("states:DescribeExecution", `status ${String(out.status)}`);
      let input: unknown = null;
      try {
        input = JSON.parse(out.input ?? "null");
      } catch {
        input = null;
      }
      return { status, startedAt: (out.startDate ?? new Date(0)).toISOString(), input };
    } catch (error) {
      if (isErrorNamed(error, "ExecutionDoesNotExist")) return undefined;
      throw error;
    }
  }

  async stop(runId: string, cause: string): Promise<void> {
    await this.clients.sfn.send(
      new StopExecutionCommand({
        executionArn: this.executionArn(runId),
        error: "OperatorAbort",
        cause: cause.slice(0, MAX_CAUSE_LENGTH),
      }),
    );
  }
}
