import { DEFAULT_SETTINGS } from "@fleet-upgrade/functions";
import { type SimulationOutcome, simulate } from "@fleet-upgrade/harness";
import { generateFleetScenario } from "@fleet-upgrade/simulator";
import { beforeAll, describe, expect, it } from "vitest";

/**
 * Paged tasks (issue 11, item 2): with a small call budget, plan and finish take several
 * invocations each, none over the budget, and the run ends exactly as with one page.
 */
describe("plan and finish work in pages of bounded calls", () => {
  const scenario = generateFleetScenario({ groups: 12, instances: 120, seed: 3 });
  const budget = 12;
  const pages = { PlanMore: 0, FinishMore: 0 };
  let onePage: SimulationOutcome;
  let paged: SimulationOutcome;
  beforeAll(async () => {
    onePage = await simulate(scenario);
    paged = await simulate(scenario, {
      settings: { ...DEFAULT_SETTINGS, callsPerInvocation: budget },
      onEvent: (e) => {
        if (e.kind === "state" && (e.state === "PlanMore" || e.state === "FinishMore")) pages[e.state]++;
      },
    });
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
