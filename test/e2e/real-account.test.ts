import { simulate } from "@fleet-upgrade/harness";
import { loadScenario } from "@fleet-upgrade/simulator";
import { describe, expect, it } from "vitest";
import { exampleWith, groupSpec } from "./support";

const ALARMS = [...Array.from({ length: 11 }, (_, i) => `api-latency-${i}`), "api-5xx"];
const EXTRA_GROUPS = 114;

/**
 * What real accounts look like, against the limits and states AWS enforces: an alarm on a sparse
 * metric in INSUFFICIENT_DATA, 12 alarms on one group, 120 groups named in the request (more than
 * the 50 one DescribeAutoScalingGroups call takes), group metrics collection off, no SSM inventory.
 */
function realAccount() {
  const base = loadScenario();
  const template = groupSpec(base, "batch");
  const extra = Array.from({ length: EXTRA_GROUPS }, (_, i) => ({
    ...template,
    name: `svc-${String(i).padStart(3, "0")}`,
    desired: 1,
    min: 1,
    max: 2,
    tags: { "fleet-upgrade:managed": "true" },
  }));
  return exampleWith((s) => {
    s.groups = [
      ...s.groups.map((g) =>
        g.name === "api-canary" ? { ...g, tags: { ...g.tags, "fleet-upgrade:alarms": ALARMS.join(",") } } : g,
      ),
      ...extra,
    ].map((g) => ({ ...g, metricsCollection: false, inventory: false }));
    s.alarms = [{ name: "api-5xx", state: "INSUFFICIENT_DATA", exists: true }];
    const names = s.groups.map((g) => g.name);
    s.request = {
      ...(s.request as object),
      targets: { tags: { "fleet-upgrade:managed": "true" }, autoScalingGroupNames: names },
      rollout: { ...(s.request as { rollout: object }).rollout, bakeSeconds: 0, maxParallelGroups: 40 },
    };
    // The example's canary alarm would roll the run back: this scenario is about AWS's refusals.
    for (const g of s.groups) g.onNewImage = {};
  });
}

describe("a simulated account shaped like a real one", () => {
  it("runs to the end with no group failed by an AWS refusal", async () => {
    const scenario = realAccount();
    expect(scenario.groups).toHaveLength(120);
    const { result, account } = await simulate(scenario);
    expect(account.modelViolations()).toEqual([]);
    expect(result.status).toBe("SUCCEEDED");
    expect(result.groups.filter((g) => g.outcome === "FAILED")).toEqual([]);
    expect(result.groups.every((g) => g.outcome === "UPGRADED")).toBe(true);
    // 120 names went in pages of at most 50.
    expect(result.metrics.apiCalls["autoscaling:DescribeAutoScalingGroups"]).toBeGreaterThanOrEqual(3);
    // The group with 12 alarms, one of them INSUFFICIENT_DATA: its refresh watched the 10 it could.
    const refreshes = account.group("api-canary")?.refreshes ?? [];
    expect(refreshes.at(-1)?.status).toBe("Successful");
    const watched = account.world.groups.get("api-canary")?.refreshes.at(-1)?.preferences.AlarmSpecification;
    expect(watched?.Alarms).toHaveLength(10);
    expect(watched?.Alarms).not.toContain("api-5xx");
    const notes = result.groups.find((g) => g.name === "api-canary")?.notes ?? [];
    expect(notes.join(" ")).toContain("api-5xx (in INSUFFICIENT_DATA)");
  }, 300_000);

  it("ends a launch failure with AutoRollback as AWS documents: retried for an hour, then RollbackSuccessful", async () => {
    const scenario = exampleWith((s) => {
      groupSpec(s, "web-canary").onNewImage = { failLaunch: true };
    });
    const { result, account } = await simulate(scenario);
    const refresh = account.group("web-canary")?.refreshes.at(-1);
    expect(refresh?.status).toBe("RollbackSuccessful");
    expect((refresh?.endMs ?? 0) - (refresh?.startMs ?? 0)).toBeGreaterThanOrEqual(3_600_000);
    expect(result.groups.find((g) => g.name === "web-canary")?.outcome).toBe("ROLLED_BACK");
    expect(result.status).toBe("ROLLED_BACK");
    expect(account.modelViolations()).toEqual([]);
  }, 300_000);
});
