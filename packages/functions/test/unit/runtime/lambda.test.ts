import { RefreshFailedError } from "@fleet-upgrade/core";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { TaskLogger } from "../../../src/runtime/deps";
import { entryPoint, lambdaHandler } from "../../../src/runtime/lambda";

let lines: Record<string, unknown>[];

beforeEach(() => {
  lines = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
    return true;
  });
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
    return true;
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});

const lambdaContext = (awsRequestId: string) =>
  ({
    awsRequestId,
    functionName: "fleet-upgrade-ci-probe",
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:eu-west-1:111122223333:function:fleet-upgrade-ci-probe",
    memoryLimitInMB: "256",
    getRemainingTimeInMillis: () => 30_000,
  }) as never;

const probe = entryPoint<{ runId: string; group?: string; fail?: boolean }, string, { logger: TaskLogger }>(
  { name: "probe", fromEnvironment: (_env, logger) => ({ logger }), loggerOf: (c) => c.logger },
  async (event, { logger }) => {
    logger.info("working");
    if (event.fail) throw new RefreshFailedError("the refresh failed");
    return "done";
  },
);

describe("the bootstrap", () => {
  it("logs each invocation with its own request id, run and group; keys never leak into the next", async () => {
    await probe({ runId: "run-1", group: "web-a" }, lambdaContext("req-1"));
    await probe({ runId: "run-2" }, lambdaContext("req-2"));
    const working = lines.filter((l) => l.message === "working");
    expect(working).toHaveLength(2);
    expect(working[0]).toMatchObject({
      runId: "run-1",
      group: "web-a",
      function_request_id: "req-1",
    });
    expect(working[1]).toMatchObject({ runId: "run-2", function_request_id: "req-2" });
    expect(working[1]).not.toHaveProperty("group");
    for (const line of working) expect(line).toHaveProperty("cold_start");
  });

  it("logs a failure with the error's name and rethrows it unchanged for the state's Catch", async () => {
    const failed = probe({ runId: "run-3", fail: true }, lambdaContext("req-3"));
    await expect(failed).rejects.toMatchObject({ name: "RefreshFailedError" });
    expect(lines.find((l) => l.message === "probe failed")).toMatchObject({
      runId: "run-3",
      errorName: "RefreshFailedError",
      errorMessage: "the refresh failed",
      function_request_id: "req-3",
    });
  });

  it("fails a cold start without the ledger's table, naming the variable", async () => {
    vi.stubEnv("AWS_REGION", "eu-west-1");
    vi.stubEnv("LEDGER_TABLE", undefined);
    try {
      const task = lambdaHandler("validate", async () => "never");
      const started = task({}, lambdaContext("req-4"));
      await expect(started).rejects.toMatchObject({
        name: "EnvironmentIncompleteError",
        variables: ["LEDGER_TABLE"],
      });
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
