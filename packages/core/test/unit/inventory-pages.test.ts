import { describe, expect, it } from "vitest";
import type { GroupRecord, InstanceRecord } from "../../src/fleet";
import {
  addCounts,
  EMPTY_TALLY,
  InventoryCursorSchema,
  inventorySummary,
  judgeGroups,
} from "../../src/inventory-pages";

const group = (name: string, instanceIds: string[]): GroupRecord => ({
  name,
  arn: `arn:${name}`,
  desired: instanceIds.length,
  min: 0,
  max: 10,
  launchTemplate: {
    launchTemplateId: `lt-${name}`,
    launchTemplateName: name,
    versionSpec: "1",
    resolvedVersion: 1,
    imageRef: "ami-old",
  },
  imageId: "ami-old",
  architecture: "x86_64",
  tags: {},
  instanceIds,
  targetGroupArns: [],
  defaultInstanceWarmup: null,
});

const member = (instanceId: string, over: Partial<InstanceRecord> = {}): InstanceRecord => ({
  instanceId,
  groupName: "web",
  platformName: "Amazon Linux",
  platformVersion: "2",
  kernelVersion: "5.10.245-245.983.amzn2",
  pingStatus: "Online",
  ...over,
});

describe("judgeGroups", () => {
  it("lists a group's members without inventory and not Online, a member SSM does not know as both", () => {
    const [web] = judgeGroups(
      [group("web", ["i-1", "i-2", "i-3", "i-4"])],
      [
        member("i-1"),
        member("i-2", { kernelVersion: null }),
        member("i-3", { pingStatus: "ConnectionLost" }),
      ],
    );

    expect(web?.withoutInventory).toEqual(["i-2", "i-4"]);
    expect(web?.notOnline).toEqual([
      { instanceId: "i-3", pingStatus: "ConnectionLost" },
      { instanceId: "i-4", pingStatus: null },
    ]);
  });
});

describe("inventorySummary", () => {
  it("adds the targeted members SSM does not know as unknown platform and kernel, and instances without kernel data as unknown kernel", () => {
    const summary = inventorySummary(
      {
        groups: 2,
        unmanaged: 3,
        managed: 10,
        byPlatform: { "Amazon Linux 2023": 4, "Amazon Linux 2": 6 },
        byKernel: { "5.10.245-245.983.amzn2": 6 },
        architectures: ["x86_64", "arm64"],
      },
      [
        { group: "zeta", instances: 1, platforms: { "Amazon Linux 2": 1 } },
        { group: "legacy", instances: 2, platforms: { "Amazon Linux 2": 2 } },
      ],
    );

    expect(summary).toEqual({
      groups: 2,
      instances: 13,
      byPlatform: { "Amazon Linux 2": 6, "Amazon Linux 2023": 4, unknown: 3 },
      byKernel: { "5.10.245-245.983.amzn2": 6, unknown: 7 },
      architectures: ["arm64", "x86_64"],
      untargeted: [
        { group: "legacy", instances: 2, platforms: { "Amazon Linux 2": 2 } },
        { group: "zeta", instances: 1, platforms: { "Amazon Linux 2": 1 } },
      ],
    });
    expect(Object.keys(summary.byPlatform)).toEqual(["Amazon Linux 2", "Amazon Linux 2023", "unknown"]);
  });

  it("reads the same however the counts were split over pages", () => {
    const pages: Record<string, number>[] = [{ a: 1, b: 2 }, { b: 3 }, {}, { c: 1, a: 4 }];
    const paged = pages.reduce<Record<string, number>>((sum, page) => addCounts(sum, page), {});
    const once = { a: 5, b: 5, c: 1 };
    const summary = (byPlatform: Record<string, number>) =>
      inventorySummary({ ...EMPTY_TALLY, managed: 11, byPlatform, byKernel: byPlatform }, []);

    expect(summary(paged)).toEqual(summary(once));
    expect(JSON.stringify(summary(paged))).toBe(JSON.stringify(summary(once)));
  });

  it("counts no unknown when every instance is known", () => {
    const summary = inventorySummary(
      { ...EMPTY_TALLY, managed: 2, byPlatform: { "Amazon Linux 2": 2 }, byKernel: { k: 2 } },
      [],
    );

    expect(summary.byPlatform).toEqual({ "Amazon Linux 2": 2 });
    expect(summary.byKernel).toEqual({ k: 2 });
  });
});

describe("InventoryCursorSchema", () => {
  it("refuses a cursor of an unknown pass or a negative offset, naming the field", () => {
    expect(InventoryCursorSchema.safeParse({ phase: "groups", token: null }).success).toBe(false);
    const negative = InventoryCursorSchema.safeParse({
      phase: "targeted",
      walk: { batch: 0, token: null, offset: -1 },
    });
    expect(negative.success).toBe(false);
    expect(negative.error?.issues[0]?.path).toEqual(["walk", "offset"]);
  });
});
