import { SimulatedEnvironment, simulate } from "@fleet-upgrade/harness";
import { describe, expect, it } from "vitest";
import { invariantViolations, smallScenario } from "./fault-support";

/** With the small scenario's one-second hardening steps, the canary's refresh runs from 542 s to about 600 s. */
const MID_CANARY_REFRESH_SECONDS = 550;

class InjectedFault extends Error {
  override readonly name = "InjectedFault";
}

describe("a run that ends outside Finish is reconciled (issue 8, finding 3)", () => {
  it("a console stop mid-refresh ends ABORTED: its refresh rolled back, its lock released, the next run not blocked", async () => {
    const scenario = smallScenario((s) => {
      s.operator = [{ atSeconds: MID_CANARY_REFRESH_SECONDS, action: "stop" }];
    });
    const env = await SimulatedEnvironment.start(scenario);
    try {
      const { result } = await env.run({ runId: "stopped" });
      expect(invariantViolations(result, env.account, { executionStatus: "ABORTED" })).toEqual([]);
      expect(result.status).toBe("ABORTED");
      expect(result.reason).toContain("stopped (StopExecution)");
      expect(result.metrics.endState).toEqual({
        executionStatus: "ABORTED",
        refreshesInProgress: [],
        locksHeld: [],
      });
      const canary = result.groups.find((g) => g.name === "canary");
      expect(canary?.outcome).toBe("ROLLED_BACK");
      expect(env.account.group("canary")?.refreshes.map((r) => r.status)).toEqual(["RollbackSuccessful"]);

      // The next run takes the groups the stopped one held: nothing SKIPPED for a lock.
      env.scenario.operator.length = 0;
      const next = await env.run({ runId: "after-stop" });
      expect(next.result.groups.filter((g) => g.outcome === "SKIPPED")).toEqual([]);
      expect(next.result.status).toBe("SUCCEEDED");
    } finally {
      await env.close();
    }
  });

  it("an execution timeout ends FAILED saying so, with nothing left running or locked", async () => {
    const { result, account } = await simulate(smallScenario(), {
      timeoutSeconds: MID_CANARY_REFRESH_SECONDS,
    });
    expect(invariantViolations(result, account, { executionStatus: "TIMED_OUT" })).toEqual([]);
    expect(result.status).toBe("FAILED");
    expect(result.reason).toContain("timed out");
    expect(result.groups.find((g) => g.name === "canary")?.outcome).toBe("ROLLED_BACK");
  });

  it("a group whose failure cannot be recorded neither aborts the other groups nor stays running", async () => {
    const scenario = smallScenario((s) => {
      const api = (s.groups as Record<string, unknown>[]).find((g) => g.name === "api");
      if (api) Object.assign(api, { desired: 8, min: 8, max: 12, warmupSeconds: 200 });
    });
    const { result, account } = await simulate(scenario, {
      aroundTask: async (state, call, { payload }) => {
        const group = (payload as { group?: string } | null)?.group;
        if (group === "api" && state === "GroupFailed") throw new InjectedFault("the ledger is unreachable");
        const answer = await call();
        if (group === "api" && state === "EvaluateHealth") throw new InjectedFault("health read failed");
        return answer;
      },
    });
    expect(invariantViolations(result, account, { executionStatus: "FAILED" })).toEqual([]);
    expect(result.status).toBe("FAILED");
    expect(result.reason).toContain("RunNotSettledError");
    expect(result.groups.find((g) => g.name === "web")?.outcome).toBe("UPGRADED");
    const api = result.groups.find((g) => g.name === "api");
    expect(api?.outcome).toBe("ROLLED_BACK");
    expect(api?.reason).toContain("rolled back");
  });
});
