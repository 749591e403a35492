import type { Scenario } from "@fleet-upgrade/core";
import { DEFAULT_SETTINGS } from "@fleet-upgrade/functions";
import { type SimulationOutcome, simulate } from "@fleet-upgrade/harness";
import { generateFleetScenario } from "@fleet-upgrade/simulator";
import { beforeAll, describe, expect, it } from "vitest";

/** The scenario run unpaged, then under a call budget, counting how often each paging state was entered. */
async function unpagedAndPaged(scenario: Scenario, budget: number, counted: string[]) {
  const pages: Record<string, number> = Object.fromEntries(counted.map((state) => [state, 0]));
  const onePage = await simulate(scenario);
  const paged = await simulate(scenario, {
    settings: { ...DEFAULT_SETTINGS, callsPerInvocation: budget },
    onEvent: (e) => {
      if (e.kind === "state" && e.state in pages) pages[e.state] = (pages[e.state] ?? 0) + 1;
    },
  });
  return { onePage, paged, pages };
}

/**
 * Paged tasks (issue 11, item 2): with a small call budget, plan and finish take several
 * invocations each, none over the budget, and the run ends exactly as with one page.
 */
describe("plan and finish work in pages of bounded calls", () => {
  const scenario = generateFleetScenario({ groups: 12, instances: 120, seed: 3 });
  const budget = 12;
  let pages: Record<string, number>;
  let onePage: SimulationOutcome;
  let paged: SimulationOutcome;
  beforeAll(async () => {
    ({ onePage, paged, pages } = await unpagedAndPaged(scenario, budget, ["PlanMore", "FinishMore"]));
  });

  it("takes several pages, and no invocation of plan or finish exceeds the budget", () => {
    expect(pages.PlanMore).toBeGreaterThan(1);
    expect(pages.FinishMore).toBeGreaterThan(1);
    expect(paged.footprint.maxCallsByFunction.plan).toBeLessThanOrEqual(budget);
    expect(paged.footprint.maxCallsByFunction.finish).toBeLessThanOrEqual(budget);
    expect(onePage.footprint.maxCallsByFunction.finish).toBeGreaterThan(budget);
  });

  it("ends as the unpaged run does: same status, waves, groups and outcomes, no lock left", () => {
    expect(paged.result.status).toBe("SUCCEEDED");
    expect(paged.result.status).toBe(onePage.result.status);
    expect(paged.result.waves).toEqual(onePage.result.waves);
    const outcomes = (run: SimulationOutcome) =>
      run.result.groups.map((g) => ({ name: g.name, wave: g.wave, outcome: g.outcome, notes: g.notes }));
    expect(outcomes(paged)).toEqual(outcomes(onePage));
    expect(paged.result.metrics.endState?.locksHeld).toEqual([]);
  });
});

/**
 * The bake in pages (issue 11, item 2): with a small call budget, one look at a wide wave takes
 * several invocations at once, none over the budget, and the bake keeps its timing: the run takes
 * the same virtual time and ends as the unpaged run does.
 */
describe("bakeWave looks at a wide wave in pages of bounded calls", () => {
  const scenario = generateFleetScenario({ groups: 16, instances: 160, seed: 5 });
  const budget = 20;
  let pages: Record<string, number>;
  let onePage: SimulationOutcome;
  let paged: SimulationOutcome;
  beforeAll(async () => {
    ({ onePage, paged, pages } = await unpagedAndPaged(scenario, budget, ["WatchBakeMore"]));
  });

  it("takes several pages per look, and no invocation of bakeWave exceeds the budget", () => {
    expect(pages.WatchBakeMore).toBeGreaterThan(1);
    expect(paged.footprint.maxCallsByFunction.bakeWave).toBeLessThanOrEqual(budget);
    expect(onePage.footprint.maxCallsByFunction.bakeWave).toBeGreaterThan(budget);
  });

  it("keeps the bake's timing and ends as the unpaged run does", () => {
    expect(paged.result.status).toBe("SUCCEEDED");
    expect(paged.result.metrics.virtualSeconds).toBe(onePage.result.metrics.virtualSeconds);
    expect(paged.result.waves).toEqual(onePage.result.waves);
    const outcomes = (run: SimulationOutcome) =>
      run.result.groups.map((g) => ({ name: g.name, wave: g.wave, outcome: g.outcome }));
    expect(outcomes(paged)).toEqual(outcomes(onePage));
  });
});

/**
 * The inventory in pages (issue 11, item 2): with a small call budget it takes several invocations,
 * none over the budget, and records what one invocation records: the summary (standalone instances,
 * an untargeted group, a group without inventory) and the group records readiness judges.
 */
describe("inventory works in pages of bounded calls", () => {
  const generated = generateFleetScenario({ groups: 12, instances: 120, seed: 3 });
  const scenario = {
    ...generated,
    standalone: 5,
    groups: generated.groups.map((g, i) =>
      i === 10
        ? { ...g, tags: { ...g.tags, "fleet-upgrade:managed": "false" } }
        : i === 11
          ? { ...g, inventory: false }
          : g,
    ),
  };
  const request = { ...scenario.request, dryRun: true };
  const budget = 12;
  let pages = 0;
  let onePage: SimulationOutcome;
  let paged: SimulationOutcome;
  beforeAll(async () => {
    onePage = await simulate(scenario, {
      request,
      settings: { ...DEFAULT_SETTINGS, callsPerInvocation: 10_000 },
    });
    paged = await simulate(scenario, {
      request,
      settings: { ...DEFAULT_SETTINGS, callsPerInvocation: budget },
      onEvent: (e) => {
        if (e.kind === "state" && e.state === "InventoryMore") pages++;
      },
    });
  });

  it("takes several pages, and no invocation of inventory exceeds the budget", () => {
    expect(pages).toBeGreaterThan(3);
    expect(paged.footprint.maxCallsByFunction.inventory).toBeLessThanOrEqual(budget);
    expect(onePage.footprint.maxCallsByFunction.inventory).toBeGreaterThan(budget);
  });

  it("gives the same inventory summary and the same readiness as one page", () => {
    const untargeted = scenario.groups[10]?.name ?? "";
    const withoutInventory = scenario.groups[11]?.name ?? "";
    expect(onePage.result.inventory).toMatchObject({
      groups: 11,
      instances: 125,
      untargeted: [{ group: untargeted, instances: scenario.groups[10]?.desired }],
    });
    expect(
      onePage.result.readiness?.find((r) => r.group === withoutInventory)?.findings.map((f) => f.code),
    ).toContain("NO_INVENTORY");
    expect(paged.result.inventory).toEqual(onePage.result.inventory);
    expect(paged.result.readiness).toEqual(onePage.result.readiness);
    expect(paged.result.status).toBe(onePage.result.status);
    expect(paged.result.groups).toEqual(onePage.result.groups);
  });
});
