import { StartInstanceRefreshCommand } from "@aws-sdk/client-auto-scaling";
import {
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  GetMetricStatisticsCommand,
  type MetricDataResult,
} from "@aws-sdk/client-cloudwatch";
import { CreateLaunchTemplateVersionCommand } from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { SimulatedAccount } from "../../src/index";
import { scenario } from "./fixtures";

const MINUTE = 60_000;

function webGroup(extra: Record<string, unknown> = {}) {
  return {
    name: "web",
    desired: 10,
    max: 20,
    launchTemplate: { name: "web-lt", version: 3, imageId: "ami-al2" },
    tags: { "fleet-upgrade:managed": "true", "fleet-upgrade:ring": "canary" },
    targetGroup: true,
    ...extra,
  };
}

function accountWith(options: { seed?: number; group?: Record<string, unknown> } = {}): SimulatedAccount {
  return SimulatedAccount.create(scenario({ seed: options.seed ?? 7, groups: [webGroup(options.group)] }));
}

function groupInstanceIds(account: SimulatedAccount): string[] {
  return [...(account.world.groups.get("web")?.members ?? [])];
}

function cpuQueries(instanceIds: string[], stat = "Average", period = 60) {
  return instanceIds.map((id, i) => ({
    Id: `q${i}`,
    MetricStat: {
      Metric: {
        Namespace: "AWS/EC2",
        MetricName: "CPUUtilization",
        Dimensions: [{ Name: "InstanceId", Value: id }],
      },
      Period: period,
      Stat: stat,
    },
  }));
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/** Every page of a GetMetricData call, results merged by Id in the order they came. */
async function getAllPages(account: SimulatedAccount, input: GetMetricDataCommandInput) {
  const { cloudwatch } = account.createClients();
  const merged = new Map<string, { timestamps: number[]; values: number[] }>();
  let nextToken: string | undefined;
  let calls = 0;
  do {
    const out = await cloudwatch.send(new GetMetricDataCommand({ ...input, NextToken: nextToken }));
    calls++;
    for (const r of out.MetricDataResults ?? ([] as MetricDataResult[])) {
      const entry = merged.get(r.Id ?? "") ?? { timestamps: [], values: [] };
      entry.timestamps.push(...(r.Timestamps ?? []).map((t) => new Date(t).getTime()));
      entry.values.push(...(r.Values ?? []));
      merged.set(r.Id ?? "", entry);
    }
    nextToken = out.NextToken;
  } while (nextToken !== undefined);
  return { merged, calls };
}

describe("per-instance metrics through GetMetricData", () => {
  it("serves one CPUUtilization sample a minute per instance around the default mean of 30, newest first", async () => {
    const account = accountWith();
    const start = account.clock.now();
    account.clock.advanceTo(start + 20 * MINUTE);
    const ids = groupInstanceIds(account);
    const { cloudwatch } = account.createClients();
    const out = await cloudwatch.send(
      new GetMetricDataCommand({
        MetricDataQueries: cpuQueries(ids),
        StartTime: new Date(start),
        EndTime: new Date(start + 20 * MINUTE),
      }),
    );
    const results = out.MetricDataResults ?? [];
    expect(results).toHaveLength(10);
    for (const r of results) {
      expect(r.StatusCode).toBe("Complete");
      expect(r.Label).toBe("CPUUtilization");
      expect(r.Values).toHaveLength(20);
      const times = (r.Timestamps ?? []).map((t) => new Date(t).getTime());
      expect(times[0]).toBe(start + 19 * MINUTE);
      expect(times.at(-1)).toBe(start);
    }
    const all = results.flatMap((r) => r.Values ?? []);
    expect(median(all)).toBeGreaterThan(27);
    expect(median(all)).toBeLessThan(33);
    expect(out.NextToken).toBeUndefined();
  });

  it("gives the same series for the same seed and other series for another seed", async () => {
    const read = async (seed: number) => {
      const account = accountWith({ seed });
      const start = account.clock.now();
      account.clock.advanceTo(start + 10 * MINUTE);
      const ids = groupInstanceIds(account);
      const { merged } = await getAllPages(account, {
        MetricDataQueries: cpuQueries(ids),
        StartTime: new Date(start),
        EndTime: new Date(start + 10 * MINUTE),
      });
      return [...merged.values()].map((s) => s.values);
    };
    const first = await read(7);
    expect(await read(7)).toEqual(first);
    expect(await read(8)).not.toEqual(first);
  });

  it("pages at MaxDatapoints with NextToken, PartialData until a query's last point, and loses nothing", async () => {
    const account = accountWith();
    const start = account.clock.now();
    account.clock.advanceTo(start + 10 * MINUTE);
    const input = {
      MetricDataQueries: cpuQueries(groupInstanceIds(account).slice(0, 3)),
      StartTime: new Date(start),
      EndTime: new Date(start + 10 * MINUTE),
      ScanBy: "TimestampAscending" as const,
    };
    const whole = await getAllPages(account, input);
    const paged = await getAllPages(account, { ...input, MaxDatapoints: 7 });
    expect(whole.calls).toBe(1);
    expect(paged.calls).toBe(5); // 30 points, 7 a page
    expect(paged.merged).toEqual(whole.merged);
    const { cloudwatch } = account.createClients();
    const firstPage = await cloudwatch.send(new GetMetricDataCommand({ ...input, MaxDatapoints: 7 }));
    expect(firstPage.MetricDataResults?.map((r) => [r.Id, r.StatusCode, r.Values?.length])).toEqual([
      ["q0", "PartialData", 7],
    ]);
  });

  it("computes the statistic over the period's minutes (Maximum and p90 of 5-minute periods)", async () => {
    const account = accountWith();
    const start = account.clock.now();
    account.clock.advanceTo(start + 10 * MINUTE);
    const id = groupInstanceIds(account)[0] as string;
    const window = {
      StartTime: new Date(start),
      EndTime: new Date(start + 10 * MINUTE),
      ScanBy: "TimestampAscending" as const,
    };
    const minutes = (
      await getAllPages(account, { MetricDataQueries: cpuQueries([id]), ...window })
    ).merged.get("q0");
    const max = (
      await getAllPages(account, { MetricDataQueries: cpuQueries([id], "Maximum", 300), ...window })
    ).merged.get("q0");
    expect(max?.timestamps).toEqual([start, start + 5 * MINUTE]);
    expect(max?.values).toEqual([
      Math.max(...(minutes?.values.slice(0, 5) ?? [])),
      Math.max(...(minutes?.values.slice(5) ?? [])),
    ]);
    const p90 = (
      await getAllPages(account, { MetricDataQueries: cpuQueries([id], "p90", 300), ...window })
    ).merged.get("q0");
    expect(p90?.values[0]).toBeLessThanOrEqual(max?.values[0] ?? 0);
  });

  it("answers an unknown instance, metric or dimension set with an empty, complete result", async () => {
    const account = accountWith();
    const start = account.clock.now();
    account.clock.advanceTo(start + 5 * MINUTE);
    const id = groupInstanceIds(account)[0] as string;
    const { cloudwatch } = account.createClients();
    const out = await cloudwatch.send(
      new GetMetricDataCommand({
        MetricDataQueries: [
          ...cpuQueries(["i-0000000000000000"]),
          {
            Id: "mem",
            MetricStat: {
              Metric: {
                Namespace: "CWAgent",
                MetricName: "mem_used_percent",
                Dimensions: [{ Name: "InstanceId", Value: id }],
              },
              Period: 60,
              Stat: "Average",
            },
          },
          {
            Id: "two",
            MetricStat: {
              Metric: {
                Namespace: "AWS/EC2",
                MetricName: "CPUUtilization",
                Dimensions: [
                  { Name: "InstanceId", Value: id },
                  { Name: "AutoScalingGroupName", Value: "web" },
                ],
              },
              Period: 60,
              Stat: "Average",
            },
          },
        ],
        StartTime: new Date(start),
        EndTime: new Date(start + 5 * MINUTE),
      }),
    );
    expect(out.MetricDataResults?.map((r) => [r.Id, r.Values, r.StatusCode])).toEqual([
      ["q0", [], "Complete"],
      ["mem", [], "Complete"],
      ["two", [], "Complete"],
    ]);
  });

  it("refuses more than 500 queries, a repeated Id, an Id not starting with a lowercase letter, and a bad Period", async () => {
    const account = accountWith();
    const { cloudwatch } = account.createClients();
    const window = {
      StartTime: new Date(account.clock.now()),
      EndTime: new Date(account.clock.now() + MINUTE),
    };
    const ids = Array.from({ length: 501 }, (_, i) => `i-${i}`);
    await expect(
      cloudwatch.send(new GetMetricDataCommand({ MetricDataQueries: cpuQueries(ids), ...window })),
    ).rejects.toThrow(/must not have a size greater than 500/);
    const [one] = cpuQueries(["i-1"]);
    await expect(
      cloudwatch.send(
        new GetMetricDataCommand({ MetricDataQueries: [one, one].map((q) => q as never), ...window }),
      ),
    ).rejects.toThrow(/used by more than one/);
    await expect(
      cloudwatch.send(
        new GetMetricDataCommand({ MetricDataQueries: [{ ...one, Id: "Q1" } as never], ...window }),
      ),
    ).rejects.toThrow(/lowercase letter/);
    await expect(
      cloudwatch.send(
        new GetMetricDataCommand({ MetricDataQueries: cpuQueries(["i-1"], "Average", 90), ...window }),
      ),
    ).rejects.toThrow(/multiple of 60/);
  });
});

describe("new-image instances and their shift", () => {
  it("runs new-image instances hotter by onNewImage.metrics.CPUUtilization.shift, old ones unchanged", async () => {
    const account = accountWith({
      group: {
        onNewImage: { metrics: { CPUUtilization: { shift: 0.6 } } },
        metrics: { CPUUtilization: { mean: 40, cv: 0.1 } },
      },
    });
    const { ec2, autoscaling } = account.createClients();
    const created = await ec2.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateName: "web-lt",
        SourceVersion: "3",
        LaunchTemplateData: { ImageId: "ami-2023-61" },
      }),
    );
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
          CheckpointPercentages: [50],
          CheckpointDelay: 3600,
        },
      }),
    );
    const start = account.clock.now();
    account.clock.advanceTo(start + 40 * MINUTE);
    const members = groupInstanceIds(account);
    const fresh = members.filter((id) => account.world.instances.get(id)?.newImage === true);
    const old = members.filter((id) => account.world.instances.get(id)?.newImage === false);
    expect(fresh.length).toBe(5);
    expect(old.length).toBe(5);
    const window = { StartTime: new Date(start + 30 * MINUTE), EndTime: new Date(start + 40 * MINUTE) };
    const { merged } = await getAllPages(account, {
      MetricDataQueries: cpuQueries([...old, ...fresh]),
      ...window,
    });
    const series = [...merged.values()].map((s) => s.values);
    const oldMedian = median(series.slice(0, 5).flat());
    const newMedian = median(series.slice(5).flat());
    expect(oldMedian).toBeGreaterThan(37);
    expect(oldMedian).toBeLessThan(43);
    expect(newMedian / oldMedian).toBeGreaterThan(1.45);
    expect(newMedian / oldMedian).toBeLessThan(1.75);

    // A replaced instance stops reporting at its termination.
    const gone = [...account.world.instances.values()].find(
      (i) => i.state === "terminated" && i.groupName === "web",
    );
    expect(gone?.terminatedMs).toBeDefined();
    const after = await getAllPages(account, {
      MetricDataQueries: cpuQueries([gone?.instanceId as string]),
      StartTime: new Date(gone?.terminatedMs as number),
      EndTime: new Date(start + 40 * MINUTE),
    });
    expect(after.merged.get("q0")?.values).toEqual([]);
  });
});

describe("per-instance metrics through GetMetricStatistics", () => {
  it("answers dimension InstanceId with the asked statistics and percentiles per period", async () => {
    const account = accountWith({ group: { metrics: { CPUUtilization: { mean: 50, cv: 0.2 } } } });
    const start = account.clock.now();
    account.clock.advanceTo(start + 10 * MINUTE);
    const id = groupInstanceIds(account)[0] as string;
    const { cloudwatch } = account.createClients();
    const out = await cloudwatch.send(
      new GetMetricStatisticsCommand({
        Namespace: "AWS/EC2",
        MetricName: "CPUUtilization",
        Dimensions: [{ Name: "InstanceId", Value: id }],
        StartTime: new Date(start),
        EndTime: new Date(start + 10 * MINUTE),
        Period: 300,
        Statistics: ["Average", "SampleCount", "Maximum"],
        ExtendedStatistics: ["p50"],
      }),
    );
    expect(out.Datapoints).toHaveLength(2);
    for (const point of out.Datapoints ?? []) {
      expect(point.Unit).toBe("Percent");
      expect(point.SampleCount).toBe(5);
      expect(point.Average).toBeGreaterThan(30);
      expect(point.Average).toBeLessThan(70);
      expect(point.ExtendedStatistics?.p50).toBeLessThanOrEqual(point.Maximum ?? 0);
    }
  });
});
