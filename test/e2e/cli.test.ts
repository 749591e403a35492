import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const BIN = join(import.meta.dirname, "../../packages/cli/bin/fleet-upgrade.mjs");

/** Runs the real `fleet-upgrade` in a child process, as a user would. */
function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const COMMANDS = ["simulate", "plan", "serve", "start", "status", "approve", "abort"];

describe("the fleet-upgrade command, spawned", () => {
  it("answers --help on every command with its own usage, exit 0", async () => {
    const runs = await Promise.all(COMMANDS.map((command) => cli([command, "--help"])));
    runs.forEach((run, i) => {
      expect(run.code, `${COMMANDS[i]} --help: ${run.stderr}`).toBe(0);
      expect(run.stdout).toContain(`Usage: fleet-upgrade ${COMMANDS[i]}`);
      expect(run.stderr).toBe("");
    });
    expect(runs[0]?.stdout).toContain("merged over");
  }, 120_000);

  it("prints its version, exit 0", async () => {
    const run = await cli(["--version"]);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  }, 60_000);

  it("suggests the command and the option meant, exit 2 without a stack", async () => {
    const [command, option] = await Promise.all([cli(["simulte"]), cli(["simulate", "--jsn"])]);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain("Did you mean simulate?");
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("Did you mean --json?");
    for (const run of [command, option]) expect(run.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  it("refuses a report in a missing folder before the run, exit 2", async () => {
    const missing = join(mkdtempSync(join(tmpdir(), "fleet-upgrade-")), "no-such-folder", "run.html");
    const run = await cli(["simulate", "--report", missing]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("no-such-folder");
    expect(run.stderr).not.toContain("simulating");
    expect(run.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  describe("serve on a busy port", () => {
    let busy: Server;
    let port = 0;
    beforeAll(async () => {
      busy = createServer();
      await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", () => resolve()));
      port = (busy.address() as { port: number }).port;
    });
    afterAll(() => new Promise<void>((resolve) => busy.close(() => resolve())));

    it("exits 2 with the port named and no stack, and does not hang", async () => {
      const run = await cli(["serve", "--port", String(port)]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`--port ${port}`);
      expect(run.stderr).toContain("in use");
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }, 60_000);
  });
});
