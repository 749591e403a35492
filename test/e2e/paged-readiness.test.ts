import { join } from "node:path";
import { parseScenarioObject, type Scenario } from "@fleet-upgrade/core";
import { DEFAULT_SETTINGS } from "@fleet-upgrade/functions";
import { type SimulationOutcome, simulate } from "@fleet-upgrade/harness";
import { generateFleetScenario, loadScenario } from "@fleet-upgrade/simulator";
import { beforeAll, describe, expect, it } from "vitest";
import { MUTATING_OPERATIONS, mistypedRingScenario } from "./support";

/**
 * The preflight in pages (issue 11, item 2): under a small call budget, readiness takes several
 * invocations, none over the budget, and judges exactly as one invocation with no budget does:
 * the same entries, the same refusal.
 */
const NOT_READY = join(__dirname, "..", "scenarios", "not-ready.yaml");
const BUDGET = 10;
/** A budget no fleet here reaches: the whole preflight in one invocation. */
const UNBOUNDED = 1_000_000;

async function simulateWith(scenario: Scenario, budget: number, request?: unknown) {
  let more = 0;
  const outcome = await simulate(scenario, {
    settings: { ...DEFAULT_SETTINGS, callsPerInvocation: budget },
    ...(request !== undefined && { request }),
    onEvent: (e) => {
      if (e.kind === "state" && e.state === "ReadinessMore") more++;
    },
  });
  return { outcome, more };
}

describe("readiness in pages judges a fleet that is not ready as one page does", () => {
  const scenario = loadScenario(NOT_READY);
  const dryRun = { ...(scenario.request as object), dryRun: true };
  let onePage: { outcome: SimulationOutcome; more: number };
  let paged: { outcome: SimulationOutcome; more: number };
  beforeAll(async () => {
    onePage = await simulateWith(scenario, UNBOUNDED, dryRun);
    paged = await simulateWith(scenario, BUDGET, dryRun);
  }, 240_000);

  it("takes several invocations, none over the budget, where one page takes one over it", () => {
    expect(onePage.more).toBe(0);
    expect(onePage.outcome.footprint.maxCallsByFunction.readiness).toBeGreaterThan(BUDGET);
    expect(paged.more).toBeGreaterThan(3);
    expect(paged.outcome.footprint.maxCallsByFunction.readiness).toBeLessThanOrEqual(BUDGET);
  });

  it("gives the same entries, in the same order, and the same plan", () => {
    const readiness = paged.outcome.result.readiness ?? [];
    expect(readiness.filter((r) => r.level === "BLOCKED").length).toBeGreaterThan(3);
    expect(readiness).toEqual(onePage.outcome.result.readiness);
    expect(paged.outcome.result.groups).toEqual(onePage.outcome.result.groups);
  });
});

describe("readiness in pages refuses what one page refuses", () => {
  it("fails a run whose first wave names a mistyped ring, before any change", async () => {
    const scenario = mistypedRingScenario();
    const [one, paged] = [await simulateWith(scenario, UNBOUNDED), await simulateWith(scenario, BUDGET)];
    expect(paged.more).toBeGreaterThan(0);
    expect(paged.outcome.result.status).toBe("FAILED");
    expect(paged.outcome.result.reason).toBe(one.outcome.result.reason);
    expect(paged.outcome.result.reason).toContain("wave canary (ring canry)");
    for (const op of MUTATING_OPERATIONS)
      expect(paged.outcome.result.metrics.apiCalls[op], op).toBeUndefined();
    expect(paged.outcome.result.readiness).toEqual(one.outcome.result.readiness);
  }, 240_000);
});

describe("a template shared with a group on another page of the account", () => {
  it("is found: the sharing is gathered over every page of groups before any group is judged", async () => {
    // 105 groups: DescribeAutoScalingGroups answers 100 a page, so the group outside the run
    // (sorted last) is on the second page, its template's own group on the first.
    const generated = generateFleetScenario({ groups: 105, instances: 210, seed: 5 });
    const first = generated.groups[0];
    if (!first?.launchTemplate) throw new Error("the generated fleet has no first group");
    const parsed = parseScenarioObject({
      ...structuredClone(generated),
      groups: [
        ...generated.groups.map((g) =>
          g.name === first.name
            ? { ...g, launchTemplate: { ...first.launchTemplate, version: "$Latest" } }
            : g,
        ),
        {
          name: "zz-outside",
          desired: 1,
          launchTemplate: { ...first.launchTemplate, version: "$Latest" },
          tags: { team: "other" },
        },
      ],
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const request = { ...(parsed.scenario.request as object), dryRun: true };
    const paged = await simulateWith(parsed.scenario, 40, request);
    const entry = (paged.outcome.result.readiness ?? []).find((r) => r.group === first.name);
    expect(entry?.level).toBe("BLOCKED");
    const shared = entry?.findings.find((f) => f.code === "TEMPLATE_SHARED");
    expect(shared?.message).toContain("zz-outside ($Latest)");
    expect(paged.outcome.footprint.maxCallsByFunction.readiness).toBeLessThanOrEqual(40);
  }, 240_000);
});
