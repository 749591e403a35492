import { RunResultSchema } from "@fleet-upgrade/core";
import { simulate } from "@fleet-upgrade/harness";
import { describe, expect, it } from "vitest";
import { exampleWith, groupSpec, runCli, tempFile } from "./support";

const LATER_WAVES = ["api", "web", "batch", "workers"];

describe("health gates and rollback", () => {
  it("rolls back the canary when its alarm fires at 25% replaced and starts no later wave", async () => {
    const scenario = exampleWith((s) => {
      groupSpec(s, "web-canary").onNewImage = { alarm: "web-5xx", whenReplacedPercent: 25 };
    });
    const { result, account } = await simulate(scenario);
    expect(result.status).toBe("ROLLED_BACK");
    expect(result.reason).toContain("web-canary");
    expect(result.reason).toContain("web-5xx");
    const canary = result.groups.find((g) => g.name === "web-canary");
    expect(canary?.outcome).toBe("ROLLED_BACK");
    expect(canary?.reason).toContain("web-5xx");
    expect(account.group("web-canary")?.instances.every((i) => i.imageId === "ami-0a1b2c3d4e5f60001")).toBe(
      true,
    );
    for (const name of LATER_WAVES) {
      const group = result.groups.find((g) => g.name === name);
      expect(group?.outcome, name).toBe("NOT_STARTED");
      expect(group?.instanceRefreshIds, name).toEqual([]);
      expect(account.group(name)?.refreshes, name).toEqual([]);
    }
    expect(result.waves.map((w) => w.status)).toEqual(["ROLLED_BACK", "NOT_STARTED", "NOT_STARTED"]);
    for (const name of account.groupNames()) {
      expect(account.group(name)?.minHealthyPercentSeen, name).toBeGreaterThanOrEqual(90);
    }
  });

  it("exits 1 from the CLI when the run is rolled back", async () => {
    const scenario = exampleWith((s) => {
      groupSpec(s, "web-canary").onNewImage = { alarm: "web-5xx", whenReplacedPercent: 25 };
    });
    const path = tempFile("alarm.json", JSON.stringify(scenario));
    const { code, stdout } = await runCli(["simulate", path, "--json"]);
    expect(code).toBe(1);
    expect(RunResultSchema.parse(JSON.parse(stdout)).status).toBe("ROLLED_BACK");
  });

  it("reverts a group whose new instances fail compliance verification after its refresh", async () => {
    const scenario = exampleWith((s) => {
      groupSpec(s, "api-canary").onNewImage = { complianceFails: true };
    });
    const { result, account } = await simulate(scenario);
    expect(result.status).toBe("ROLLED_BACK");
    const group = result.groups.find((g) => g.name === "api-canary");
    expect(group?.outcome).toBe("ROLLED_BACK");
    expect(group?.reason).toMatch(/compliance of i-[0-9a-f]+: FIPS mode is not enabled/);
    expect(group?.instanceRefreshIds).toHaveLength(2);
    expect(account.group("api-canary")?.instances.every((i) => i.imageId === "ami-0a1b2c3d4e5f60002")).toBe(
      true,
    );
    expect(
      result.groups.filter((g) => LATER_WAVES.includes(g.name)).every((g) => g.outcome === "NOT_STARTED"),
    ).toBe(true);
  });

  it("reverts the whole wave with rollback scope wave", async () => {
    const scenario = exampleWith((s) => {
      groupSpec(s, "web").onNewImage = { alarm: "web-5xx", whenReplacedPercent: 50 };
      s.request = { ...(s.request as object), rollback: { scope: "wave" } };
    });
    const { result, account } = await simulate(scenario);
    expect(result.status).toBe("ROLLED_BACK");
    const outcomes = Object.fromEntries(result.groups.map((g) => [g.name, g.outcome]));
    expect(outcomes).toMatchObject({
      "web-canary": "UPGRADED",
      "api-canary": "UPGRADED",
      web: "ROLLED_BACK",
      api: "ROLLED_BACK",
      batch: "NOT_STARTED",
      workers: "NOT_STARTED",
    });
    expect(result.groups.find((g) => g.name === "api")?.reason).toContain("rollback scope wave");
    expect(account.group("api")?.instances.every((i) => i.imageId === "ami-0a1b2c3d4e5f60002")).toBe(true);
  });
});

describe("faults survived", () => {
  it("succeeds with exactly one refresh per group through throttling, lost events and a crash after StartRefresh", async () => {
    const scenario = exampleWith((s) => {
      s.faults = {
        ...s.faults,
        throttle: {
          rate: 0.3,
          operations: [
            "ssm:GetInventory",
            "ssm:DescribeInstanceInformation",
            "autoscaling:DescribeInstanceRefreshes",
            "autoscaling:StartInstanceRefresh",
            "ec2:DescribeImages",
          ],
        },
        dropEvents: 1,
        crashAfterSideEffect: ["StartRefresh"],
      };
    });
    const { result, account } = await simulate(scenario);
    expect(result.status).toBe("SUCCEEDED");
    for (const group of result.groups) {
      expect(group.outcome, group.name).toBe("UPGRADED");
      expect(group.instanceRefreshIds, group.name).toHaveLength(1);
      expect(account.group(group.name)?.refreshes, group.name).toHaveLength(1);
    }
    expect(account.deliveredEvents()).toEqual([]);
    expect(result.metrics.apiCalls["autoscaling:DescribeInstanceRefreshes"]).toBeGreaterThan(
      scenario.groups.length,
    );
    const { virtualSeconds, lowerBoundSeconds } = result.metrics;
    expect(virtualSeconds).toBeLessThanOrEqual((lowerBoundSeconds ?? 0) * 1.5);
  });

  it("fails before touching any group when STIG fails on the builder, and terminates the builder", async () => {
    const scenario = exampleWith((s) => {
      s.faults = { ...s.faults, stigFails: true };
    });
    const { result } = await simulate(scenario);
    expect(result.status).toBe("FAILED");
    expect(result.reason).toContain("AWSEC2-ConfigureSTIG");
    expect(result.groups.every((g) => g.outcome === "NOT_STARTED" && g.instanceRefreshIds.length === 0)).toBe(
      true,
    );
    expect(result.metrics.apiCalls["autoscaling:StartInstanceRefresh"]).toBeUndefined();
    expect(result.metrics.apiCalls["ec2:CreateLaunchTemplateVersion"]).toBeUndefined();
    expect(result.metrics.apiCalls["ec2:TerminateInstances"]).toBeGreaterThanOrEqual(2);
  });

  it("skips a group with a refresh it did not start and upgrades the others", async () => {
    const scenario = exampleWith((s) => {
      s.faults = { ...s.faults, foreignRefresh: ["api"] };
    });
    const { result, account } = await simulate(scenario);
    expect(result.status).toBe("SUCCEEDED");
    const api = result.groups.find((g) => g.name === "api");
    expect(api?.outcome).toBe("SKIPPED");
    expect(api?.reason).toContain("did not start");
    expect(api?.launchTemplateVersion.to).toBeNull();
    const foreign = account.group("api")?.refreshes;
    expect(foreign).toHaveLength(1);
    expect(foreign?.[0]).toMatchObject({ foreign: true, status: "InProgress" });
    expect(result.groups.filter((g) => g.name !== "api").every((g) => g.outcome === "UPGRADED")).toBe(true);
    expect(result.metrics.apiCalls["autoscaling:CancelInstanceRefresh"]).toBeUndefined();
  });

  it("rolls back a group whose new instances cannot launch, as AutoRollback does after an hour of retries, and stops later waves", async () => {
    const scenario = exampleWith((s) => {
      groupSpec(s, "api-canary").onNewImage = { failLaunch: true };
    });
    const { result, account } = await simulate(scenario);
    // AWS keeps retrying the launch for up to an hour, then AutoRollback undoes the refresh.
    expect(result.status).toBe("ROLLED_BACK");
    const group = result.groups.find((g) => g.name === "api-canary");
    expect(group?.outcome).toBe("ROLLED_BACK");
    const refresh = account.group("api-canary")?.refreshes.at(-1);
    expect(refresh?.status).toBe("RollbackSuccessful");
    expect((refresh?.endMs ?? 0) - (refresh?.startMs ?? 0)).toBeGreaterThanOrEqual(3_600_000);
    expect(
      result.groups.filter((g) => LATER_WAVES.includes(g.name)).every((g) => g.outcome === "NOT_STARTED"),
    ).toBe(true);
  });
});

describe("operator control", () => {
  const betweenWaves = (operator: unknown[]) =>
    exampleWith((s) => {
      s.request = {
        ...(s.request as object),
        rollout: { ...(s.request as { rollout: object }).rollout, approval: "between-waves" },
      };
      s.operator = operator as typeof s.operator;
    });

  it("pauses between waves until an operator approves", async () => {
    const scenario = betweenWaves([
      { afterWave: "canary", action: "approve" },
      { afterWave: "early", action: "approve" },
    ]);
    const { result, stalled } = await simulate(scenario);
    expect(stalled).toBe(false);
    expect(result.status).toBe("SUCCEEDED");
    expect(result.groups.every((g) => g.outcome === "UPGRADED")).toBe(true);
  });

  it("is left WAITING when no approval comes, and the CLI exits 1", async () => {
    const scenario = betweenWaves([{ afterWave: "canary", action: "approve" }]);
    const { result, stalled } = await simulate(scenario);
    expect(stalled).toBe(true);
    expect(result.status).toBe("WAITING");
    expect(result.waves.map((w) => w.status)).toEqual(["SUCCEEDED", "SUCCEEDED", "NOT_STARTED"]);
    const { code } = await runCli(["simulate", tempFile("waiting.json", JSON.stringify(scenario)), "--json"]);
    expect(code).toBe(1);
  });

  it("aborts: rolls back the refreshes in progress, starts no new group, ends ABORTED", async () => {
    // T+01:20 is inside the early wave (it runs from about T+01:09 to T+01:57).
    const scenario = exampleWith((s) => {
      s.operator = [{ atSeconds: 4800, action: "abort", reason: "pager went off" }];
    });
    const { result, account } = await simulate(scenario);
    expect(result.status).toBe("ABORTED");
    expect(result.reason).toContain("pager went off");
    for (const name of ["api", "web"]) {
      const group = result.groups.find((g) => g.name === name);
      expect(group?.outcome, name).toBe("ROLLED_BACK");
      expect(group?.reason, name).toContain("pager went off");
    }
    for (const name of ["batch", "workers"]) {
      expect(result.groups.find((g) => g.name === name)?.outcome).toBe("NOT_STARTED");
      expect(account.group(name)?.refreshes).toEqual([]);
    }
    expect(result.groups.filter((g) => g.wave === "canary").every((g) => g.outcome === "UPGRADED")).toBe(
      true,
    );
  });
});

describe("reverts that must hold", () => {
  it("reverts a group whose rollback Lambda died after starting the reverse refresh, without undoing the revert", async () => {
    const scenario = exampleWith((s) => {
      groupSpec(s, "api-canary").onNewImage = { complianceFails: true };
      s.faults = { ...s.faults, crashAfterSideEffect: ["RollbackGroup"] };
    });
    const { result, account } = await simulate(scenario);
    const group = result.groups.find((g) => g.name === "api-canary");
    expect(group?.outcome).toBe("ROLLED_BACK");
    expect(account.group("api-canary")?.instances.every((i) => i.imageId === "ami-0a1b2c3d4e5f60002")).toBe(
      true,
    );
    expect(account.group("api-canary")?.refreshes.map((r) => r.status)).toEqual(["Successful", "Successful"]);
  });

  it("keeps reverting the wave when an operator aborts after a regression", async () => {
    const { loadScenario } = await import("@fleet-upgrade/simulator");
    const scenario = loadScenario(
      new URL("../scenarios/abort-after-regression.yaml", import.meta.url).pathname,
    );
    const { result, account } = await simulate(scenario);
    const outcomes = Object.fromEntries(result.groups.map((g) => [g.name, g.outcome]));
    expect(outcomes).toEqual({ bad: "ROLLED_BACK", good: "ROLLED_BACK" });
    expect(account.group("good")?.instances.every((i) => i.imageId === "ami-al2")).toBe(true);
    expect(result.status).toBe("ROLLED_BACK");
    expect(result.reason).toContain("bad");
  });
});

describe("launch templates shared on $Latest", () => {
  it("pins every $Latest group before the first new version, so a group the run never refreshed keeps its image", async () => {
    // api-canary and api share api-lt on $Latest; the canary regresses, api never starts.
    const scenario = exampleWith((s) => {
      groupSpec(s, "api-canary").onNewImage = { unhealthyTargets: true };
    });
    const { result, account } = await simulate(scenario);
    expect(result.groups.find((g) => g.name === "api-canary")?.outcome).toBe("ROLLED_BACK");
    expect(result.groups.find((g) => g.name === "api")?.outcome).toBe("NOT_STARTED");
    expect(account.group("api")?.launchTemplateVersion).toBe("1");
    expect(result.groups.find((g) => g.name === "api")?.notes?.[0]).toContain("is pinned to version 1");
  });
});
