import { describe, expect, it } from "vitest";
import { runCli, tempFile } from "./support";

describe("invalid input", () => {
  it("refuses fips with the default kernel track, naming the field and value, and runs nothing", async () => {
    const { code, stdout, stderr } = await runCli([
      "simulate",
      "--request",
      '{"image": {"kernel": "default"}}',
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain("image.kernel");
    expect(stderr).toContain('"default"');
    expect(stderr).toContain("6.1");
    expect(stderr).not.toContain("inventorying");
    expect(stdout).toBe("");
  });

  it("names every problem of a request at once", async () => {
    const request = JSON.stringify({
      rollout: { checkpoints: [50, 20], minHealthyPercentage: 150 },
      dryRun: "yes",
    });
    const { code, stderr } = await runCli(["simulate", "--request", request]);
    expect(code).toBe(2);
    expect(stderr).toContain("rollout.checkpoints");
    expect(stderr).toContain("rollout.minHealthyPercentage");
    expect(stderr).toContain("dryRun");
  });

  it("names every problem of a scenario file, with field and value", async () => {
    const path = tempFile(
      "broken.yaml",
      [
        "name: broken",
        "images: []",
        "groups:",
        "  - name: web",
        "    desired: -1",
        "    launchTemplate: { name: web-lt, version: 1, imageId: ami-missing }",
      ].join("\n"),
    );
    const { code, stderr } = await runCli(["simulate", path]);
    expect(code).toBe(2);
    expect(stderr).toContain("groups[0].desired");
    expect(stderr).toContain("-1");
    expect(stderr).toContain("groups[0].launchTemplate.imageId");
    expect(stderr).toContain("ami-missing");
  });

  it("names a scenario file that cannot be read", async () => {
    const { code, stderr } = await runCli(["simulate", "/nonexistent/scenario.yaml"]);
    expect(code).toBe(2);
    expect(stderr).toContain("/nonexistent/scenario.yaml");
  });

  it("refuses unknown flags and commands with exit code 2", async () => {
    expect((await runCli(["simulate", "--frobnicate"])).code).toBe(2);
    const unknown = await runCli(["upgrade-everything"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("upgrade-everything");
  });
});
