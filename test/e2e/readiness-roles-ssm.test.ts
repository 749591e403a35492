/**
 * Two readiness codes end to end through the simulator (CONTRACTS.md section 2): ROLE_NOT_PASSABLE
 * judged on the role an instance profile holds (the simulator names profiles apart from their roles,
 * as CloudFormation and the CLI may), and SSM_OFFLINE, a WARN the run goes ahead with.
 */
import type { GroupReadiness, RunResult } from "@fleet-upgrade/core";
import { SimulatedEnvironment, simulate } from "@fleet-upgrade/harness";
import { describe, expect, it } from "vitest";
import { exampleWith, groupSpec } from "./support";

function entry(result: RunResult, group: string): GroupReadiness {
  const found = (result.readiness ?? []).find((r) => r.group === group);
  if (!found) throw new Error(`no readiness entry for ${group}`);
  return found;
}

describe("ROLE_NOT_PASSABLE: the role the instance profile holds", () => {
  const fleet = exampleWith((scenario) => {
    for (const group of scenario.groups) {
      group.launchTemplate.instanceProfileRole =
        group.launchTemplate.name === "batch-lt" ? "batch-role" : "web-role";
    }
    scenario.stage = { fleetInstanceRoles: ["web-role"] };
  });

  it("lets a group whose profile holds a listed role go ahead, and blocks the one whose role is not listed", async () => {
    const { result } = await simulate(fleet, { request: { ...fleet.request, dryRun: true } });
    expect(result.status).toBe("PLANNED");
    const roleFindings = (result.readiness ?? []).filter((r) =>
      r.findings.some((f) => f.code === "ROLE_NOT_PASSABLE"),
    );
    // Only batch: the others' profile (web-role-profile) holds web-role, which the stage lists.
    expect(roleFindings.map((r) => r.group)).toEqual(["batch"]);
    const finding = entry(result, "batch").findings.find((f) => f.code === "ROLE_NOT_PASSABLE");
    expect(entry(result, "batch").level).toBe("BLOCKED");
    expect(finding?.message).toContain("instance profile batch-role-profile of launch template batch-lt");
    expect(finding?.message).toContain("has role batch-role, not in fleetInstanceRoles");
    expect(finding?.remedy).toContain('add "batch-role" to fleetInstanceRoles');
    expect(result.metrics.apiCalls["iam:GetInstanceProfile"]).toBe(2);
  }, 120_000);
});

describe("SSM_OFFLINE", () => {
  it("warns about a group's instances not Online in SSM, and the run upgrades the group all the same", async () => {
    const healthy = exampleWith((scenario) => {
      for (const group of scenario.groups) group.onNewImage = {};
    });
    const env = await SimulatedEnvironment.start(healthy);
    try {
      // The SSM agent of two workers instances stops reporting before the run (the scenario file
      // has no key for agents of the starting instances; DescribeInstanceInformation reads this).
      const offline = (env.account.group("workers")?.instances ?? []).slice(0, 2).map((i) => i.instanceId);
      expect(offline).toHaveLength(2);
      for (const id of offline) {
        const instance = env.account.world.instances.get(id);
        if (instance) instance.ping = "ConnectionLost";
      }

      const { result } = await env.run({ request: healthy.request ?? {} });

      const workers = entry(result, "workers");
      expect(workers.level).toBe("WARN");
      const finding = workers.findings.find((f) => f.code === "SSM_OFFLINE");
      expect(finding?.message).toBe(
        `2 instances of group workers are not Online in SSM: ${offline.map((id) => `${id} (ConnectionLost)`).join(", ")}`,
      );
      expect(finding?.remedy).toContain("AmazonSSMManagedInstanceCore");
      expect(finding?.remedy).toContain(
        `aws ssm describe-instance-information --filters Key=InstanceIds,Values=${offline.join(",")}`,
      );
      // WARN goes ahead: the group is upgraded, like every other.
      expect(result.groups.find((g) => g.name === "workers")?.outcome).toBe("UPGRADED");
      expect(result.status).toBe("SUCCEEDED");
      expect(groupSpec(healthy, "workers").desired).toBe(env.account.group("workers")?.desired);
    } finally {
      await env.close();
    }
  }, 240_000);
});
