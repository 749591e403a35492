import { fileURLToPath } from "node:url";
import type { RunResult } from "@fleet-upgrade/core";
import { describe, expect, it } from "vitest";
import { runCli } from "./support";

const example = (name: string) => fileURLToPath(new URL(`../../examples/${name}.yaml`, import.meta.url));

/** The rehearsal scenarios in examples/ end as their comments say. */
describe("the bundled rehearsal scenarios", () => {
  it.each([
    ["mixed-fleet", 0, "SUCCEEDED"],
    ["canary-alarm", 1, "ROLLED_BACK"],
    ["bad-day", 0, "SUCCEEDED"],
    ["operator", 1, "ABORTED"],
    ["slow-kernel", 1, "ROLLED_BACK"],
  ])("%s exits %i with the run %s", async (name, code, status) => {
    const run = await runCli(["simulate", example(name), "--json"]);
    expect(run.code).toBe(code);
    const result = JSON.parse(run.stdout) as RunResult;
    expect(result.status).toBe(status);
    if (name === "slow-kernel") {
      // Caught by the regression judge where no alarm fires: the reason is the judge's, not an alarm's.
      const canary = result.groups.find((g) => g.name === "web-canary");
      expect(canary?.outcome).toBe("ROLLED_BACK");
      expect(canary?.reason).toContain("AWS/EC2 CPUUtilization regressed at checkpoint 20%");
      expect(canary?.reason).not.toMatch(/alarm/i);
      expect(canary?.analysis?.map((a) => a.verdict)).toEqual(["FAIL"]);
      expect(result.waves.slice(1).map((w) => w.status)).toEqual(["NOT_STARTED", "NOT_STARTED"]);
    }
  });
});
