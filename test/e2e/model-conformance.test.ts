import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { simulate } from "@fleet-upgrade/harness";
import { loadScenario } from "@fleet-upgrade/simulator";
import { describe, expect, it } from "vitest";

const examplesDir = fileURLToPath(new URL("../../examples/", import.meta.url));
const examples = readdirSync(examplesDir).filter((name) => name.endsWith(".yaml"));

/**
 * Every request a simulated run sends is one AWS's API model accepts: the simulator checks each
 * against packages/simulator/models before answering and keeps what it refused.
 */
describe("the product's requests against AWS's API models", () => {
  it("finds example scenarios to run", () => {
    expect(examples.length).toBeGreaterThanOrEqual(4);
  });

  it.each(examples)("%s: no simulated request violates its model", async (name) => {
    const { account } = await simulate(loadScenario(`${examplesDir}${name}`));
    expect(account.modelViolations()).toEqual([]);
    expect(Object.keys(account.apiCalls()).length).toBeGreaterThan(5);
  });
});
