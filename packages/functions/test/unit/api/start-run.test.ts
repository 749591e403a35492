import type { ExecutionView, RunStarter } from "@fleet-upgrade/core";
import { describe, expect, it } from "vitest";
import { handleStatusRequest } from "../../../src/api/app";
import { taskWorld } from "../tasks/task-fakes";

/** A Step Functions stand-in: executions exist once started, before the run records itself. */
class FakeStarter implements RunStarter {
  readonly started: string[] = [];
  async start(runId: string): Promise<void> {
    this.started.push(runId);
  }
  async describe(runId: string): Promise<ExecutionView | undefined> {
    return this.started.includes(runId)
      ? { status: "RUNNING", startedAt: "2026-11-21T10:00:00.000Z", input: {} }
      : undefined;
  }
  async stop(): Promise<void> {}
}

const slack = { signingSecret: null, allowedUsers: [], unconfigured: "not configured" };

function post(headers: Record<string, string>) {
  return {
    method: "POST",
    path: "/runs",
    query: {},
    headers: { "content-type": "application/json", ...headers },
    body: "{}",
  };
}

describe("POST /runs with an Idempotency-Key", () => {
  it("starts one run for a key, and answers a repeat with that run instead of starting another", async () => {
    const { deps } = taskWorld();
    const starter = new FakeStarter();
    const first = await handleStatusRequest(post({ "Idempotency-Key": "deploy-42" }), {
      deps,
      starter,
      slack,
    });
    const again = await handleStatusRequest(post({ "idempotency-key": "deploy-42" }), {
      deps,
      starter,
      slack,
    });
    expect(first.statusCode).toBe(202);
    expect(again.statusCode).toBe(202);
    const runId = JSON.parse(first.body).runId;
    expect(JSON.parse(again.body).runId).toBe(runId);
    expect(starter.started).toEqual([runId]);
  });

  it("starts a different run for a different key", async () => {
    const { deps } = taskWorld();
    const starter = new FakeStarter();
    await handleStatusRequest(post({ "idempotency-key": "a" }), { deps, starter, slack });
    await handleStatusRequest(post({ "idempotency-key": "b" }), { deps, starter, slack });
    expect(new Set(starter.started).size).toBe(2);
  });

  it("refuses a malformed key with 400 naming the header and its value, and starts nothing", async () => {
    const { deps } = taskWorld();
    const starter = new FakeStarter();
    const answer = await handleStatusRequest(post({ "idempotency-key": "no spaces allowed" }), {
      deps,
      starter,
      slack,
    });
    expect(answer.statusCode).toBe(400);
    const error = JSON.parse(answer.body).error;
    expect(error.code).toBe("InvalidRequest");
    expect(error.message).toContain("Idempotency-Key");
    expect(error.message).toContain("no spaces allowed");
    expect(starter.started).toEqual([]);
  });
});
