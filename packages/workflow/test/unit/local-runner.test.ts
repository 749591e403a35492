import { describe, expect, it } from "vitest";
import type { StateMachineDefinition } from "../../src/definition";
import { LocalRunner, type VirtualTime } from "../../src/local-runner";

/** A minimal discrete-event clock for the runner's tests. */
class TestClock implements VirtualTime {
  private events: { at: number; seq: number; fn: () => void; id: number }[] = [];
  private seq = 0;
  constructor(private current = Date.parse("2026-11-21T09:00:00Z")) {}
  now() {
    return this.current;
  }
  schedule(atMs: number, fn: () => void) {
    const id = ++this.seq;
    this.events.push({ at: Math.max(atMs, this.current), seq: id, fn, id });
    return id;
  }
  cancel(id: number) {
    this.events = this.events.filter((e) => e.id !== id);
  }
  advance() {
    if (this.events.length === 0) return false;
    this.events.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const next = this.events.shift();
    if (!next) return false;
    this.current = next.at;
    next.fn();
    return true;
  }
}

const FN = "arn:aws:lambda:us-east-1:123456789012:function:work";
const WAIT_FN = "arn:aws:lambda:us-east-1:123456789012:function:wait";

function task(extra: Record<string, unknown>) {
  return {
    Type: "Task",
    Resource: "arn:aws:states:::lambda:invoke",
    Parameters: { FunctionName: FN, "Payload.$": "$" },
    ...extra,
  };
}

describe("the local runner reproduces the AWS integration shapes", () => {
  it("gives lambda:invoke's result as { Payload, StatusCode: 200 }", async () => {
    const definition: StateMachineDefinition = {
      Comment: "shape",
      StartAt: "Work",
      States: { Work: task({ End: true }) },
    };
    const runner = new LocalRunner({
      definition,
      functions: { [FN]: async (event) => ({ doubled: (event as { n: number }).n * 2 }) },
      clock: new TestClock(),
      executionName: "shape",
      input: { n: 21 },
    });
    const outcome = await runner.run();
    expect(outcome.status).toBe("SUCCEEDED");
    expect(outcome.output).toMatchObject({
      Payload: { doubled: 42 },
      StatusCode: 200,
      ExecutedVersion: "$LATEST",
    });
  });

  it("hands a Lambda error to Catch as Error = its name and Cause = Lambda's JSON", async () => {
    const definition: StateMachineDefinition = {
      Comment: "error",
      StartAt: "Work",
      States: {
        Work: task({
          Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Caught" }],
          End: true,
        }),
        Caught: { Type: "Pass", End: true },
      },
    };
    const runner = new LocalRunner({
      definition,
      functions: {
        [FN]: async () => {
          const error = new Error("the refresh could not start");
          error.name = "RefreshFailedError";
          throw error;
        },
      },
      clock: new TestClock(),
      executionName: "error",
      input: {},
    });
    const outcome = await runner.run();
    const caught = (outcome.output as { error: { Error: string; Cause: string } }).error;
    expect(caught.Error).toBe("RefreshFailedError");
    expect(JSON.parse(caught.Cause)).toMatchObject({
      errorType: "RefreshFailedError",
      errorMessage: "the refresh could not start",
    });
    expect(Array.isArray(JSON.parse(caught.Cause).trace)).toBe(true);
  });

  it("gives .waitForTaskToken the SendTaskSuccess output as is, with a fresh token per wait", async () => {
    const definition: StateMachineDefinition = {
      Comment: "token",
      StartAt: "Wait",
      States: {
        Wait: {
          Type: "Task",
          Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
          Parameters: { FunctionName: WAIT_FN, Payload: { "state.$": "$", "taskToken.$": "$$.Task.Token" } },
          TimeoutSecondsPath: "$.timeout",
          End: true,
        },
      },
    };
    const clock = new TestClock();
    const tokens: string[] = [];
    let runner: LocalRunner;
    runner = new LocalRunner({
      definition,
      functions: {
        [WAIT_FN]: async (event) => {
          const token = (event as { taskToken: string }).taskToken;
          tokens.push(token);
          clock.schedule(clock.now() + 30_000, () => runner.sendTaskSuccess(token, { kind: "succeeded" }));
          return null;
        },
      },
      clock,
      executionName: "token",
      input: { timeout: 60 },
    });
    const start = clock.now();
    const outcome = await runner.run();
    expect(outcome.output).toEqual({ kind: "succeeded" });
    expect(tokens[0]).toMatch(/^local-token-/);
    expect(clock.now() - start).toBe(30_000);
  });

  it("times a wait out in virtual time from TimeoutSecondsPath read on the state input", async () => {
    const definition: StateMachineDefinition = {
      Comment: "timeout",
      StartAt: "Wait",
      States: {
        Wait: {
          Type: "Task",
          Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
          Parameters: { FunctionName: WAIT_FN, Payload: { "state.$": "$", "taskToken.$": "$$.Task.Token" } },
          TimeoutSecondsPath: "$.timeout",
          Catch: [{ ErrorEquals: ["States.Timeout"], ResultPath: "$.timedOut", Next: "Polled" }],
          End: true,
        },
        Polled: { Type: "Pass", End: true },
      },
    };
    const clock = new TestClock();
    const start = clock.now();
    const runner = new LocalRunner({
      definition,
      functions: { [WAIT_FN]: async () => null },
      clock,
      executionName: "timeout",
      input: { timeout: 3600 },
    });
    const outcome = await runner.run();
    expect((outcome.output as { timedOut: { Error: string } }).timedOut.Error).toBe("States.Timeout");
    expect(clock.now() - start).toBe(3_600_000);
  });

  it("runs Wait states in virtual time with the same transitions", async () => {
    const definition: StateMachineDefinition = {
      Comment: "wait",
      StartAt: "Pause",
      States: { Pause: { Type: "Wait", SecondsPath: "$.seconds", Next: "Done" }, Done: { Type: "Succeed" } },
    };
    const clock = new TestClock();
    const start = clock.now();
    const runner = new LocalRunner({
      definition,
      functions: {},
      clock,
      executionName: "wait",
      input: { seconds: 900 },
    });
    const outcome = await runner.run();
    expect(outcome.output).toEqual({ seconds: 900 });
    expect(outcome.stateTransitions).toBe(2);
    expect(clock.now() - start).toBe(900_000);
  });

  it("kills a function once after its work when asked, and the state's Retry runs it again", async () => {
    const definition: StateMachineDefinition = {
      Comment: "crash",
      StartAt: "Work",
      States: {
        Work: task({
          Retry: [{ ErrorEquals: ["Lambda.Unknown"], MaxAttempts: 2, IntervalSeconds: 1 }],
          End: true,
        }),
      },
    };
    let calls = 0;
    const runner = new LocalRunner({
      definition,
      functions: {
        [FN]: async () => {
          calls++;
          return { calls };
        },
      },
      clock: new TestClock(),
      executionName: "crash",
      input: {},
      crashAfterSideEffect: ["Work"],
    });
    const outcome = await runner.run();
    expect(calls).toBe(2);
    expect(outcome.output).toMatchObject({ Payload: { calls: 2 } });
  });

  it("times a forgotten wait out at its TimeoutSeconds instead of hanging", async () => {
    const definition: StateMachineDefinition = {
      Comment: "stall",
      StartAt: "Wait",
      States: {
        Wait: {
          Type: "Task",
          Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
          Parameters: { FunctionName: WAIT_FN, Payload: { "taskToken.$": "$$.Task.Token" } },
          TimeoutSeconds: 86400,
          End: true,
        },
      },
    };
    const clock = new TestClock();
    const runner = new LocalRunner({
      definition,
      functions: { [WAIT_FN]: async () => null },
      clock,
      executionName: "stall",
      input: {},
      onStalled: () => false,
    });
    const timedOut = await runner.run();
    expect(timedOut.status).toBe("FAILED");
    expect(timedOut.error).toBe("States.Timeout");
  });

  it("ends STALLED when a branch waits with no timeout and nothing is scheduled", async () => {
    const definition: StateMachineDefinition = {
      Comment: "stall",
      StartAt: "Wait",
      States: {
        Wait: {
          Type: "Task",
          Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
          Parameters: { FunctionName: WAIT_FN, Payload: { "taskToken.$": "$$.Task.Token" } },
          End: true,
        },
      },
    };
    let asked = 0;
    const runner = new LocalRunner({
      definition,
      functions: { [WAIT_FN]: async () => null },
      clock: new TestClock(),
      executionName: "stall",
      input: {},
      onStalled: () => {
        asked++;
        return false;
      },
    });
    const outcome = await runner.run();
    expect(outcome.status).toBe("STALLED");
    expect(asked).toBe(1);
    expect(runner.waitingTokens()).toEqual([]);
  });
});
