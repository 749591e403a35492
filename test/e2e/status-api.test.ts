/**
 * The status API end to end through `fleet-upgrade serve`: a real HTTP server on loopback, the
 * router, the simulated account advancing live, the ledger on dynalite; and the CLI's remote
 * commands against it.
 */

import { main, remoteCommand, type ServeHandle, startServe } from "@fleet-upgrade/cli";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SLACK_ENV, statusScenario as scenario, slackRequest } from "./status-support";

let serve: ServeHandle;

beforeAll(async () => {
  serve = await startServe({
    scenario,
    port: 0,
    speed: 100_000,
    env: SLACK_ENV,
  });
});

afterAll(async () => {
  await serve?.close();
});

async function call(
  method: string,
  path: string,
  init: { body?: string; headers?: Record<string, string> } = {},
) {
  const response = await fetch(serve.url + path, { method, ...init });
  const text = await response.text();
  const type = response.headers.get("content-type") ?? "";
  return {
    status: response.status,
    type,
    text,
    // biome-ignore lint/suspicious/noExplicitAny: test reads of JSON answers
    json: (type.startsWith("application/json") ? JSON.parse(text) : null) as any,
  };
}

async function until(runId: string, done: (status: string) => boolean, timeoutMs = 30_000) {
  const start = Date.now();
  for (;;) {
    const { json } = await call("GET", `/runs/${runId}`);
    if (json?.status && done(json.status)) return json;
    if (Date.now() - start > timeoutMs) throw new Error(`run ${runId} stayed ${json?.status}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function slack(text: string, options: { user?: string; secret?: string; ageSeconds?: number } = {}) {
  return call("POST", "/chat/slack", slackRequest(text, options));
}

describe("fleet-upgrade serve", () => {
  let runId = "";

  it("shows no inventory and the AL2 deadline before any run", async () => {
    const fleet = await call("GET", "/fleet");
    expect(fleet.status).toBe(200);
    expect(fleet.json).toMatchObject({
      runId: null,
      groups: null,
      instances: null,
      al2EndOfSupport: "2026-06-30",
    });
    expect(typeof fleet.json.daysToAl2EndOfSupport).toBe("number");
    expect((await call("GET", "/runs")).json).toEqual({ runs: [] });
  });

  it("refuses what a web page could send: a foreign Origin (403), text or form bodies (415), and an oversized body (413) before decoding", async () => {
    const fromPage = await call("POST", "/runs", {
      body: "{}",
      headers: { "content-type": "application/json", origin: "https://evil.example" },
    });
    expect(fromPage.status).toBe(403);
    for (const type of ["text/plain", "application/x-www-form-urlencoded"]) {
      const answer = await call("POST", "/runs", { body: "{}", headers: { "content-type": type } });
      expect(answer.status, type).toBe(415);
    }
    const approve = await call("POST", "/runs/run-none/approve", {
      headers: { origin: "http://attacker.test" },
    });
    expect(approve.status).toBe(403);
    const big = await call("POST", "/runs", {
      body: "{".repeat(70_000),
      headers: { "content-type": "application/json" },
    });
    expect(big.status).toBe(413);
    expect((await call("GET", "/runs")).json).toEqual({ runs: [] });
    // The server's own origin is not foreign.
    const own = await call("GET", "/fleet", { headers: { origin: serve.url } });
    expect(own.status).toBe(200);
  });

  it("refuses an invalid run request with every problem named, and starts nothing", async () => {
    const refused = await call("POST", "/runs", {
      body: JSON.stringify({ image: { kernel: "7" }, rollout: { checkpoints: [0] }, colour: "blue" }),
      headers: { "content-type": "application/json" },
    });
    expect(refused.status).toBe(400);
    expect(refused.json.error.code).toBe("InvalidRequest");
    expect(refused.json.error.problems.map((p: { field: string }) => p.field).sort()).toEqual([
      "colour",
      "image.kernel",
      "rollout.checkpoints[0]",
    ]);
    expect(refused.json.error.message).toContain('image.kernel: got "7"');
    expect((await call("GET", "/runs")).json.runs).toHaveLength(0);
  });

  it("starts a run that advances live and is readable at once; a second start is refused", async () => {
    const started = await call("POST", "/runs", {
      body: JSON.stringify({ rollout: { approval: "between-waves" } }),
      headers: { "content-type": "application/json" },
    });
    expect(started.status).toBe(202);
    runId = started.json.runId;
    expect(runId).toMatch(/^run-\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    const detail = await call("GET", `/runs/${runId}`);
    expect(detail.status).toBe(200);
    expect(["RUNNING", "WAITING"]).toContain(detail.json.status);
    expect(detail.json.request.rollout.approval).toBe("between-waves");
    expect(detail.json.request.reason).toBe("status API end-to-end");

    const second = await call("POST", "/runs", {
      body: "{}",
      headers: { "content-type": "application/json" },
    });
    expect(second.status).toBe(409);
    expect(second.json.error.message).toContain(runId);
  });

  it("lists the run and summarises it in text while it waits for approval", async () => {
    await until(runId, (s) => s === "WAITING");
    const list = await call("GET", "/runs?limit=5");
    expect(list.json.runs[0]).toMatchObject({
      runId,
      status: "WAITING",
      reason: "status API end-to-end",
      progress: { wave: { number: 1, of: 2, name: "canary" }, groups: { total: 3, done: 2, upgraded: 2 } },
    });
    const text = await call("GET", `/runs/${runId}`, { headers: { accept: "text/plain" } });
    expect(text.type).toMatch(/^text\/plain/);
    expect(text.text).toContain(`run ${runId}: WAITING, waiting for approval after wave 1 of 2 (canary)`);
    expect(text.text).toContain("groups: 2 of 3 groups done, 2 upgraded");
    expect((await call("GET", `/runs/${runId}?format=text`)).text).toBe(text.text);
    expect((await call("GET", "/runs?format=text")).text).toContain(`${runId}  WAITING`);
    const fleet = await call("GET", "/fleet?format=text");
    expect(fleet.text).toMatch(/fleet as of run .*: 3 groups, \d+ instances/);
    expect(fleet.text).toContain("AL2 still running:");
  });

  it("checks Slack's signature: correct, wrong and stale", async () => {
    const ok = await slack(`status ${runId}`);
    expect(ok.status).toBe(200);
    expect(ok.json.response_type).toBe("ephemeral");
    expect(ok.json.text).toContain(`run ${runId}: WAITING`);
    expect(JSON.stringify(ok.json.blocks)).toContain(`run ${runId}: WAITING`);

    const wrong = await slack(`status ${runId}`, { secret: "not-the-secret" });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error.message).toContain("does not match");
    const stale = await slack(`status ${runId}`, { ageSeconds: 6 * 60 });
    expect(stale.status).toBe(401);
    expect(stale.json.error.message).toContain("5 minutes");
  });

  it("lets only allowed Slack users approve, and the approved run goes on to succeed", async () => {
    const refused = await slack(`approve ${runId}`, { user: "U0INTRUDER" });
    // Slack shows any status but 200 as a generic failure: a refusal is an ephemeral answer.
    expect(refused.status).toBe(200);
    expect(refused.json.response_type).toBe("ephemeral");
    expect(refused.json.text).toContain("<@U0INTRUDER> may not approve runs");
    expect((await call("GET", `/runs/${runId}`)).json.status).toBe("WAITING");

    const approved = await slack(`approve ${runId}`);
    expect(approved.status).toBe(200);
    expect(approved.json.response_type).toBe("in_channel");
    expect(approved.json.text).toContain(`run ${runId} approved`);
    const result = await until(runId, (s) => s !== "RUNNING" && s !== "WAITING");
    expect(result.status).toBe("SUCCEEDED");
    expect(result.groups.map((g: { outcome: string }) => g.outcome)).toEqual([
      "UPGRADED",
      "UPGRADED",
      "UPGRADED",
    ]);

    const again = await call("POST", `/runs/${runId}/approve`);
    expect(again.status).toBe(409);
    const late = await slack(`abort ${runId}`);
    expect(late.status).toBe(200);
    expect(late.json.text).toContain("already ended SUCCEEDED");
  });

  it("drives a second run with the CLI: start, status --watch, abort", async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) };
    const options = {
      credentials: async () => ({ accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" }),
      watchIntervalMs: 25,
      env: {},
    };
    const api = ["--api", serve.url];
    const request = JSON.stringify({ rollout: { approval: "between-waves" } });
    expect(await remoteCommand("start", ["--request", request, ...api], io, options)).toBe(0);
    const second = out.pop() ?? "";
    expect(second).toMatch(/^run-/);

    // WAITING needs a human: exit 1, and stderr says how to approve.
    expect(await remoteCommand("status", [second, ...api, "--watch"], io, options)).toBe(1);
    expect(out.pop()).toContain(`run ${second}: WAITING`);
    expect(err.join("\n")).toContain(`fleet-upgrade approve ${second}`);

    expect(await remoteCommand("abort", [second, ...api, "--reason", "pager went off"], io, options)).toBe(0);
    expect(out.pop()).toContain(`run ${second} aborting`);
    expect(await remoteCommand("status", [second, ...api, "--watch"], io, options)).toBe(1);
    expect(out.pop()).toContain("reason: aborted by an operator: pager went off");

    expect(await remoteCommand("status", [runId, ...api], io, options)).toBe(0);
    expect(await remoteCommand("status", api, io, options)).toBe(0);
    expect(out.pop()).toContain(`${runId}  SUCCEEDED`);

    expect(await remoteCommand("approve", ["run-unknown", ...api], io, options)).toBe(1);
    expect(err.pop()).toContain("NotFound: run run-unknown does not exist");
    expect(
      await remoteCommand("start", ["--request", '{"rollout":{"checkpoints":[0]}}', ...api], io, options),
    ).toBe(2);
    expect(err.pop()).toContain("rollout.checkpoints[0]: got 0, expected an integer 1-99");
  });

  it("exits 2 on bad flags and 1 when the API cannot be reached", async () => {
    const err: string[] = [];
    const io = { stdout: () => {}, stderr: (t: string) => err.push(t) };
    expect(await main(["status", "x", "--api", "not a url"], io)).toBe(2);
    expect(await main(["approve", "--api", serve.url], io)).toBe(2);
    expect(err.join("\n")).toContain("approve needs a RUN_ID");
    expect(await main(["serve", "--speed", "fast"], io)).toBe(2);
    expect(await main(["status", "x", "--api", "http://127.0.0.1:9"], io)).toBe(1);
    expect(err.pop()).toContain("cannot reach http://127.0.0.1:9");
  });

  it("answers unknown routes 404 and wrong methods 405, in the error shape", async () => {
    const missing = await call("GET", "/nope");
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe("NotFound");
    expect((await call("GET", "/runs/no-such-run")).status).toBe(404);
    const wrong = await call("DELETE", "/runs");
    expect(wrong.status).toBe(405);
    expect(wrong.json.error.code).toBe("MethodNotAllowed");
    const fleet = await call("GET", "/fleet");
    expect(fleet.json.runId).toMatch(/^run-/);
    expect(fleet.json.groups).toBe(3);
  });
});
