import "aws-sdk-client-mock-vitest/extend";
import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { SfnRunStarter } from "../../src/sfn-run-starter";

const sfn = mockClient(SFNClient);
const MACHINE = "arn:aws:states:eu-west-1:123456789012:stateMachine:fleet-upgrade-prod";
const starter = new SfnRunStarter({ sfn: new SFNClient({ region: "eu-west-1" }) }, MACHINE);

afterEach(() => {
  sfn.reset();
});

describe("SfnRunStarter", () => {
  it("starts an execution named after the run id with the request as input", async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: "x", startDate: new Date() });
    await starter.start("run-1", { dryRun: true });
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: MACHINE,
      name: "run-1",
      input: '{"dryRun":true}',
    });
  });

  it("describes the execution of a run, and answers undefined for none", async () => {
    sfn.on(DescribeExecutionCommand).resolves({
      status: "RUNNING",
      startDate: new Date("2026-11-21T09:00:00Z"),
      input: '{"reason":"x"}',
      executionArn: "a",
      stateMachineArn: MACHINE,
    });
    expect(await starter.describe("run-1")).toEqual({
      status: "RUNNING",
      startedAt: "2026-11-21T09:00:00.000Z",
      input: { reason: "x" },
    });
    expect(sfn).toHaveReceivedCommandWith(DescribeExecutionCommand, {
      executionArn: "arn:aws:states:eu-west-1:123456789012:execution:fleet-upgrade-prod:run-1",
    });
    sfn.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ $metadata: {}, message: "no" }));
    expect(await starter.describe("run-2")).toBeUndefined();
  });

  it("stops the execution with the operator's cause", async () => {
    sfn.on(StopExecutionCommand).resolves({ stopDate: new Date() });
    await starter.stop("run-1", "aborted by an operator: pager");
    expect(sfn).toHaveReceivedCommandWith(StopExecutionCommand, {
      executionArn: "arn:aws:states:eu-west-1:123456789012:execution:fleet-upgrade-prod:run-1",
      error: "OperatorAbort",
      cause: "aborted by an operator: pager",
    });
  });
});
