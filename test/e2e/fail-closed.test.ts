import type { Scenario } from "@fleet-upgrade/core";
import { SimulatedEnvironment } from "@fleet-upgrade/harness";
import { describe, expect, it } from "vitest";
import { exampleWith, groupSpec } from "./support";

/** Issue 8 (health fails closed, template sharing): the simulator with `faults.throttle`, no mocks. */

const OLD_WEB_IMAGE = "ami-0a1b2c3d4e5f60001";
const ACTIVE = ["Pending", "InProgress", "Cancelling", "RollbackInProgress", "Baking"];

/** Runs the scenario; also answers which groups' locks are still held once the run ended. */
async function simulateWithLocks(scenario: Scenario) {
  const env = await SimulatedEnvironment.start(scenario);
  try {
    const outcome = await env.run();
    const locksHeld: string[] = [];
    for (const name of outcome.account.groupNames()) {
      const holder = await env.deps.ledger.acquireLock(name, "probe-run", env.deps.now(), 60);
      if (holder) locksHeld.push(name);
    }
    const refreshing = outcome.account
      .groupNames()
      .filter((name) => outcome.account.group(name)?.refreshes.some((r) => ACTIVE.includes(r.status)));
    return { ...outcome, locksHeld, refreshing };
  } finally {
    await env.close();
  }
}

const throttled = (operation: string) =>
  exampleWith((s) => {
    s.faults = { ...s.faults, throttle: { rate: 1, operations: [operation] } };
  });

describe("a health check that errs fails closed", () => {
  it("rolls the canary back when a checkpoint's target-health read is always throttled, names the call and starts no later wave", async () => {
    const { result, account, locksHeld, refreshing } = await simulateWithLocks(
      throttled("elasticloadbalancing:DescribeTargetHealth"),
    );

    expect(result.status).toBe("ROLLED_BACK");
    expect(result.reason).toContain("elasticloadbalancing:DescribeTargetHealth failed");
    for (const name of ["web-canary", "api-canary"]) {
      const canary = result.groups.find((g) => g.name === name);
      expect(canary?.outcome, name).toBe("ROLLED_BACK");
      expect(canary?.reason, name).toContain("elasticloadbalancing:DescribeTargetHealth");
      expect(
        account.group(name)?.refreshes.map((r) => r.status),
        name,
      ).toEqual(["RollbackSuccessful"]);
      expect(
        account.group(name)?.instances.every((i) => i.imageId === canary?.fromImageId),
        name,
      ).toBe(true);
    }
    expect(result.groups.find((g) => g.name === "web-canary")?.fromImageId).toBe(OLD_WEB_IMAGE);
    for (const name of ["web", "api", "batch", "workers"]) {
      expect(result.groups.find((g) => g.name === name)?.outcome, name).toBe("NOT_STARTED");
      expect(account.group(name)?.refreshes, name).toEqual([]);
    }
    expect(refreshing).toEqual([]);
    expect(locksHeld).toEqual([]);
  });

  it("fails the run before any change when alarm states can never be read (the readiness step reads them first)", async () => {
    const { result, account, locksHeld, refreshing } = await simulateWithLocks(
      throttled("cloudwatch:DescribeAlarms"),
    );

    expect(result.status).toBe("FAILED");
    expect(JSON.stringify(result)).toContain("DescribeAlarms");
    for (const name of account.groupNames()) {
      expect(account.group(name)?.refreshes, name).toEqual([]);
    }
    expect(result.metrics.apiCalls["autoscaling:StartInstanceRefresh"] ?? 0).toBe(0);
    expect(result.metrics.apiCalls["ec2:CreateLaunchTemplateVersion"] ?? 0).toBe(0);
    expect(refreshing).toEqual([]);
    expect(locksHeld).toEqual([]);
  });

  it("keeps every group UPGRADED and frees every lock when GetMetricStatistics is always throttled", async () => {
    const { result, account, locksHeld, refreshing } = await simulateWithLocks(
      throttled("cloudwatch:GetMetricStatistics"),
    );

    expect(result.status).toBe("SUCCEEDED");
    for (const group of result.groups) {
      expect(group.outcome, group.name).toBe("UPGRADED");
      expect(group.minHealthyPercentObserved, group.name).toBeNull();
      expect(group.notes?.join(" "), group.name).toContain("cloudwatch:GetMetricStatistics failed");
      expect(
        account.group(group.name)?.refreshes.map((r) => r.status),
        group.name,
      ).toEqual(["Successful"]);
    }
    expect(refreshing).toEqual([]);
    expect(locksHeld).toEqual([]);
  });
});

describe("a launch template shared beyond the run", () => {
  it("skips the groups whose template an untargeted group uses at $Latest, and never makes a version of it", async () => {
    const scenario = exampleWith((s) => {
      s.groups.push({
        ...structuredClone(groupSpec(s, "api")),
        name: "api-legacy",
        desired: 2,
        min: 2,
        max: 4,
        tags: {},
      });
    });
    const { result, account, locksHeld } = await simulateWithLocks(scenario);

    for (const name of ["api-canary", "api"]) {
      const group = result.groups.find((g) => g.name === name);
      expect(group?.outcome, name).toBe("SKIPPED");
      expect(group?.reason, name).toContain("TEMPLATE_SHARED");
      expect(group?.reason, name).toContain("api-legacy");
      expect(group?.instanceRefreshIds, name).toEqual([]);
      expect(account.group(name)?.launchTemplateVersion, name).toBe("$Latest");
    }
    expect(result.groups.find((g) => g.name === "api-legacy")).toBeUndefined();
    expect(account.group("api-legacy")?.launchTemplateVersion).toBe("$Latest");
    // One new version for each of the four groups that do not share api-lt; none of api-lt.
    expect(result.metrics.apiCalls["ec2:CreateLaunchTemplateVersion"]).toBe(4);
    expect(
      result.groups
        .filter((g) => g.outcome === "UPGRADED")
        .map((g) => g.name)
        .sort(),
    ).toEqual(["batch", "web", "web-canary", "workers"]);
    expect(locksHeld).toEqual([]);
  });
});
