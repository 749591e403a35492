import { StartInstanceRefreshCommand } from "@aws-sdk/client-auto-scaling";
import { CreateLaunchTemplateVersionCommand } from "@aws-sdk/client-ec2";
import { CloudWatchMetricReader } from "@fleet-upgrade/aws";
import { analyzeGroup, RunRequestSchema } from "@fleet-upgrade/core";
import { AL2_IMAGE, AL2023_IMAGE, scenarioOf } from "@fleet-upgrade/harness/scenario-fixtures";
import { SimulatedAccount } from "@fleet-upgrade/simulator";
import { describe, expect, it } from "vitest";

const MINUTE = 60_000;

function account(seed: number, shift: number | null, desired = 10): SimulatedAccount {
  const scenario = scenarioOf({
    name: "analysis",
    seed,
    images: [AL2_IMAGE, AL2023_IMAGE],
    groups: [
      {
        name: "web",
        desired,
        max: desired * 2,
        launchTemplate: { name: "web-lt", version: 1, imageId: "ami-al2" },
        tags: { "fleet-upgrade:managed": "true" },
        ...(shift !== null && { onNewImage: { metrics: { CPUUtilization: { shift } } } }),
      },
    ],
  });
  return SimulatedAccount.create(scenario);
}

/** Starts a refresh to the AL2023 image with one checkpoint and runs to it plus the checkpoint delay. */
async function firstCheckpoint(sim: SimulatedAccount, checkpoint = 20) {
  const { ec2, autoscaling } = sim.createClients();
  const created = await ec2.send(
    new CreateLaunchTemplateVersionCommand({
      LaunchTemplateName: "web-lt",
      SourceVersion: "1",
      LaunchTemplateData: { ImageId: "ami-2023-61" },
    }),
  );
  let reachedAt: number | null = null;
  sim.onRefreshEvent((event) => {
    if (event["detail-type"] === "EC2 Auto Scaling Instance Refresh Checkpoint Reached" && reachedAt === null)
      reachedAt = sim.clock.now();
  });
  await autoscaling.send(
    new StartInstanceRefreshCommand({
      AutoScalingGroupName: "web",
      DesiredConfiguration: {
        LaunchTemplate: {
          LaunchTemplateName: "web-lt",
          Version: String(created.LaunchTemplateVersion?.VersionNumber),
        },
      },
      Preferences: {
        MinHealthyPercentage: 90,
        MaxHealthyPercentage: 110,
        CheckpointPercentages: [checkpoint],
        CheckpointDelay: 600,
      },
    }),
  );
  while (reachedAt === null && sim.clock.advance()) {}
  const from = reachedAt ?? sim.clock.now();
  // The group as the checkpoint finds it; the window is the checkpoint's delay that follows.
  const members = [...(sim.world.groups.get("web")?.members ?? [])];
  sim.clock.advanceTo(from + 10 * MINUTE);
  return {
    window: { from: new Date(from), to: new Date(from + 10 * MINUTE) },
    canary: members.filter((id) => sim.world.instances.get(id)?.newImage === true),
    baseline: members.filter((id) => sim.world.instances.get(id)?.newImage === false),
  };
}

const settings = RunRequestSchema.parse({}).health.analysis;

describe("the regression judge against the simulated account, through GetMetricData", () => {
  it("FAILs a new image running 60% hotter at the first checkpoint, naming CPUUtilization, in one GetMetricData call", async () => {
    const sim = account(7, 0.6);
    const { window, canary, baseline } = await firstCheckpoint(sim);
    expect(canary).toHaveLength(2);
    const before = sim.apiCalls()["cloudwatch:GetMetricData"] ?? 0;
    const reader = new CloudWatchMetricReader(sim.createClients());
    const result = await analyzeGroup(reader, {
      settings,
      at: "checkpoint 20%",
      baselineInstanceIds: baseline,
      canaryInstanceIds: canary,
      window,
    });
    expect(result.verdict).toBe("FAIL");
    expect(result.reason).toMatch(
      /^AWS\/EC2 CPUUtilization regressed at checkpoint 20%: median [0-9.]+ on 2 new/,
    );
    expect(result.entries[0]).toMatchObject({ canary: { instances: 2 }, baseline: { instances: 8 } });
    expect((sim.apiCalls()["cloudwatch:GetMetricData"] ?? 0) - before).toBe(1);
  });

  it.each([1, 2, 3, 4, 5])("PASSes (never FAILs) a new image without a shift, seed %i", async (seed) => {
    const sim = account(seed, null);
    const { window, canary, baseline } = await firstCheckpoint(sim, 50);
    const result = await analyzeGroup(new CloudWatchMetricReader(sim.createClients()), {
      settings,
      at: "checkpoint 50%",
      baselineInstanceIds: baseline,
      canaryInstanceIds: canary,
      window,
    });
    expect(result.verdict).toBe("PASS");
  });

  it("reads a 1200-instance group in ceil(1200 / 500) = 3 calls", async () => {
    const sim = account(7, null, 1200);
    sim.clock.advanceTo(sim.clock.now() + 5 * MINUTE);
    const ids = [...(sim.world.groups.get("web")?.members ?? [])];
    const reader = new CloudWatchMetricReader(sim.createClients());
    const from = new Date(sim.clock.now() - 5 * MINUTE);
    const series = await reader.readInstanceSeries({
      metrics: [{ namespace: "AWS/EC2", name: "CPUUtilization", stat: "Average" }],
      instanceIds: ids,
      from,
      to: new Date(sim.clock.now()),
      periodSeconds: 60,
    });
    expect(Object.values(series[0] ?? {}).every((values) => values.length === 5)).toBe(true);
    expect(sim.apiCalls()["cloudwatch:GetMetricData"]).toBe(3);
  });
});
