import { z } from "zod";
import { ArchitectureSchema, type GroupRecord, type InstanceRecord } from "./fleet";
import type { InventorySummary } from "./run-ledger";
import type { UntargetedGroup } from "./run-result";

/**
 * The inventory in pages (issue 11). Joining SSM's instance pages with Auto Scaling's group pages
 * over the whole fleet is what made one invocation hold every instance, so the inventory never
 * joins them. It walks in four passes, each resumable from a small cursor:
 *
 * 1. `targeted`: the targeted groups, a slice of one DescribeAutoScalingGroups page at a time; SSM
 *    is read filtered by the slice's own instance ids, so each group is judged (NO_INVENTORY,
 *    SSM_OFFLINE) from what that page read, and its members SSM does not know are counted.
 * 2. `untargeted`: the groups the run does not target, the same way, for `inventory.untargeted`.
 * 3. `platforms`: every SSM-managed instance, a DescribeInstanceInformation page at a time, counted
 *    by platform (group members and standalone instances alike: no membership needed).
 * 4. `kernels`: every inventoried instance, a GetInventory page at a time, counted by kernel.
 *
 * The counts travel in the state (a few keys); group records and untargeted entries go to the ledger.
 */

/** Where a walk over Auto Scaling groups stands: the page being read and how much of it is done. */
export const GroupWalkSchema = z.object({
  /** Which batch of named groups (50 names a call); 0 when the targets name none. */
  batch: z.number().int().nonnegative(),
  /** The NextToken that returns the page being worked on; null for the first page. */
  token: z.string().nullable(),
  /** Groups of that page already done. */
  offset: z.number().int().nonnegative(),
  /** The last group done (null before any): where the page resumes if groups came or went meanwhile. */
  last: z.string().nullable(),
});
export type GroupWalk = z.infer<typeof GroupWalkSchema>;

export const FIRST_WALK: GroupWalk = { batch: 0, token: null, offset: 0, last: null };

export const InventoryCursorSchema = z.discriminatedUnion("phase", [
  z.object({ phase: z.literal("targeted"), walk: GroupWalkSchema }),
  z.object({ phase: z.literal("untargeted"), walk: GroupWalkSchema }),
  z.object({ phase: z.literal("platforms"), token: z.string().nullable() }),
  z.object({ phase: z.literal("kernels"), token: z.string().nullable() }),
]);
export type InventoryCursor = z.infer<typeof InventoryCursorSchema>;

const countsSchema = z.record(z.string(), z.number().int().nonnegative());

/** What the passes have counted so far; small whatever the fleet (a key per platform and kernel). */
export const InventoryTallySchema = z.object({
  /** Targeted groups recorded (those with a launch template the product can roll out). */
  groups: z.number().int().nonnegative(),
  /** Members of targeted groups SSM does not manage: instances of unknown platform. */
  unmanaged: z.number().int().nonnegative(),
  /** SSM-managed instances (group members and standalone). */
  managed: z.number().int().nonnegative(),
  byPlatform: countsSchema,
  /** Instances whose kernel SSM inventory reports; the rest are counted `unknown` at the end. */
  byKernel: countsSchema,
  architectures: z.array(ArchitectureSchema),
});
export type InventoryTally = z.infer<typeof InventoryTallySchema>;

export const EMPTY_TALLY: InventoryTally = {
  groups: 0,
  unmanaged: 0,
  managed: 0,
  byPlatform: {},
  byKernel: {},
  architectures: [],
};

/** `counts` plus `more`, key by key. */
export function addCounts(
  counts: Record<string, number>,
  more: Record<string, number>,
): Record<string, number> {
  const sum = { ...counts };
  for (const [key, n] of Object.entries(more)) sum[key] = (sum[key] ?? 0) + n;
  return sum;
}

/**
 * What readiness judges of each group's instances (NO_INVENTORY, SSM_OFFLINE), kept with the group.
 * `members` are the SSM facts read for this page's groups; a member absent from them is unknown to
 * SSM (no inventory, not Online).
 *
 * @example
 * judgeGroups([web], [{ instanceId: "i-1", groupName: "web", kernelVersion: null, pingStatus: "Online", ... }])
 * // [{ ...web, withoutInventory: ["i-1"], notOnline: [] }]
 */
export function judgeGroups(
  groups: readonly GroupRecord[],
  members: readonly InstanceRecord[],
): GroupRecord[] {
  const byId = new Map(members.map((m) => [m.instanceId, m]));
  return groups.map((group) => {
    const own = group.instanceIds.map(
      (id) => byId.get(id) ?? { instanceId: id, kernelVersion: null, pingStatus: null },
    );
    return {
      ...group,
      withoutInventory: own.filter((i) => i.kernelVersion === null).map((i) => i.instanceId),
      notOnline: own
        .filter((i) => i.pingStatus !== "Online")
        .map((i) => ({ instanceId: i.instanceId, pingStatus: i.pingStatus })),
    };
  });
}

/** The same counts with their keys in order, so the summary reads the same however it was paged. */
function sortedCounts(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * The inventory summary (CONTRACTS.md section 2) from the finished passes: every SSM-managed
 * instance plus the targeted groups' members SSM does not know, by platform and by kernel.
 */
export function inventorySummary(tally: InventoryTally, untargeted: UntargetedGroup[]): InventorySummary {
  const instances = tally.managed + tally.unmanaged;
  const byPlatform =
    tally.unmanaged > 0 ? addCounts(tally.byPlatform, { unknown: tally.unmanaged }) : tally.byPlatform;
  const known = Object.values(tally.byKernel).reduce((a, b) => a + b, 0);
  const byKernel =
    instances > known ? addCounts(tally.byKernel, { unknown: instances - known }) : tally.byKernel;
  return {
    groups: tally.groups,
    instances,
    byPlatform: sortedCounts(byPlatform),
    byKernel: sortedCounts(byKernel),
    architectures: [...tally.architectures].sort(),
    untargeted: [...untargeted].sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0)),
  };
}
