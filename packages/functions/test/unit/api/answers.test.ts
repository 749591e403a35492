/**
 * The status API's answers on the bad day (CONTRACTS section 5, issue 8): 409 with the run's real
 * status, 415 for bodies that are not JSON, 413 counted before decoding, 422 for a reused
 * Idempotency-Key, reasons capped at 500 characters from REST and Slack, and no count it does not know.
 */
import type { ExecutionView, RunStarter } from "@fleet-upgrade/core";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { AnswerCache } from "../../../src/api/answer-cache";
import { createStatusApp, handleStatusRequest } from "../../../src/api/app";
import type { StatusContext } from "../../../src/api/context";
import { MAX_BODY_BYTES, type StatusRequest } from "../../../src/api/http";
import { answerHttpApiEvent, eventBodyBytes } from "../../../src/api/lambda-entry";
import { slackSignature } from "../../../src/api/slack";
import { awaitApprovalTask } from "../../../src/tasks/await-approval";
import {
  groupProgress,
  groupRecord,
  RUN_ID,
  runRecord,
  seed,
  type TaskWorld,
  taskWorld,
} from "../tasks/task-fakes";

/** Step Functions as DescribeExecution shows it: executions keep their input and status. */
class FakeStarter implements RunStarter {
  readonly executions = new Map<string, ExecutionView>();
  async start(runId: string, request: unknown): Promise<void> {
    this.executions.set(runId, { status: "RUNNING", startedAt: "2026-11-21T10:00:00.000Z", input: request });
  }
  async describe(runId: string): Promise<ExecutionView | undefined> {
    return this.executions.get(runId);
  }
  async stop(): Promise<void> {}
}

const SECRET = "test-signing-secret";
const NOW = new Date("2026-11-21T10:00:00.000Z");
let world: TaskWorld;
let starter: FakeStarter;
let context: StatusContext;

beforeEach(() => {
  world = taskWorld();
  starter = new FakeStarter();
  context = {
    deps: world.deps,
    starter,
    slack: { signingSecret: SECRET, allowedUsers: ["U0OPS"], unconfigured: "" },
    now: () => NOW,
  };
});

const JSON_TYPE = { "content-type": "application/json" };

async function send(request: Partial<StatusRequest> & { method: string; path: string }) {
  const response = await handleStatusRequest({ query: {}, headers: {}, body: null, ...request }, context);
  const json = response.headers["content-type"]?.startsWith("application/json")
    ? JSON.parse(response.body)
    : null;
  return { status: response.statusCode, json, text: response.body };
}

async function waitingRun(): Promise<void> {
  await seed(
    world.ledger,
    runRecord({ rollout: { approval: "between-waves" } }),
    [groupRecord("web")],
    [groupProgress("web", { outcome: "UPGRADED" })],
  );
  await awaitApprovalTask(
    { state: { runId: RUN_ID, wave: { index: 0, name: "canary" } }, taskToken: "token-approval" },
    world.deps,
  );
  starter.executions.set(RUN_ID, { status: "RUNNING", startedAt: "2026-11-21T09:00:00.000Z", input: {} });
}

function slack(text: string, user = "U0OPS") {
  const body = new URLSearchParams({ command: "/fleet", text, user_id: user }).toString();
  const timestamp = String(Math.floor(NOW.getTime() / 1000));
  return {
    method: "POST",
    path: "/chat/slack",
    body,
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-slack-request-timestamp": timestamp,
      "x-slack-signature": slackSignature(SECRET, timestamp, body),
    },
  };
}

describe("approve and abort of a run whose execution already ended", () => {
  it("answers 409 with the run's real status and changes nothing", async () => {
    await waitingRun();
    starter.executions.set(RUN_ID, { status: "FAILED", startedAt: "2026-11-21T09:00:00.000Z", input: {} });

    const approved = await send({ method: "POST", path: `/runs/${RUN_ID}/approve` });
    const aborted = await send({ method: "POST", path: `/runs/${RUN_ID}/abort` });

    for (const answer of [approved, aborted]) {
      expect(answer.status).toBe(409);
      expect(answer.json.error.status).toBe("FAILED");
      expect(answer.json.error.message).toContain("its execution already ended FAILED");
      expect(answer.json.error.message).toContain("the ledger still says WAITING");
    }
    const run = await world.ledger.getRun(RUN_ID);
    expect(run?.status).toBe("WAITING");
    expect(run?.abortRequested).toBeNull();
    expect(world.resumer.succeeded).toEqual([]);
  });

  it("answers 409 with the status when the run is not waiting for an approval", async () => {
    await seed(
      world.ledger,
      runRecord(),
      [groupRecord("web")],
      [groupProgress("web", { outcome: "RUNNING" })],
    );

    const answer = await send({ method: "POST", path: `/runs/${RUN_ID}/approve` });

    expect(answer.status).toBe(409);
    expect(answer.json.error.status).toBe("RUNNING");
  });

  it("lets one of a concurrent approve and abort win and answers the other 409", async () => {
    await waitingRun();
    const [approved, aborted] = await Promise.all([
      send({ method: "POST", path: `/runs/${RUN_ID}/approve` }),
      send({ method: "POST", path: `/runs/${RUN_ID}/abort` }),
    ]);
    const statuses = [approved.status, aborted.status];
    expect(statuses.filter((s) => s === 409)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200 || s === 202)).toHaveLength(1);
    expect(world.resumer.succeeded).toHaveLength(1);
  });
});

describe("request bodies", () => {
  it("refuses POST bodies that are not JSON with 415 and starts nothing", async () => {
    for (const headers of [
      { "content-type": "text/plain" },
      { "content-type": "application/x-www-form-urlencoded" },
      {},
    ]) {
      const answer = await send({ method: "POST", path: "/runs", body: "{}", headers });
      expect(answer.status, JSON.stringify(headers)).toBe(415);
      expect(answer.json.error.code).toBe("UnsupportedMediaType");
    }
    await waitingRun();
    const approve = await send({
      method: "POST",
      path: `/runs/${RUN_ID}/approve`,
      body: "go=1",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(approve.status).toBe(415);
    expect(starter.executions.size).toBe(1);
    expect((await world.ledger.getRun(RUN_ID))?.status).toBe("WAITING");
  });

  it("answers 413 from the size counted on arrival, before the body is decoded", async () => {
    const answer = await send({
      method: "POST",
      path: "/runs",
      body: null,
      bodyBytes: MAX_BODY_BYTES + 1,
      headers: JSON_TYPE,
    });
    expect(answer.status).toBe(413);
    // The Lambda's event: a base64 body over the limit is counted as sent and never decoded.
    const big = Buffer.alloc(MAX_BODY_BYTES + 3, "{").toString("base64");
    const lambdaEvent = (body: string) => ({
      rawPath: "/runs",
      rawQueryString: "",
      body,
      isBase64Encoded: true,
      headers: JSON_TYPE,
      requestContext: { http: { method: "POST", path: "/runs" } },
    });
    expect(eventBodyBytes(lambdaEvent(big))).toBe(MAX_BODY_BYTES + 3);
    expect(eventBodyBytes(lambdaEvent(Buffer.from("{}").toString("base64")))).toBe(2);
    const refused = await answerHttpApiEvent(lambdaEvent(big), undefined, context);
    expect(refused.statusCode).toBe(413);
    expect(JSON.parse(refused.body).error.code).toBe("PayloadTooLarge");
    expect(starter.executions.size).toBe(0);
  });

  it("answers 413 to a body streamed without a Content-Length, and stops reading it past the limit", async () => {
    const chunk = new TextEncoder().encode("{".repeat(16 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 8) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const request = new Request("http://localhost/runs", {
      method: "POST",
      headers: JSON_TYPE,
      body,
      duplex: "half",
    } as RequestInit);
    expect(request.headers.get("content-length")).toBeNull();
    const answer = await createStatusApp(context).fetch(request);
    expect(answer.status).toBe(413);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe("PayloadTooLarge");
    // Reading stopped past the limit: the rest of the body was never pulled.
    expect(sent).toBeLessThan(8);
    expect(starter.executions.size).toBe(0);
  });

  it("refuses JSON nested thousands deep with 400 naming the limit, not a 500", async () => {
    const body = `{"reason": ${"[".repeat(20_000)}${"]".repeat(20_000)}}`;
    const answer = await send({ method: "POST", path: "/runs", body, headers: JSON_TYPE });
    expect(answer.status).toBe(400);
    expect(answer.json.error.problems[0].expected).toBe("a value nested at most 32 levels deep");
  });
});

describe("Idempotency-Key", () => {
  it("answers 422 IDEMPOTENCY_KEY_REUSED for the same key with a different body, and starts nothing", async () => {
    const keyed = { ...JSON_TYPE, "idempotency-key": "deploy-42" };
    const first = await send({
      method: "POST",
      path: "/runs",
      body: '{"dryRun": false, "reason": "go"}',
      headers: keyed,
    });
    const same = await send({
      method: "POST",
      path: "/runs",
      body: '{"reason": "go", "dryRun": false}',
      headers: keyed,
    });
    const other = await send({
      method: "POST",
      path: "/runs",
      body: '{"dryRun": true, "reason": "go"}',
      headers: keyed,
    });

    expect(first.status).toBe(202);
    expect(same.status).toBe(202);
    expect(same.json.runId).toBe(first.json.runId);
    expect(other.status).toBe(422);
    expect(other.json.error.code).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(other.json.error.message).toContain("deploy-42");
    expect(starter.executions.size).toBe(1);
  });
});

describe("reasons", () => {
  it("refuses a REST abort reason over 500 characters, naming field and limit, changing nothing", async () => {
    await waitingRun();
    const answer = await send({
      method: "POST",
      path: `/runs/${RUN_ID}/abort`,
      body: JSON.stringify({ reason: "x".repeat(501) }),
      headers: JSON_TYPE,
    });
    expect(answer.status).toBe(400);
    expect(answer.json.error.message).toContain("reason");
    expect(answer.json.error.message).toContain("at most 500 characters");
    expect(answer.json.error.message.length).toBeLessThan(300);
    expect((await world.ledger.getRun(RUN_ID))?.abortRequested).toBeNull();
  });

  it("refuses a Slack abort reason over 500 characters in the chat, changing nothing", async () => {
    await waitingRun();
    const answer = await send(slack(`abort ${RUN_ID} ${"y".repeat(600)}`));
    expect(answer.status).toBe(200);
    expect(answer.json.response_type).toBe("ephemeral");
    expect(answer.text).toContain("at most 500 characters");
    expect((await world.ledger.getRun(RUN_ID))?.abortRequested).toBeNull();
    expect(world.resumer.succeeded).toEqual([]);
  });

  it("records a Slack abort with its user beside the reason", async () => {
    await waitingRun();
    const answer = await send(slack(`abort ${RUN_ID} pager went off`));
    expect(answer.json.response_type).toBe("in_channel");
    expect((await world.ledger.getRun(RUN_ID))?.abortRequested).toBe(
      "aborted by an operator: pager went off — by Slack user U0OPS",
    );
  });
});

describe("GET /fleet before any inventory", () => {
  it("reports every count as null and says it does not know them", async () => {
    const json = await send({ method: "GET", path: "/fleet" });
    expect(json.json).toMatchObject({
      runId: null,
      groups: null,
      instances: null,
      byPlatform: null,
      byKernel: null,
      architectures: null,
      al2Instances: null,
    });
    const text = await send({ method: "GET", path: "/fleet", query: { format: "text" } });
    expect(text.text).toContain("no inventory yet");
    expect(text.text).toContain("unknown");
  });
});

describe("Slack answers as Slack apps do", () => {
  const blocksOf = (answer: { json: { blocks: unknown[] } }) => JSON.stringify(answer.json.blocks);

  it("refuses a user not allowed with HTTP 200, ephemeral, naming the user as a mention, changing nothing", async () => {
    await waitingRun();
    const answer = await send(slack(`approve ${RUN_ID}`, "U0INTRUDER"));
    expect(answer.status).toBe(200);
    expect(answer.json.response_type).toBe("ephemeral");
    expect(answer.json.text).toContain("<@U0INTRUDER> may not approve runs");
    expect(blocksOf(answer)).toContain("<@U0INTRUDER>");
    expect((await world.ledger.getRun(RUN_ID))?.status).toBe("WAITING");
    expect(world.resumer.succeeded).toEqual([]);
  });

  it("answers an ended execution (409 in REST), an unknown run and bad syntax with HTTP 200, ephemeral", async () => {
    await waitingRun();
    starter.executions.set(RUN_ID, { status: "FAILED", startedAt: "2026-11-21T09:00:00.000Z", input: {} });
    const ended = await send(slack(`approve ${RUN_ID}`));
    const unknown = await send(slack("status run-that-never-was"));
    const syntax = await send(slack("abort"));
    for (const answer of [ended, unknown, syntax]) {
      expect(answer.status).toBe(200);
      expect(answer.json.response_type).toBe("ephemeral");
    }
    expect(ended.json.text).toContain("already ended FAILED");
    expect(syntax.json.text).toContain("abort needs the run id");
    expect((await world.ledger.getRun(RUN_ID))?.abortRequested).toBeNull();
  });

  it("keeps 401 for a bad signature", async () => {
    const request = slack("status");
    const answer = await send({ ...request, headers: { ...request.headers, "x-slack-signature": "v0=00" } });
    expect(answer.status).toBe(401);
  });

  it("announces an abort in the channel without nested brackets, by a mention", async () => {
    await waitingRun();
    const answer = await send(slack(`abort ${RUN_ID} pager went off`));
    expect(answer.status).toBe(200);
    expect(answer.json.response_type).toBe("in_channel");
    expect(answer.json.text).toContain(
      `run ${RUN_ID} aborting: pager went off — by <@U0OPS>. No new group starts`,
    );
    expect(answer.json.text).not.toMatch(/\([^)]*\(/);
    expect(blocksOf(answer)).toContain("<@U0OPS>");
  });

  it("announces an approval in the channel by a mention", async () => {
    await waitingRun();
    const answer = await send(slack(`approve ${RUN_ID}`));
    expect(answer.json.response_type).toBe("in_channel");
    expect(answer.json.text).toContain("approved by <@U0OPS>");
  });

  it("shows a run and the run list as Block Kit fields, ephemeral, with the text as fallback", async () => {
    await waitingRun();
    const one = await send(slack(`status ${RUN_ID}`));
    expect(one.json.response_type).toBe("ephemeral");
    expect(one.json.text).toContain(`run ${RUN_ID}: WAITING`);
    const fields = one.json.blocks[1].fields.map((f: { text: string }) => f.text);
    expect(fields[0]).toBe("*Status*\nWAITING");
    expect(fields.some((f: string) => f.startsWith("*Groups*\n"))).toBe(true);

    const list = await send(slack("status"));
    expect(list.json.response_type).toBe("ephemeral");
    expect(list.json.blocks[1].type).toBe("section");
    expect(list.json.blocks[1].fields.map((f: { text: string }) => f.text)).toContain(`*Run*\n${RUN_ID}`);
    // No space-aligned table in the blocks.
    expect(blocksOf(list)).not.toContain(`${RUN_ID}  WAITING`);
  });

  it("answers /fleet alone with the inventory summary: AL2 left and days since the end of support", async () => {
    const answer = await send(slack(""));
    expect(answer.status).toBe(200);
    expect(answer.json.response_type).toBe("ephemeral");
    const fields = answer.json.blocks[1].fields.map((f: { text: string }) => f.text);
    expect(fields).toEqual([
      "*AL2 instances left*\nunknown (no inventory yet)",
      // 2026-11-21 is 144 days after AL2's end of support on 2026-06-30.
      "*AL2 end of support (2026-06-30)*\nended 144 days ago",
    ]);
    expect(answer.json.text).toContain("AL2 end of support (2026-06-30) ended 144 days ago");
  });

  it("answers status and /fleet from the router's answer cache, sharing it with the REST reads", async () => {
    await waitingRun();
    context.answers = new AnswerCache(500, () => 0);
    await send({ method: "GET", path: "/fleet" });
    await send({ method: "GET", path: `/runs/${RUN_ID}` });
    const listRuns = vi.spyOn(world.deps.ledger, "listRuns");
    const getRun = vi.spyOn(world.deps.ledger, "getRun");
    const fleet = await send(slack(""));
    const status = await send(slack(`status ${RUN_ID}`));
    expect(fleet.json.response_type).toBe("ephemeral");
    expect(status.json.text).toContain(`run ${RUN_ID}: WAITING`);
    expect(listRuns).not.toHaveBeenCalled();
    expect(getRun).not.toHaveBeenCalled();
  });

  it("keeps a Slack abort's waking of groups within Slack's 3 seconds; the rest roll back at their next poll", async () => {
    const names = ["web-a", "web-b", "web-c"];
    const seedRunning = async () => {
      world = taskWorld();
      context.deps = world.deps;
      await seed(
        world.ledger,
        runRecord({}, { waves: [{ name: "canary", groups: names, instances: 6, status: "RUNNING" }] }),
        names.map((name) => groupRecord(name)),
        names.map((name) => groupProgress(name, { outcome: "RUNNING", instanceRefreshIds: [`ir-${name}`] })),
      );
      starter.executions.set(RUN_ID, { status: "RUNNING", startedAt: "2026-11-21T09:00:00.000Z", input: {} });
    };
    // Every reading of the clock is a second later: each group woken costs a second.
    let clock = 0;
    vi.spyOn(performance, "now").mockImplementation(() => (clock += 1000));
    try {
      await seedRunning();
      const chat = await send(slack(`abort ${RUN_ID} pager`));
      expect(chat.json.text).toContain(
        "rolling back web-a; 2 more groups roll back at their next status poll",
      );
      await seedRunning();
      const rest = await send({ method: "POST", path: `/runs/${RUN_ID}/abort` });
      expect(rest.json.rollingBack).toEqual(names);
    } finally {
      vi.restoreAllMocks();
    }
  });
});
