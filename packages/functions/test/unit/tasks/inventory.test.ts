import type {
  CountsPage,
  FleetInventory,
  FleetTargets,
  GroupRecord,
  GroupsPage,
  GroupWalk,
  InstanceRecord,
} from "@fleet-upgrade/core";
import { beforeEach, describe, expect, it } from "vitest";
import { inventoryTask } from "../../../src/tasks/inventory";
import { groupRecord, RUN_ID, runRecord, type TaskWorld, taskWorld } from "./task-fakes";

/**
 * An account of `groups` targeted groups of 3 members (the last member of each unknown to SSM, the
 * second without inventory), 2 untargeted groups and 4 standalone instances, read a group a call.
 */
class PagedAccount implements FleetInventory {
  readonly asked: number[] = [];
  constructor(private readonly groups: number) {}

  private record(i: number): GroupRecord {
    return groupRecord(`g${i}`, {
      instanceIds: [`i-${i}a`, `i-${i}b`, `i-${i}c`],
      architecture: i % 2 === 0 ? "x86_64" : "arm64",
    });
  }

  private member(id: string, group: string, over: Partial<InstanceRecord> = {}): InstanceRecord {
    return {
      instanceId: id,
      groupName: group,
      platformName: "Amazon Linux",
      platformVersion: "2",
      kernelVersion: "5.10",
      pingStatus: "Online",
      ...over,
    };
  }

  async targetedGroups(_targets: FleetTargets, at: GroupWalk, calls: number): Promise<GroupsPage> {
    this.asked.push(calls);
    const take = Math.max(1, Math.floor(calls / 3));
    const groups = Array.from({ length: this.groups }, (_, i) => i)
      .slice(at.offset, at.offset + take)
      .map((i) => this.record(i));
    const end = at.offset + groups.length;
    return {
      groups,
      members: groups.flatMap((g) => [
        this.member(`i-${g.name.slice(1)}a`, g.name),
        this.member(`i-${g.name.slice(1)}b`, g.name, { kernelVersion: null }),
      ]),
      unmanaged: groups.length,
      next: end < this.groups ? { ...at, offset: end } : null,
      calls: groups.length * 3,
    };
  }

  async untargetedGroups(_targets: FleetTargets, at: GroupWalk, calls: number): Promise<GroupsPage> {
    this.asked.push(calls);
    const name = ["legacy", "old"][at.offset] ?? "old";
    return {
      groups: [],
      members: [this.member(`i-${name}`, name)],
      unmanaged: 0,
      next: at.offset === 0 ? { ...at, offset: 1 } : null,
      calls: 2,
    };
  }

  /** Every managed instance: two per targeted group, one per untargeted group, 4 standalone (AL2023). */
  private managed(): { platform: string; kernel: string | null }[] {
    return [
      ...Array.from({ length: this.groups * 2 + 2 }, (_, i) => ({
        platform: "Amazon Linux 2",
        kernel: i % 2 === 1 && i < this.groups * 2 ? null : "5.10",
      })),
      ...Array.from({ length: 4 }, () => ({ platform: "Amazon Linux 2023", kernel: "6.1" })),
    ];
  }

  private async countPage(
    token: string | null,
    calls: number,
    key: (i: { platform: string; kernel: string | null }) => string | null,
  ): Promise<CountsPage> {
    this.asked.push(calls);
    const all = this.managed();
    const from = Number(token ?? 0);
    const end = Math.min(all.length, from + 5 * calls);
    const counts: Record<string, number> = {};
    let instances = 0;
    for (const item of all.slice(from, end)) {
      const k = key(item);
      if (k === null) continue;
      counts[k] = (counts[k] ?? 0) + 1;
      instances++;
    }
    return {
      counts,
      instances,
      next: end < all.length ? String(end) : null,
      calls: Math.ceil((end - from) / 5),
    };
  }

  countPlatforms(token: string | null, calls: number): Promise<CountsPage> {
    return this.countPage(token, calls, (i) => i.platform);
  }

  countKernels(token: string | null, calls: number): Promise<CountsPage> {
    return this.countPage(token, calls, (i) => i.kernel);
  }
}

let world: TaskWorld;

/** Invokes the task as the state machine does: again with its own answer while it is not done. */
async function inventoryRun(callsPerInvocation: number, account: FleetInventory) {
  world.deps = {
    ...world.deps,
    inventory: account,
    settings: { ...world.deps.settings, callsPerInvocation },
  };
  const outputs: Record<string, unknown>[] = [];
  let state: Record<string, unknown> = { runId: RUN_ID, dryRun: true };
  for (let i = 0; i < 1000; i++) {
    state = (await inventoryTask(state, world.deps)) as Record<string, unknown>;
    outputs.push(state);
    if (state.done !== false) break;
  }
  return { outputs, run: await world.ledger.getRun(RUN_ID), groups: await world.ledger.getGroups(RUN_ID) };
}

beforeEach(async () => {
  world = taskWorld();
  await world.ledger.putRun(runRecord({}, { target: null, waves: [] }));
});

describe("inventory in pages", () => {
  it("takes several invocations with a small budget and records the same groups and summary as one", async () => {
    const paged = await inventoryRun(12, new PagedAccount(9));
    world = taskWorld();
    await world.ledger.putRun(runRecord({}, { target: null, waves: [] }));
    const once = await inventoryRun(1000, new PagedAccount(9));

    expect(paged.outputs.length).toBeGreaterThan(3);
    expect(once.outputs.length).toBe(1);
    expect(paged.groups).toEqual(once.groups);
    expect(paged.run?.inventory).toEqual(once.run?.inventory);
    expect(paged.outputs.at(-1)).toEqual(once.outputs.at(-1));
  });

  it("judges each group from its own page and sums the passes into the summary", async () => {
    const { run, groups, outputs } = await inventoryRun(12, new PagedAccount(3));

    expect(groups.map((g) => g.name)).toEqual(["g0", "g1", "g2"]);
    expect(groups[0]?.withoutInventory).toEqual(["i-0b", "i-0c"]);
    expect(groups[0]?.notOnline).toEqual([{ instanceId: "i-0c", pingStatus: null }]);
    expect(run?.inventory).toEqual({
      groups: 3,
      // 6 managed members, 2 untargeted, 4 standalone, and the 3 members SSM does not know.
      instances: 15,
      byPlatform: { "Amazon Linux 2": 8, "Amazon Linux 2023": 4, unknown: 3 },
      byKernel: { "5.10": 5, "6.1": 4, unknown: 6 },
      architectures: ["arm64", "x86_64"],
      untargeted: [
        { group: "legacy", instances: 1, platforms: { "Amazon Linux 2": 1 } },
        { group: "old", instances: 1, platforms: { "Amazon Linux 2": 1 } },
      ],
    });
    expect(outputs.at(-1)).toEqual({
      runId: RUN_ID,
      dryRun: true,
      done: true,
      groups: 3,
      instances: 15,
      architectures: ["arm64", "x86_64"],
    });
  });

  it("carries only a cursor and a few counts between invocations, never the fleet", async () => {
    const { outputs } = await inventoryRun(12, new PagedAccount(40));

    for (const output of outputs.slice(0, -1)) {
      expect(Object.keys(output).sort()).toEqual(["cursor", "done", "dryRun", "runId", "tally"]);
      expect(JSON.stringify(output).length).toBeLessThan(600);
    }
  });

  it("gives each page only the calls its invocation has left", async () => {
    const account = new PagedAccount(9);
    await inventoryRun(12, account);

    // Five of the twelve are kept for the run read, the untargeted groups and the summary.
    expect(Math.max(...account.asked)).toBeLessThanOrEqual(12 - 5);
  });

  it("answers the same when an invocation is retried with the same input (a page retried changes nothing)", async () => {
    const account = new PagedAccount(9);
    world.deps = {
      ...world.deps,
      inventory: account,
      settings: { ...world.deps.settings, callsPerInvocation: 12 },
    };
    let state: Record<string, unknown> = { runId: RUN_ID };
    for (let i = 0; i < 5; i++) state = (await inventoryTask(state, world.deps)) as Record<string, unknown>;
    const again = await inventoryTask(state, world.deps);
    const retried = await inventoryTask(state, world.deps);

    expect(retried).toEqual(again);
  });

  it("refuses a cursor it did not write, naming the field, and records nothing", async () => {
    world.deps = { ...world.deps, inventory: new PagedAccount(3) };

    await expect(
      inventoryTask({ runId: RUN_ID, cursor: { phase: "targeted", walk: { offset: -2 } } }, world.deps),
    ).rejects.toThrow(/walk/);
    expect(await world.ledger.getGroups(RUN_ID)).toEqual([]);
  });
});
