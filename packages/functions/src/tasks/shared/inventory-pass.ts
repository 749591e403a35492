import {
  addCounts,
  FIRST_WALK,
  type FleetTargets,
  type InventoryCursor,
  type InventoryTally,
  judgeGroups,
  type UntargetedGroup,
  untargetedGroups,
} from "@fleet-upgrade/core";
import type { FunctionDeps } from "../../runtime/deps";

/** Group records one BatchWriteItem call takes. */
const RECORDS_PER_WRITE = 25;

export interface InventoryStep {
  /** Where the next step starts; null when the inventory is complete. */
  next: InventoryCursor | null;
  tally: InventoryTally;
  /** Untargeted groups this step named, each whole (a group is never split over steps). */
  untargeted: UntargetedGroup[];
  /** Calls the step made. */
  calls: number;
}

/**
 * One step of the inventory (see `inventory-pages.ts` in core) within `calls` calls: a page of the
 * targeted groups (judged and recorded), of the untargeted ones, or of SSM's platform or kernel counts.
 */
export async function inventoryStep(
  deps: FunctionDeps,
  input: { runId: string; targets: FleetTargets; at: InventoryCursor; tally: InventoryTally; calls: number },
): Promise<InventoryStep> {
  const { runId, targets, at, tally, calls } = input;
  switch (at.phase) {
    case "targeted": {
      // Each recorded group costs its page a call at least (its template), so a page of `calls`
      // records at most that many groups: one write of 25 for every 25 calls is kept for them.
      const writes = Math.ceil(calls / RECORDS_PER_WRITE);
      const page = await deps.inventory.targetedGroups(targets, at.walk, calls - writes);
      const records = judgeGroups(page.groups, page.members);
      if (records.length > 0) await deps.ledger.putGroups(runId, records);
      return {
        next: page.next ? { phase: "targeted", walk: page.next } : { phase: "untargeted", walk: FIRST_WALK },
        tally: {
          ...tally,
          groups: tally.groups + records.length,
          unmanaged: tally.unmanaged + page.unmanaged,
          architectures: [...new Set([...tally.architectures, ...records.map((r) => r.architecture)])].sort(),
        },
        untargeted: [],
        calls: page.calls + Math.ceil(records.length / RECORDS_PER_WRITE),
      };
    }
    case "untargeted": {
      const page = await deps.inventory.untargetedGroups(targets, at.walk, calls);
      return {
        next: page.next ? { phase: "untargeted", walk: page.next } : { phase: "platforms", token: null },
        tally,
        // Only SSM-managed members carry a platform, as the summary counts them.
        untargeted: untargetedGroups({ groups: [], instances: page.members }),
        calls: page.calls,
      };
    }
    case "platforms": {
      const page = await deps.inventory.countPlatforms(at.token, calls);
      return {
        next:
          page.next !== null ? { phase: "platforms", token: page.next } : { phase: "kernels", token: null },
        tally: {
          ...tally,
          managed: tally.managed + page.instances,
          byPlatform: addCounts(tally.byPlatform, page.counts),
        },
        untargeted: [],
        calls: page.calls,
      };
    }
    case "kernels": {
      const page = await deps.inventory.countKernels(at.token, calls);
      return {
        next: page.next !== null ? { phase: "kernels", token: page.next } : null,
        tally: { ...tally, byKernel: addCounts(tally.byKernel, page.counts) },
        untargeted: [],
        calls: page.calls,
      };
    }
  }
}
