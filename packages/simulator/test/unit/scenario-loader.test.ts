import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvalidScenarioError } from "@fleet-upgrade/core";
import { describe, expect, it } from "vitest";
import { loadScenario, parseScenarioText } from "../../src/index";

const YAML = `
name: tiny
seed: 3
images:
  - { imageId: ami-al2, name: amzn2-ami-kernel-5.10-hvm-2.0.20260101-x86_64-gp2, platform: "Amazon Linux",
      platformVersion: "2", kernelVersion: 5.10.245-245.983.amzn2, architecture: x86_64 }
groups:
  - name: web
    desired: 4
    launchTemplate: { name: web-lt, version: "2", imageId: ami-al2 }
    tags: { fleet-upgrade:managed: "true" }
`;

describe("scenario loader", () => {
  it("reads YAML and applies the schema's defaults", () => {
    const scenario = parseScenarioText(YAML, "tiny.yaml");
    expect(scenario.groups[0]).toMatchObject({ min: 4, max: 4, launchSeconds: 60, warmupSeconds: 120 });
    expect(scenario.groups[0]?.launchTemplate.version).toBe(2);
    expect(scenario.hardening.stigSeconds).toBe(600);
  });

  it("reads JSON by extension and by trying JSON first", () => {
    const json = JSON.stringify({ ...parseScenarioText(YAML, "tiny.yaml"), request: {} });
    expect(parseScenarioText(json, "tiny.json").name).toBe("tiny");
    expect(parseScenarioText(json, "tiny.scenario").name).toBe("tiny");
  });

  it("names the line of a YAML syntax error", () => {
    const error = (() => {
      try {
        parseScenarioText("name: x\ngroups: [\n  - a\n", "broken.yaml");
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidScenarioError);
    expect((error as Error).message).toMatch(/broken\.yaml line \d/);
  });

  it("names the invalid field and its value", () => {
    const error = (() => {
      try {
        parseScenarioText(YAML.replace("desired: 4", "desired: -2"), "tiny.yaml");
      } catch (e) {
        return e;
      }
    })() as InvalidScenarioError;
    expect(error).toBeInstanceOf(InvalidScenarioError);
    expect(error.problems.map((p) => [p.field, p.value])).toContainEqual(["groups[0].desired", -2]);
  });

  it("loads a file from disk and reports a missing one", () => {
    const dir = mkdtempSync(join(tmpdir(), "scenario-"));
    const file = join(dir, "tiny.yml");
    writeFileSync(file, YAML);
    expect(loadScenario(file).groups).toHaveLength(1);
    expect(() => loadScenario(join(dir, "missing.yaml"))).toThrow(InvalidScenarioError);
  });
});
