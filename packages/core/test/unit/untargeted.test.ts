import { describe, expect, it } from "vitest";
import type { InstanceRecord } from "../../src/fleet";
import { untargetedGroups } from "../../src/untargeted";

const instance = (id: string, groupName: string | null, version: string | null): InstanceRecord => ({
  instanceId: id,
  groupName,
  platformName: version === null ? null : "Amazon Linux",
  platformVersion: version,
  kernelVersion: null,
  pingStatus: "Online",
});

describe("untargetedGroups", () => {
  it("names each group the run does not target, with its platforms; skips targeted groups and standalone instances", () => {
    const fleet = {
      groups: [{ name: "web" }] as never[],
      instances: [
        instance("i-1", "web", "2"),
        instance("i-2", "legacy", "2"),
        instance("i-3", "legacy", "2023"),
        instance("i-4", "batch", null),
        instance("i-5", null, "2"),
      ],
    };
    expect(untargetedGroups(fleet)).toEqual([
      { group: "batch", instances: 1, platforms: { unknown: 1 } },
      { group: "legacy", instances: 2, platforms: { "Amazon Linux 2": 1, "Amazon Linux 2023": 1 } },
    ]);
  });

  it("nothing untargeted: an empty list", () => {
    expect(untargetedGroups({ groups: [], instances: [] })).toEqual([]);
  });
});
