import { type InventorySummary, untargetedGroups } from "@fleet-upgrade/core";
import { fleetInventory, groupsReader } from "../runtime/adapters";
import { type Task, taskHandler } from "../runtime/lambda";
import { loadRun } from "./shared/load-run";
import { type RunState, RunStateSchema } from "./shared/state";

/** Inventories the targeted groups and every SSM-managed instance; the ledger keeps the details. */
export const inventoryTask: Task<
  unknown,
  RunState & { groups: number; instances: number; architectures: string[] }
> = async (event, deps) => {
  const state = RunStateSchema.parse(event);
  const { request } = await loadRun(deps, state.runId);
  const fleet = await deps.inventory.readFleet(request.targets);
  // What readiness judges of each group's instances (NO_INVENTORY, SSM_OFFLINE), kept with the group.
  const instanceById = new Map(fleet.instances.map((i) => [i.instanceId, i]));
  const groups = fleet.groups.map((group) => {
    const own = group.instanceIds.map(
      (id) => instanceById.get(id) ?? { instanceId: id, kernelVersion: null, pingStatus: null },
    );
    return {
      ...group,
      withoutInventory: own.filter((i) => i.kernelVersion === null).map((i) => i.instanceId),
      notOnline: own
        .filter((i) => i.pingStatus !== "Online")
        .map((i) => ({ instanceId: i.instanceId, pingStatus: i.pingStatus })),
    };
  });
  await deps.ledger.putGroups(state.runId, groups);
  const byPlatform: Record<string, number> = {};
  const byKernel: Record<string, number> = {};
  for (const instance of fleet.instances) {
    const platform =
      instance.platformName === null
        ? "unknown"
        : `${instance.platformName} ${instance.platformVersion ?? ""}`.trim();
    byPlatform[platform] = (byPlatform[platform] ?? 0) + 1;
    const kernel = instance.kernelVersion ?? "unknown";
    byKernel[kernel] = (byKernel[kernel] ?? 0) + 1;
  }
  const architectures = [...new Set(fleet.groups.map((g) => g.architecture))].sort();
  // The groups the run does not target, named with their platforms: the inventory lists their
  // instances without a group, so every group's members are read once (paged) to name them.
  const targeted = new Set(fleet.groups.map((g) => g.name));
  const groupOf = new Map<string, string>();
  for (const [group, ids] of Object.entries(await deps.readiness.untargetedMembers(request.targets))) {
    if (!targeted.has(group)) for (const id of ids) groupOf.set(id, group);
  }
  // Only the members of untargeted groups carry a group here: a targeted group the inventory left
  // out (a launch configuration) is judged by readiness, not listed as untargeted.
  const untargeted = untargetedGroups({
    groups: [],
    instances: fleet.instances.map((i) => ({ ...i, groupName: groupOf.get(i.instanceId) ?? null })),
  });
  const summary: InventorySummary = {
    groups: fleet.groups.length,
    instances: fleet.instances.length,
    byPlatform,
    byKernel,
    architectures,
    untargeted,
  };
  await deps.ledger.updateRun(state.runId, (run) => ({ ...run, inventory: summary }));
  deps.logger.info("fleet inventoried", { groups: summary.groups, instances: summary.instances });
  return { ...state, groups: summary.groups, instances: summary.instances, architectures };
};

export const handler = taskHandler("inventory", inventoryTask, {
  inventory: fleetInventory,
  readiness: groupsReader,
});
