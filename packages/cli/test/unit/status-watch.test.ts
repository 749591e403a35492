import { describe, expect, it } from "vitest";
import { remoteCommand } from "../../src/remote";

const credentials = async () => ({ accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI" });

const run = (
  status: string,
  live?: { percentReplaced: number; elapsedSeconds: number; leftSeconds: number },
) => ({
  runId: "r",
  status,
  reason: "AL2 end of support",
  waves: [{ name: "early", status: status === "RUNNING" ? "RUNNING" : "SUCCEEDED", groups: ["web"] }],
  groups: [{ name: "web", outcome: live ? "RUNNING" : "UPGRADED", ...(live ? { live } : {}) }],
});

describe("status --watch", () => {
  it("prints each running group's percent replaced, elapsed and time left as the run advances", async () => {
    const answers = [
      run("RUNNING", { percentReplaced: 20, elapsedSeconds: 300, leftSeconds: 1800 }),
      run("RUNNING", { percentReplaced: 50, elapsedSeconds: 900, leftSeconds: 1200 }),
      run("SUCCEEDED"),
    ];
    const fake = (async () => {
      const body = answers.shift() ?? run("SUCCEEDED");
      return new Response(JSON.stringify(body), {
        status: 200,
        headers: { "content-type": "application/json" },
      });
    }) as unknown as typeof fetch;
    const err: string[] = [];
    const out: string[] = [];
    const code = await remoteCommand(
      "status",
      ["r", "--watch", "--api", "https://a.execute-api.us-east-1.amazonaws.com"],
      { stdout: (t) => out.push(t), stderr: (t) => err.push(t) },
      { credentials, fetch: fake, env: {}, watchIntervalMs: 0 },
    );
    expect(code).toBe(0);
    expect(err).toContain("  web: 20% replaced, 5 min in, about 30 min left");
    expect(err).toContain("  web: 50% replaced, 15 min in, about 20 min left");
    expect(out.join("\n")).toContain("run r: SUCCEEDED");
  });
});
