import { fileURLToPath } from "node:url";
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
  ])("%s exits %i with the run %s", async (name, code, status) => {
    const run = await runCli(["simulate", example(name), "--json"]);
    expect(run.code).toBe(code);
    expect(JSON.parse(run.stdout).status).toBe(status);
  });
});
