import { type SimulationOutcome, simulate } from "@fleet-upgrade/harness";
import { generateFleetScenario } from "@fleet-upgrade/simulator";
import { beforeAll, describe, expect, it } from "vitest";

/**
 * The polling backstop (issue 11, item 4): with every instance-refresh event lost, polls alone
 * finish each wait; with events, no poll happens at all. Deterministic: virtual time and counts.
 */
describe("lost instance-refresh events cost little, and polls cost nothing when events arrive", () => {
  const scenario = generateFleetScenario({ groups: 6, instances: 180, seed: 1 });
  const polls = { events: 0, lost: 0 };
  let withEvents: SimulationOutcome;
  let allLost: SimulationOutcome;
  beforeAll(async () => {
    withEvents = await simulate(scenario, {
      onEvent: (e) => {
        if (e.kind === "state" && e.state === "PollRefresh") polls.events++;
      },
    });
    allLost = await simulate(
      { ...scenario, faults: { ...scenario.faults, dropEvents: 1 } },
      {
        onEvent: (e) => {
          if (e.kind === "state" && e.state === "PollRefresh") polls.lost++;
        },
      },
    );
  });

  it("never polls while events arrive", () => {
    expect(withEvents.result.status).toBe("SUCCEEDED");
    expect(polls.events).toBe(0);
  });

  it("finishes every group on polls alone, one poll per stop, within 2% of the run with events", () => {
    expect(allLost.result.status).toBe("SUCCEEDED");
    // Two checkpoints and the end per group: each found by the first poll after its expected time.
    expect(polls.lost).toBe(scenario.groups.length * 3);
    const lost = allLost.result.metrics.virtualSeconds ?? 0;
    const events = withEvents.result.metrics.virtualSeconds ?? 0;
    expect(lost / events).toBeLessThanOrEqual(1.02);
  });
});
