import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunResult } from "@fleet-upgrade/core";
import { describe, expect, it } from "vitest";
import { main } from "../../src/main";
import { DEFAULT_PORT, DEFAULT_SPEED } from "../../src/serve";

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

describe("main", () => {
  it.each(["simulate", "plan", "serve", "start", "status", "approve", "abort"])(
    "answers %s --help with that command's options, exit 0",
    async (command) => {
      const { code, stdout, stderr } = await run([command, "--help"]);
      expect(code).toBe(0);
      expect(stdout).toContain(`Usage: fleet-upgrade ${command}`);
      expect(stderr).toBe("");
    },
  );

  it("lists every command on --help and exits 2 on no command at all", async () => {
    const help = await run(["--help"]);
    expect(help.code).toBe(0);
    for (const command of ["simulate", "plan", "serve", "start", "status", "approve", "abort"])
      expect(help.stdout).toContain(command);
    const none = await run([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("Usage: fleet-upgrade");
  });

  it("shows serve's own defaults in its help", async () => {
    const { stdout } = await run(["serve", "--help"]);
    expect(stdout).toContain(`(default: ${DEFAULT_PORT})`);
    expect(stdout).toContain(`(default: ${DEFAULT_SPEED})`);
  });

  it("prints the version of package.json", async () => {
    const { code, stdout } = await run(["--version"]);
    expect(code).toBe(0);
    expect(stdout).toBe("0.1.0");
  });

  it("suggests the nearest command and option, exit 2", async () => {
    const command = await run(["simulte"]);
    expect(command).toMatchObject({ code: 2 });
    expect(command.stderr).toContain("Did you mean simulate?");
    const option = await run(["simulate", "--jsn"]);
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("Did you mean --json?");
    const remote = await run(["abort", "r1", "--reasn", "x"]);
    expect(remote.code).toBe(2);
    expect(remote.stderr).toContain("Did you mean --reason?");
  });

  it("refuses a flag without its value and a missing RUN_ID, exit 2", async () => {
    expect((await run(["simulate", "--request"])).code).toBe(2);
    const approve = await run(["approve", "--api", "http://127.0.0.1:9"]);
    expect(approve.code).toBe(2);
    expect(approve.stderr).toContain("approve needs a RUN_ID");
    expect((await run(["approve", "--help"])).stdout).toContain(
      "Usage: fleet-upgrade approve [options] RUN_ID",
    );
  });

  it("refuses a report path that is a folder, or in a missing folder, before the run", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fleet-upgrade-"));
    const missing = await run(["simulate", "--report", join(dir, "missing", "run.html")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(join(dir, "missing"));
    expect(missing.stderr).not.toContain("simulating");
    const folder = join(dir, "a.html");
    mkdirSync(folder);
    const isFolder = await run(["simulate", "--report", folder]);
    expect(isFolder.code).toBe(2);
    expect(isFolder.stderr).toContain("it is a folder");
  });

  it("merges --request over the scenario's request, as serve does", async () => {
    const { code, stdout } = await run(["simulate", "--json", "--request", '{"dryRun": true}']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as RunResult;
    expect(result.status).toBe("PLANNED");
    // examples/mixed-fleet.yaml's request: its reason and its three waves survive the merge.
    expect(result.request.reason).toContain("AL2 end of support");
    expect(result.request.rollout.waves[1]).toMatchObject({ name: "early", ring: "early" });
  });
});
