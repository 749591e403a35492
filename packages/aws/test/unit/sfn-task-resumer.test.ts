import "aws-sdk-client-mock-vitest/extend";
import {
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  TaskDoesNotExist,
  TaskTimedOut,
} from "@aws-sdk/client-sfn";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { SfnTaskResumer } from "../../src/sfn-task-resumer";

const sfn = mockClient(SFNClient);
const resumer = new SfnTaskResumer({ sfn: new SFNClient({ region: "us-east-1" }) });

afterEach(() => {
  sfn.reset();
});

describe("SfnTaskResumer.succeed", () => {
  it("sends the output as a JSON string with the task token", async () => {
    sfn.on(SendTaskSuccessCommand).resolves({});

    await resumer.succeed("token-1", { event: "Checkpoint Reached", percentage: 25 });

    expect(sfn.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input).toEqual({
      taskToken: "token-1",
      output: '{"event":"Checkpoint Reached","percentage":25}',
    });
  });

  it.each([
    ["TaskTimedOut", new TaskTimedOut({ $metadata: {}, message: "timed out" })],
    ["TaskDoesNotExist", new TaskDoesNotExist({ $metadata: {}, message: "gone" })],
  ])("ignores %s: a late event for a wait that is already over", async (_name, error) => {
    sfn.on(SendTaskSuccessCommand).rejects(error);

    await expect(resumer.succeed("token-1", {})).resolves.toBeUndefined();
  });

  it("propagates InvalidToken", async () => {
    sfn.on(SendTaskSuccessCommand).rejects(new InvalidToken({ $metadata: {}, message: "bad token" }));

    await expect(resumer.succeed("garbage", {})).rejects.toBeInstanceOf(InvalidToken);
  });
});

describe("SfnTaskResumer.fail", () => {
  it("sends error and cause with the task token", async () => {
    sfn.on(SendTaskFailureCommand).resolves({});

    await resumer.fail("token-1", "RefreshFailed", "Instance refresh refresh-1 failed: alarm web-5xx");

    expect(sfn).toHaveReceivedCommandTimes(SendTaskFailureCommand, 1);
    expect(sfn.commandCalls(SendTaskFailureCommand)[0]?.args[0].input).toEqual({
      taskToken: "token-1",
      error: "RefreshFailed",
      cause: "Instance refresh refresh-1 failed: alarm web-5xx",
    });
  });

  it("cuts error and cause to the lengths SendTaskFailure accepts", async () => {
    sfn.on(SendTaskFailureCommand).resolves({});

    await resumer.fail("token-1", "E".repeat(300), "c".repeat(40_000));

    const input = sfn.commandCalls(SendTaskFailureCommand)[0]?.args[0].input;
    expect(input?.error).toHaveLength(256);
    expect(input?.cause).toHaveLength(32_768);
  });

  it("ignores TaskTimedOut", async () => {
    sfn.on(SendTaskFailureCommand).rejects(new TaskTimedOut({ $metadata: {}, message: "timed out" }));

    await expect(resumer.fail("token-1", "E", "c")).resolves.toBeUndefined();
  });
});
