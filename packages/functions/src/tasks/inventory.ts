import {
  CALLS_PER_INVOCATION,
  EMPTY_TALLY,
  FIRST_WALK,
  type InventoryCursor,
  InventoryCursorSchema,
  InventoryTallySchema,
  inventorySummary,
  UntargetedGroupSchema,
} from "@fleet-upgrade/core";
import { z } from "zod";
import { fleetInventory } from "../runtime/adapters";
import { type Task, taskHandler } from "../runtime/lambda";
import { inventoryStep } from "./shared/inventory-pass";
import { loadRun } from "./shared/load-run";
import { type RunState, RunStateSchema } from "./shared/state";

const InputSchema = RunStateSchema.extend({
  /** Where the previous invocation stopped; absent on the first. */
  cursor: InventoryCursorSchema.optional(),
  /** What the previous invocations counted (a few keys, whatever the fleet). */
  tally: InventoryTallySchema.optional(),
});

/** The untargeted groups named so far, by group: merged by name, so a retried page changes nothing. */
const UntargetedSoFarSchema = z.record(z.string(), UntargetedGroupSchema);
const UNTARGETED_STEP = "inventory-untargeted";

/** Calls of an invocation besides its steps: the run read; the untargeted groups read and written; the summary (read, write). */
const INVENTORY_OVERHEAD_CALLS = 5;
/**
 * Fewer calls left than this, and the next step waits for the next invocation: a page of one group
 * of up to 50 instances takes 8 (its group page, template, parameter, image, instance information,
 * two inventory reads, its record), and a page always takes at least one group.
 */
const MIN_STEP_CALLS = 10;

type Output =
  | (RunState & { done: true; groups: number; instances: number; architectures: string[] })
  | (RunState & { done: false; cursor: InventoryCursor; tally: z.infer<typeof InventoryTallySchema> });

/**
 * Inventories the targeted groups and every SSM-managed instance in pages (issue 11): each
 * invocation takes steps while its calls last and answers a cursor until the last, which writes
 * the inventory summary. The group records (with what readiness judges of their instances) are in
 * the ledger; the state carries the cursor and a few counts.
 */
export const inventoryTask: Task<unknown, Output> = async (event, deps) => {
  const { cursor, tally: carried, done: _done, ...state } = InputSchema.parse(event);
  const { request } = await loadRun(deps, state.runId);
  let left = (deps.settings.callsPerInvocation ?? CALLS_PER_INVOCATION) - INVENTORY_OVERHEAD_CALLS;
  let at: InventoryCursor | null = cursor ?? { phase: "targeted", walk: FIRST_WALK };
  let tally = carried ?? EMPTY_TALLY;
  const named: z.infer<typeof UntargetedSoFarSchema> = {};
  for (let first = true; at !== null && (first || left >= MIN_STEP_CALLS); first = false) {
    const step = await inventoryStep(deps, {
      runId: state.runId,
      targets: request.targets,
      at,
      tally,
      calls: left,
    });
    for (const entry of step.untargeted) named[entry.group] = entry;
    ({ next: at, tally } = step);
    left -= step.calls;
  }
  const untargeted =
    Object.keys(named).length > 0 || at === null
      ? {
          ...((await deps.ledger.getStep(state.runId, UNTARGETED_STEP, UntargetedSoFarSchema)) ?? {}),
          ...named,
        }
      : {};
  if (Object.keys(named).length > 0) await deps.ledger.putStep(state.runId, UNTARGETED_STEP, untargeted);
  if (at !== null) return { ...state, done: false, cursor: at, tally };
  const summary = inventorySummary(tally, Object.values(untargeted));
  await deps.ledger.updateRun(state.runId, (run) => ({ ...run, inventory: summary }));
  deps.logger.info("fleet inventoried", { groups: summary.groups, instances: summary.instances });
  return {
    ...state,
    done: true,
    groups: summary.groups,
    instances: summary.instances,
    architectures: summary.architectures,
  };
};

export const handler = taskHandler("inventory", inventoryTask, { inventory: fleetInventory });
