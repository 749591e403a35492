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

  it("refuses JSON nested thousands deep with exit 2 and the depth limit, not a RangeError stack", async () => {
    const depth = 5_000;
    const request = `{"reason": ${"[".repeat(depth)}${"]".repeat(depth)}}`;
    const { code, stderr } = await runCli(["simulate", "--request", request]);
    expect(code).toBe(2);
    expect(stderr).toContain("nested at most 32 levels deep");
    expect(stderr).not.toContain("RangeError");
  });

  it("refuses sizes no account has, with exit 2 naming each field, before simulating anything", async () => {
    const path = tempFile(
      "huge.yaml",
      [
        "name: huge",
        "standalone: 1000000000",
        "hardening: { stigSeconds: 1000000000000000 }",
        "images: [{ imageId: ami-al2, name: al2, platform: Amazon Linux, platformVersion: '2', kernelVersion: '5.10', architecture: x86_64 }]",
        "groups:",
        "  - name: web",
        "    desired: 1000000000",
        "    launchTemplate: { name: web-lt, version: 9007199254740991, imageId: ami-al2 }",
      ].join("\n"),
    );
    const { code, stderr } = await runCli([
      "simulate",
      path,
      "--request",
      `{"reason": "${"r".repeat(501)}"}`,
    ]);
    expect(code).toBe(2);
    for (const field of [
      "standalone",
      "hardening.stigSeconds",
      "groups[0].desired",
      "groups[0].launchTemplate.version",
    ])
      expect(stderr).toContain(field);
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
