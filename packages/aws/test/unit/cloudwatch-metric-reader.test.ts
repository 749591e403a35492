import "aws-sdk-client-mock-vitest/extend";
import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandOutput,
} from "@aws-sdk/client-cloudwatch";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { CloudWatchMetricReader } from "../../src/cloudwatch-metric-reader";
import { UnexpectedResponseError } from "../../src/errors";

const cloudwatch = mockClient(CloudWatchClient);
const reader = new CloudWatchMetricReader({ cloudwatch: new CloudWatchClient({ region: "us-east-1" }) });
const from = new Date("2026-11-21T10:00:00Z");
const to = new Date("2026-11-21T10:10:00Z");
const CPU = { namespace: "AWS/EC2", name: "CPUUtilization", stat: "Average" };
const MEM = { namespace: "CWAgent", name: "mem_used_percent", stat: "p90" };
const at = (minute: number) => new Date(from.getTime() + minute * 60_000);

afterEach(() => cloudwatch.reset());

describe("CloudWatchMetricReader", () => {
  it("asks for one query per metric and instance, InstanceId dimension, oldest first", async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: "m0_0", Timestamps: [at(0), at(1)], Values: [31, 32], StatusCode: "Complete" },
        { Id: "m0_1", Timestamps: [], Values: [], StatusCode: "Complete" },
      ],
    });

    const series = await reader.readInstanceSeries({
      metrics: [CPU],
      instanceIds: ["i-a", "i-b", "i-a"],
      from,
      to,
      periodSeconds: 60,
    });

    expect(series).toEqual([{ "i-a": [31, 32], "i-b": [] }]);
    expect(cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 1);
    expect(cloudwatch.commandCalls(GetMetricDataCommand)[0]?.args[0].input).toEqual({
      MetricDataQueries: ["i-a", "i-b"].map((id, i) => ({
        Id: `m0_${i}`,
        MetricStat: {
          Metric: {
            Namespace: "AWS/EC2",
            MetricName: "CPUUtilization",
            Dimensions: [{ Name: "InstanceId", Value: id }],
          },
          Period: 60,
          Stat: "Average",
        },
        ReturnData: true,
      })),
      StartTime: from,
      EndTime: to,
      ScanBy: "TimestampAscending",
    });
  });

  it("puts 500 queries in a call and follows NextToken, merging a query's points across pages", async () => {
    const instanceIds = Array.from({ length: 300 }, (_, i) => `i-${String(i).padStart(3, "0")}`);
    // 2 metrics x 300 instances = 600 queries: a call of 500 (answered in two pages) and one of 100.
    const pages: GetMetricDataCommandOutput[] = [
      {
        $metadata: {},
        MetricDataResults: [{ Id: "m0_7", Timestamps: [at(0)], Values: [10], StatusCode: "PartialData" }],
        NextToken: "page-2",
      },
      {
        $metadata: {},
        MetricDataResults: [
          { Id: "m0_7", Timestamps: [at(1)], Values: [11], StatusCode: "Complete" },
          { Id: "m1_199", Timestamps: [at(3), at(2)], Values: [72, 71], StatusCode: "Complete" },
        ],
      },
      {
        $metadata: {},
        MetricDataResults: [{ Id: "m1_299", Timestamps: [at(0)], Values: [55], StatusCode: "Complete" }],
      },
    ];
    // The SDK's paginator sends one input object, changing its NextToken between pages: the token is
    // read as each call is made.
    const sentTokens: (string | undefined)[] = [];
    cloudwatch.on(GetMetricDataCommand).callsFake((input: { NextToken?: string }) => {
      sentTokens.push(input.NextToken);
      return pages.shift();
    });

    const series = await reader.readInstanceSeries({
      metrics: [CPU, MEM],
      instanceIds,
      from,
      to,
      periodSeconds: 300,
    });

    const calls = cloudwatch.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(3);
    expect(calls.map((c) => c.MetricDataQueries?.length)).toEqual([500, 500, 100]);
    expect(sentTokens).toEqual([undefined, "page-2", undefined]);
    expect(calls[1]?.MetricDataQueries).toEqual(calls[0]?.MetricDataQueries);
    expect(calls[2]?.MetricDataQueries?.[0]).toMatchObject({
      Id: "m1_200",
      MetricStat: {
        Metric: { Namespace: "CWAgent", MetricName: "mem_used_percent", Dimensions: [{ Value: "i-200" }] },
        Period: 300,
        Stat: "p90",
      },
    });
    expect(series[0]?.["i-007"]).toEqual([10, 11]);
    expect(series[1]?.["i-199"]).toEqual([71, 72]);
    expect(series[1]?.["i-299"]).toEqual([55]);
    expect(series[0]?.["i-100"]).toEqual([]);
  });

  it("calls grow with instances / 500: 1200 instances, one metric, three calls", async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    const instanceIds = Array.from({ length: 1200 }, (_, i) => `i-${i}`);
    await reader.readInstanceSeries({ metrics: [CPU], instanceIds, from, to, periodSeconds: 60 });
    expect(cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 3);
  });

  it("refuses a result CloudWatch could not produce (InternalError, Forbidden) with a named error", async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: "m0_0", StatusCode: "Forbidden", Messages: [{ Code: "Forbidden", Value: "denied by SCP" }] },
      ],
    });
    const read = reader.readInstanceSeries({
      metrics: [CPU],
      instanceIds: ["i-a"],
      from,
      to,
      periodSeconds: 60,
    });
    await expect(read).rejects.toBeInstanceOf(UnexpectedResponseError);
    await expect(
      reader.readInstanceSeries({ metrics: [CPU], instanceIds: ["i-a"], from, to, periodSeconds: 60 }),
    ).rejects.toThrow(/Forbidden for AWS\/EC2 CPUUtilization of i-a \(denied by SCP\)/);
  });

  it("makes no call without instances", async () => {
    expect(
      await reader.readInstanceSeries({ metrics: [CPU], instanceIds: [], from, to, periodSeconds: 60 }),
    ).toEqual([{}]);
    expect(cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 0);
  });
});
