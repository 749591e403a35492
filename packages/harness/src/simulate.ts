import type { Scenario } from "@fleet-upgrade/core/scenario";
import { DEFAULT_SETTINGS } from "@fleet-upgrade/functions";
import { effectiveRequest } from "./run-bounds";
import { SimulatedEnvironment } from "./simulated-environment";
import type { SimulationOptions, SimulationOutcome } from "./simulation-types";

/**
 * Runs one upgrade of a simulated account end to end (see {@link SimulatedEnvironment}).
 */
export async function simulate(
  scenario: Scenario,
  options: SimulationOptions = {},
): Promise<SimulationOutcome> {
  const settings = options.settings ?? DEFAULT_SETTINGS;
  effectiveRequest(scenario, options.request ?? scenario.request ?? {}, settings);
  const env = await SimulatedEnvironment.start(scenario, { settings });
  try {
    return await env.run(options);
  } finally {
    await env.close();
  }
}
