import { describe, expect, it } from "vitest";
import { simulate } from "../../packages/cli/src/simulation";
import { invariantViolations, smallScenario } from "./fault-support";

describe("a run that ends outside Finish is reconciled (issue 8, finding 3)", () => {
  it("a console stop mid-refresh ends ABORTED: refreshes rolled back, locks released, the next run not blocked", async () => {
    const scenario = smallScenario((s) => {
      s.operator = [{ atSeconds: 120, action: "stop" }];
    });
    const { result, account } = await simulate(scenario);
    expect(invariantViolations(result, account, { executionStatus: "ABORTED" })).toEqual([]);
    expect(result.status).toBe("ABORTED");
    expect(result.reason).toContain("stopped");
    expect(result.metrics.endState).toEqual({
      executionStatus: "ABORTED",
      refreshesInProgress: [],
      locksHeld: [],
    });
    const touched = result.groups.filter((g) => g.instanceRefreshIds.length > 0);
    expect(touched.length).toBeGreaterThan(0);
    for (const g of touched) expect(g.outcome, g.name).toMatch(/ROLLED_BACK|FAILED|UPGRADED/);
  });
});
