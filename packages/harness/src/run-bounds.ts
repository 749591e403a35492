import { groupLowerBoundSeconds, runLowerBoundSeconds } from "@fleet-upgrade/core/plan";
import { needsHardening, parseRunRequest, type RunRequest } from "@fleet-upgrade/core/request";
import type { Scenario } from "@fleet-upgrade/core/scenario";
import type { FunctionSettings } from "@fleet-upgrade/functions";

/** Validates the request the simulation will run, as the first state would; throws with every problem. */
export function effectiveRequest(
  scenario: Scenario,
  request: unknown,
  settings: FunctionSettings,
): RunRequest {
  const parsed = parseRunRequest(request ?? scenario.request ?? {}, settings.stage);
  if (!parsed.ok) {
    const error = new Error("invalid run request") as Error & { problems: unknown };
    error.name = "InvalidRunRequestError";
    error.problems = parsed.problems;
    throw error;
  }
  return parsed.request;
}

/** CONTRACTS section 3: the run's lower bound for this scenario, request and plan. */
export function lowerBound(scenario: Scenario, request: RunRequest, waves: string[][]): number {
  if (request.dryRun) return 0;
  const byName = new Map(scenario.groups.map((g) => [g.name, g]));
  const groupBound = (name: string) => {
    const group = byName.get(name);
    return group ? groupLowerBoundSeconds(group, request.rollout) : 0;
  };
  return runLowerBoundSeconds({
    waves: waves.map((names) => names.map(groupBound)),
    rollout: request.rollout,
    hardening: scenario.hardening,
    hardens: needsHardening(request),
  });
}
