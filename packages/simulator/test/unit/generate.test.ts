import { DescribeAutoScalingGroupsCommand, StartInstanceRefreshCommand } from "@aws-sdk/client-auto-scaling";
import { CreateLaunchTemplateVersionCommand } from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { generateFleetScenario, SimulatedAccount } from "../../src/index";

describe("generated benchmark fleet", () => {
  it("spreads exactly 10,000 instances over 200 groups, both architectures and three rings", () => {
    const scenario = generateFleetScenario({ groups: 200, instances: 10_000, seed: 5 });
    expect(scenario.groups).toHaveLength(200);
    expect(scenario.groups.reduce((sum, g) => sum + g.desired, 0)).toBe(10_000);
    expect(new Set(scenario.groups.map((g) => g.tags["fleet-upgrade:ring"]))).toEqual(
      new Set(["canary", "early", "rest"]),
    );
    const archOf = new Map(scenario.images.map((i) => [i.imageId, i.architecture]));
    expect(new Set(scenario.groups.map((g) => archOf.get(g.launchTemplate.imageId)))).toEqual(
      new Set(["x86_64", "arm64"]),
    );
    expect(scenario.images.flatMap((i) => i.params)).toContain(
      "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-arm64",
    );
    expect(generateFleetScenario({ seed: 5 })).toEqual(scenario);
  });

  it("rolls all 200 groups to a new image in seconds of real time", async () => {
    const started = performance.now();
    const account = SimulatedAccount.create(generateFleetScenario({ seed: 9 }));
    const { autoscaling, ec2 } = account.createClients();
    let succeeded = 0;
    account.onRefreshEvent((event) => {
      if (event["detail-type"].endsWith("Succeeded")) succeeded++;
    });
    const groups = [];
    let token: string | undefined;
    do {
      const out = await autoscaling.send(
        new DescribeAutoScalingGroupsCommand({ MaxRecords: 100, NextToken: token }),
      );
      groups.push(...(out.AutoScalingGroups ?? []));
      token = out.NextToken;
    } while (token);
    expect(groups).toHaveLength(200);
    for (const group of groups) {
      const lt = group.LaunchTemplate;
      const arm = account.group(group.AutoScalingGroupName ?? "")?.instances[0]?.imageId === "ami-al2-arm";
      const image = arm ? "ami-2023-61-arm" : "ami-2023-61-x86";
      const v = await ec2.send(
        new CreateLaunchTemplateVersionCommand({
          LaunchTemplateId: lt?.LaunchTemplateId,
          SourceVersion: lt?.Version,
          LaunchTemplateData: { ImageId: image },
        }),
      );
      await autoscaling.send(
        new StartInstanceRefreshCommand({
          AutoScalingGroupName: group.AutoScalingGroupName,
          DesiredConfiguration: {
            LaunchTemplate: {
              LaunchTemplateId: lt?.LaunchTemplateId,
              Version: String(v.LaunchTemplateVersion?.VersionNumber),
            },
          },
          Preferences: {
            MinHealthyPercentage: 90,
            MaxHealthyPercentage: 110,
            CheckpointPercentages: [20, 50, 100],
            CheckpointDelay: 600,
          },
        }),
      );
    }
    account.clock.runUntilIdle();
    expect(succeeded).toBe(200);
    const names = account.groupNames();
    const onNew = names
      .flatMap((n) => account.group(n)?.instances ?? [])
      .filter((i) => i.imageId.startsWith("ami-2023-61"));
    expect(onNew).toHaveLength(10_000);
    expect(
      Math.min(...names.map((n) => account.group(n)?.minHealthyPercentSeen ?? 0)),
    ).toBeGreaterThanOrEqual(90);
    expect(performance.now() - started).toBeLessThan(15_000);
  });
});
