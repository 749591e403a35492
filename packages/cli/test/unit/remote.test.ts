import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { regionOf } from "../../src/api-client";
import { remoteCommand } from "../../src/remote";

const credentials = async () => ({ accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI" });

function recorder(status: number, body: unknown) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fake = (async (url: URL, init: RequestInit) => {
    calls.push({ url: String(url), init });
    return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  }) as unknown as typeof fetch;
  return { calls, fake };
}

const quiet = { stdout: () => {}, stderr: () => {} };

describe("remote commands", () => {
  it("signs each request with SigV4 for execute-api in the URL's region", async () => {
    const { calls, fake } = recorder(202, { runId: "run-1", status: "RUNNING" });
    const api = "https://abc123.execute-api.eu-west-1.amazonaws.com";
    const code = await remoteCommand("start", ["--api", api, "--request", '{"dryRun":true}'], quiet, {
      credentials,
      fetch: fake,
      env: {},
    });
    expect(code).toBe(0);
    const call = calls[0];
    expect(call?.url).toBe(`${api}/runs`);
    const headers = call?.init.headers as Record<string, string>;
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=.*host.*, Signature=[0-9a-f]{64}$/,
    );
    expect(headers["x-amz-date"]).toMatch(/^\d{8}T\d{6}Z$/);
    // The signed payload hash is the hash of the body actually sent.
    expect(headers["x-amz-content-sha256"]).toBe(
      createHash("sha256").update('{"dryRun":true}').digest("hex"),
    );
    expect(call?.init.body).toBe('{"dryRun":true}');
  });

  it("takes the region from --region, then the environment, for a custom domain", () => {
    const url = new URL("https://fleet.example.com");
    expect(regionOf(url, "ap-south-1", {})).toBe("ap-south-1");
    expect(regionOf(url, undefined, { AWS_REGION: "eu-central-1" })).toBe("eu-central-1");
    expect(regionOf(url, undefined, {})).toBeUndefined();
    expect(regionOf(new URL("https://x.execute-api.us-west-2.amazonaws.com/"), undefined, {})).toBe(
      "us-west-2",
    );
  });

  it("exits per CONTRACTS section 4: 0 SUCCEEDED, 1 otherwise, 2 for a refused request", async () => {
    const run = (status: string) => ({
      runId: "r",
      status,
      reason: "x",
      waves: [],
      groups: [],
    });
    const api = ["--api", "https://a.execute-api.us-east-1.amazonaws.com"];
    for (const [status, code] of [
      ["SUCCEEDED", 0],
      ["PLANNED", 0],
      ["ROLLED_BACK", 1],
      ["WAITING", 1],
      ["ABORTED", 1],
    ] as const) {
      const { fake } = recorder(200, run(status));
      expect(await remoteCommand("status", ["r", ...api], quiet, { credentials, fetch: fake, env: {} })).toBe(
        code,
      );
    }
    const refused = recorder(400, {
      error: { code: "InvalidRequest", message: "x", problems: [{ field: "a", value: 1, expected: "b" }] },
    });
    const err: string[] = [];
    const io = { stdout: () => {}, stderr: (t: string) => err.push(t) };
    expect(await remoteCommand("start", api, io, { credentials, fetch: refused.fake, env: {} })).toBe(2);
    expect(err.join("\n")).toContain("a: got 1, expected b");
    const iam = recorder(403, { message: "Forbidden" });
    expect(await remoteCommand("approve", ["r", ...api], io, { credentials, fetch: iam.fake, env: {} })).toBe(
      1,
    );
    expect(err.pop()).toContain("execute-api:Invoke");
  });
});

describe("remote start and retries", () => {
  const api = ["--api", "https://a.execute-api.us-east-1.amazonaws.com"];

  it("sends a signed Idempotency-Key, new for each start unless one is given", async () => {
    const first = recorder(202, { runId: "run-1" });
    const second = recorder(202, { runId: "run-2" });
    await remoteCommand("start", api, quiet, { credentials, fetch: first.fake, env: {} });
    await remoteCommand("start", api, quiet, { credentials, fetch: second.fake, env: {} });
    const keyOf = (r: ReturnType<typeof recorder>) =>
      ((r.calls[0]?.init.headers ?? {}) as Record<string, string>)["idempotency-key"];
    expect(keyOf(first)).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(keyOf(second)).not.toBe(keyOf(first));
    const signed = ((first.calls[0]?.init.headers ?? {}) as Record<string, string>).authorization;
    expect(signed).toMatch(/SignedHeaders=[^,]*idempotency-key/);

    const given = recorder(202, { runId: "run-1" });
    await remoteCommand("start", [...api, "--idempotency-key", "nightly-2026-11-29"], quiet, {
      credentials,
      fetch: given.fake,
      env: {},
    });
    expect(keyOf(given)).toBe("nightly-2026-11-29");
  });

  it("refuses a malformed --idempotency-key before calling the API, naming flag, value and rule", async () => {
    const calls = recorder(202, { runId: "run-1" });
    await expect(
      remoteCommand("start", [...api, "--idempotency-key", "has spaces"], quiet, {
        credentials,
        fetch: calls.fake,
        env: {},
      }),
    ).rejects.toThrow(/--idempotency-key: got "has spaces", expected 1-64 letters, digits/);
    expect(calls.calls).toHaveLength(0);
  });

  it("exits 2 when the API refuses the input: a key reused with another body (422), not JSON (415), too large (413)", async () => {
    for (const status of [422, 415, 413]) {
      const refused = recorder(status, { error: { code: "IDEMPOTENCY_KEY_REUSED", message: "reused" } });
      expect(await remoteCommand("start", api, quiet, { credentials, fetch: refused.fake, env: {} })).toBe(2);
    }
    const conflict = recorder(409, { error: { code: "Conflict", message: "ended" } });
    expect(await remoteCommand("start", api, quiet, { credentials, fetch: conflict.fake, env: {} })).toBe(1);
  });
});
