import type { Fleet, InstanceRecord } from "./fleet";
import type { UntargetedGroup } from "./run-result";

/** An instance's platform as the inventory counts it: "PlatformName PlatformVersion", or "unknown". */
export function platformOf(instance: Pick<InstanceRecord, "platformName" | "platformVersion">): string {
  return instance.platformName === null
    ? "unknown"
    : `${instance.platformName} ${instance.platformVersion ?? ""}`.trim();
}

/**
 * `inventory.untargeted` (CONTRACTS.md section 2): the Auto Scaling groups whose instances the
 * inventory saw but the run does not target (their tags do not match), with their platforms, so an
 * AL2 group left out is named, not only counted. Ascending by name; standalone instances are not groups.
 *
 * @example
 * untargetedGroups({ groups: [], instances: [{ instanceId: "i-1", groupName: "legacy",
 *   platformName: "Amazon Linux", platformVersion: "2", kernelVersion: null, pingStatus: "Online" }] })
 * // [{ group: "legacy", instances: 1, platforms: { "Amazon Linux 2": 1 } }]
 */
export function untargetedGroups(fleet: Pick<Fleet, "groups" | "instances">): UntargetedGroup[] {
  const targeted = new Set(fleet.groups.map((g) => g.name));
  const byGroup = new Map<string, UntargetedGroup>();
  for (const instance of fleet.instances) {
    if (instance.groupName === null || targeted.has(instance.groupName)) continue;
    const entry = byGroup.get(instance.groupName) ?? {
      group: instance.groupName,
      instances: 0,
      platforms: {},
    };
    entry.instances += 1;
    const platform = platformOf(instance);
    entry.platforms[platform] = (entry.platforms[platform] ?? 0) + 1;
    byGroup.set(instance.groupName, entry);
  }
  return [...byGroup.values()].sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
}
