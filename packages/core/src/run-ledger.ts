// Over 300 lines: one class over the single table, a method per kind of record, read together.
import { z } from "zod";
import { type GroupRecord, GroupRecordSchema } from "./fleet";
import type { LedgerItem, LedgerStore } from "./ports";
import { byGroupName, type GroupReadiness, GroupReadinessSchema } from "./readiness";
import { PlannableGroupSchema, type ReadinessScanPage, ReadinessScanPageSchema } from "./readiness-pages";
import { AnalysisEntrySchema, UntargetedGroupSchema } from "./run-result";
import type { PlannableGroup } from "./wave-planner";

/** Judgements kept per group: a group item stays small however long its wave bakes. */
export const MAX_ANALYSIS_ENTRIES = 60;

/** Where a group stands in one run. The run result's group entry is derived from it. */
export const GroupProgressSchema = z.object({
  name: z.string(),
  wave: z.string().nullable(),
  outcome: z.enum(["UPGRADED", "ROLLED_BACK", "SKIPPED", "FAILED", "NOT_STARTED", "RUNNING"]),
  reason: z.string().nullable(),
  fromImageId: z.string().nullable(),
  toImageId: z.string().nullable(),
  launchTemplateVersion: z.object({ from: z.number().int(), to: z.number().int().nullable() }),
  minHealthyPercentObserved: z.number().nullable(),
  instanceRefreshIds: z.array(z.string()),
  refreshStartedAt: z.string().nullable(),
  /** Checkpoint percentages already evaluated. */
  checkpointsEvaluated: z.array(z.number()),
  notes: z.array(z.string()),
  /** Upgraded, then failed a health check while its wave baked: reverted whatever the scope. */
  regressed: z.boolean().default(false),
  /** The regression judge's judgements (`groups[].analysis`), oldest first, the last MAX_ANALYSIS_ENTRIES kept. */
  analysis: z.array(AnalysisEntrySchema).optional(),
});
export type GroupProgress = z.infer<typeof GroupProgressSchema>;

export const InventorySummarySchema = z.object({
  groups: z.number().int(),
  instances: z.number().int(),
  byPlatform: z.record(z.string(), z.number().int()),
  byKernel: z.record(z.string(), z.number().int()),
  architectures: z.array(z.string()),
  /** Groups the run does not target, with their platforms (CONTRACTS.md section 2). */
  untargeted: z.array(UntargetedGroupSchema).optional(),
});
export type InventorySummary = z.infer<typeof InventorySummarySchema>;

/** The chosen images: per architecture, the public source and the hardened image rolled out. */
export const TargetSchema = z.object({
  kernel: z.string(),
  kernelVersion: z.string().nullable(),
  images: z.array(
    z.object({
      architecture: z.string(),
      sourceImageId: z.string(),
      sourceImageName: z.string(),
      imageId: z.string(),
    }),
  ),
});
export type Target = z.infer<typeof TargetSchema>;

export const WaveRecordSchema = z.object({
  name: z.string(),
  groups: z.array(z.string()),
  instances: z.number().int(),
  status: z.enum(["SUCCEEDED", "ROLLED_BACK", "FAILED", "NOT_STARTED", "RUNNING"]),
});
export type WaveRecord = z.infer<typeof WaveRecordSchema>;

/** The run's own record: request, where it stands, what it found and decided. */
export const RunRecordSchema = z.object({
  runId: z.string(),
  status: z.enum(["RUNNING", "WAITING", "SUCCEEDED", "ROLLED_BACK", "FAILED", "ABORTED", "PLANNED"]),
  reason: z.string(),
  /** The effective request after defaults (null when the request was invalid). */
  request: z.unknown(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  inventory: InventorySummarySchema.nullable(),
  target: TargetSchema.nullable(),
  waves: z.array(WaveRecordSchema),
  /**
   * The preflight's judgement as records written before issue 11 held it. The readiness step now
   * writes one item per group (see `RunLedger.listReadiness`), so the record stays small.
   */
  readiness: z.array(GroupReadinessSchema).optional(),
  /** The plan's expected duration, seconds (a dry run's `estimate.seconds`); set by the plan step. */
  estimateSeconds: z.number().nonnegative().optional(),
  /** An operator's abort, in one sentence: waiting groups roll back, no new group starts. */
  abortRequested: z.string().nullable().default(null),
  /** Set when something stops later waves: the first regression or failure, in one sentence. */
  halt: z.object({ status: z.enum(["ROLLED_BACK", "FAILED", "ABORTED"]), reason: z.string() }).nullable(),
  /**
   * How each group ended, once the run ended (failing groups with their reason): enough for a list
   * of runs without reading every group. The full run result is assembled from this record and the
   * group items, never stored whole: at 1,000 groups it would outgrow a DynamoDB item (400 KB).
   */
  groupOutcomes: z
    .array(
      z.object({
        name: z.string(),
        outcome: GroupProgressSchema.shape.outcome,
        reason: z.string().nullable(),
      }),
    )
    .nullable()
    .default(null),
});
export type RunRecord = z.infer<typeof RunRecordSchema>;

/**
 * The members of the run record a group's steps read while the run goes on: what may change (halt,
 * abort, status) and what they need besides the request. Read as a projection of the record.
 */
export const RunStateSchema = RunRecordSchema.pick({
  runId: true,
  status: true,
  startedAt: true,
  target: true,
  halt: true,
  abortRequested: true,
});
export type RunState = z.infer<typeof RunStateSchema>;
const RUN_STATE_FIELDS = Object.keys(RunStateSchema.shape);

/** How far a group's refresh had come when last seen. */
export const PercentSeenSchema = z.object({ refreshId: z.string(), percent: z.number().min(0).max(100) });
export type PercentSeen = z.infer<typeof PercentSeenSchema>;

/** Who holds a group: one run at a time refreshes a group. */
export const GroupLockSchema = z.object({ runId: z.string(), acquiredAt: z.string(), expiresAt: z.number() });
export type GroupLock = z.infer<typeof GroupLockSchema>;

/** A run's first record: nothing found or decided yet. */
export function newRunRecord(
  fields: Pick<RunRecord, "runId" | "status" | "reason" | "request" | "startedAt"> & Partial<RunRecord>,
): RunRecord {
  return {
    endedAt: null,
    inventory: null,
    target: null,
    waves: [],
    halt: null,
    groupOutcomes: null,
    abortRequested: null,
    ...fields,
  };
}

/** A waiting task token, filed under what will wake it. */
export const WaitTokenSchema = z.object({ token: z.string(), runId: z.string(), group: z.string() });
export type WaitToken = z.infer<typeof WaitTokenSchema>;

const RUNS_INDEX_KEY = "RUNS";
/** Group inventories one ledger keeps (a run of 1,000 groups holds a few MB); past it, it starts over. */
const MAX_KEPT_INVENTORIES = 5000;
const inventoryKey = (runId: string, name: string) => `${runId}\u0000${name}`;

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}
const runKey = (runId: string) => `RUN#${runId}`;

/**
 * The typed ledger of runs over the single-table store: one item per run (`RUN#id`/`META`), one per
 * group (`RUN#id`/`GROUP#name`: inventory and progress), one per hardening architecture, and wait
 * tokens filed under the instance refresh they wait for (`WAIT#refreshId`).
 */
export class RunLedger {
  /**
   * Group inventories already read, by run and name. A group's inventory is written once, by the
   * inventory step, before any step of the group reads it, and never changed, so a warm process
   * keeps it between invocations (frozen: no reader can change the copy the next one gets). A
   * rewrite through this ledger (an inventory step run again) forgets the run's copies.
   */
  private readonly inventories = new Map<string, GroupRecord>();

  constructor(private readonly store: LedgerStore) {}

  async putRun(run: RunRecord): Promise<void> {
    await this.store.put(this.runItem(run));
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const item = await this.store.get(runKey(runId), "META");
    return item ? RunRecordSchema.parse(item.data) : undefined;
  }

  /**
   * The run's {@link RunState} without its request, inventory and readiness: a read whose size does
   * not grow with the fleet. Undefined for a run the ledger does not know.
   */
  async getRunState(runId: string): Promise<RunState | undefined> {
    const item = await this.store.get(runKey(runId), "META", { fields: RUN_STATE_FIELDS });
    return item ? RunStateSchema.parse(item.data) : undefined;
  }

  /**
   * Reads, changes and writes the run record, atomically: parallel tasks (two architectures baking,
   * groups of one wave) update it at once, so a write that lost the race reads again and reapplies.
   */
  async updateRun(runId: string, change: (run: RunRecord) => RunRecord): Promise<RunRecord> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const item = await this.store.get(runKey(runId), "META");
      if (!item) throw new Error(`run ${runId} is not in the ledger`);
      const version = item.version ?? 0;
      const next = change(RunRecordSchema.parse(item.data));
      if (await this.store.put({ ...this.runItem(next), version: version + 1 }, { ifVersion: version }))
        return next;
    }
    throw new Error(`run ${runId} is updated by too many writers at once`);
  }

  private runItem(run: RunRecord): LedgerItem {
    return {
      pk: runKey(run.runId),
      sk: "META",
      data: RunRecordSchema.parse(run),
      gsi1pk: RUNS_INDEX_KEY,
      gsi1sk: `${run.startedAt}#${run.runId}`,
    };
  }

  async listRuns(limit: number): Promise<RunRecord[]> {
    const items = await this.store.queryRecent(RUNS_INDEX_KEY, limit);
    return items.map((item) => RunRecordSchema.parse(item.data));
  }

  async putGroups(runId: string, groups: GroupRecord[]): Promise<void> {
    for (const key of this.inventories.keys())
      if (key.startsWith(inventoryKey(runId, ""))) this.inventories.delete(key);
    await this.store.putMany(
      groups.map((group) => ({
        pk: runKey(runId),
        sk: `INV#${group.name}`,
        data: GroupRecordSchema.parse(group),
      })),
    );
  }

  async getGroups(runId: string): Promise<GroupRecord[]> {
    const items = await this.store.query(runKey(runId), "INV#");
    return items.map((item) => GroupRecordSchema.parse(item.data));
  }

  async getGroup(runId: string, name: string): Promise<GroupRecord> {
    const key = inventoryKey(runId, name);
    const known = this.inventories.get(key);
    if (known) return known;
    const item = await this.store.get(runKey(runId), `INV#${name}`);
    if (!item) throw new Error(`group ${name} of run ${runId} is not in the ledger`);
    const group = deepFreeze(GroupRecordSchema.parse(item.data));
    if (this.inventories.size >= MAX_KEPT_INVENTORIES) this.inventories.clear();
    this.inventories.set(key, group);
    return group;
  }

  /** The inventory records of these groups (BatchGetItem); a name without one is left out. */
  async getGroupsNamed(runId: string, names: string[]): Promise<GroupRecord[]> {
    const items = await this.store.getMany(names.map((name) => ({ pk: runKey(runId), sk: `INV#${name}` })));
    return items.map((item) => GroupRecordSchema.parse(item.data));
  }

  /** One page of the preflight's scan of the account (see readiness-pages.ts). */
  async putReadinessScan(runId: string, page: number, scan: ReadinessScanPage): Promise<void> {
    const data = ReadinessScanPageSchema.parse(scan);
    await this.store.put({ pk: runKey(runId), sk: `RSCAN#${String(page).padStart(6, "0")}`, data });
  }

  /** The preflight's scan pages, in page order. */
  async listReadinessScans(runId: string): Promise<ReadinessScanPage[]> {
    const items = await this.store.query(runKey(runId), "RSCAN#");
    return items.map((item) => ReadinessScanPageSchema.parse(item.data));
  }

  /** Every chunk's plannable groups, in judging order. */
  async listReadinessPlannable(runId: string): Promise<PlannableGroup[]> {
    const items = await this.store.query(runKey(runId), "RPLAN#");
    return items.flatMap((item) => z.array(PlannableGroupSchema).parse(item.data));
  }

  /**
   * A chunk of judged groups, in one batch: each group's readiness (`READY#name`: the run record
   * never holds them) and what the plan judgement needs of them (name, instances, tags), by offset.
   */
  async putJudgedChunk(
    runId: string,
    chunk: { offset: number; entries: GroupReadiness[]; plannable: PlannableGroup[] },
  ): Promise<void> {
    await this.store.putMany([
      ...chunk.entries.map((entry) => ({
        pk: runKey(runId),
        sk: `READY#${entry.group ?? ""}`,
        data: GroupReadinessSchema.parse(entry),
      })),
      ...(chunk.plannable.length === 0
        ? []
        : [
            {
              pk: runKey(runId),
              sk: `RPLAN#${String(chunk.offset).padStart(9, "0")}`,
              data: z.array(PlannableGroupSchema).parse(chunk.plannable),
            },
          ]),
    ]);
  }

  /** The run-level entries (`group: null`), written last: the preflight ended. */
  async putRunReadiness(runId: string, entries: GroupReadiness[]): Promise<void> {
    const data = z.array(GroupReadinessSchema).parse(entries);
    await this.store.put({ pk: runKey(runId), sk: "READYRUN", data });
  }

  /**
   * The preflight's judgement (CONTRACTS.md section 2: groups ascending by name, then the run-level
   * entries); undefined until the readiness step ended. A record written before issue 11 holds it itself.
   */
  async listReadiness(runId: string, run?: RunRecord): Promise<GroupReadiness[] | undefined> {
    const ended = await this.store.get(runKey(runId), "READYRUN");
    if (!ended) return run?.readiness;
    const groups = (await this.store.query(runKey(runId), "READY#"))
      .map((item) => GroupReadinessSchema.parse(item.data))
      .sort((a, b) => byGroupName(a.group ?? "", b.group ?? ""));
    return [...groups, ...z.array(GroupReadinessSchema).parse(ended.data)];
  }

  async putProgress(runId: string, progress: GroupProgress[]): Promise<void> {
    const items: LedgerItem[] = progress.map((p) => ({
      pk: runKey(runId),
      sk: `GROUP#${p.name}`,
      data: GroupProgressSchema.parse(p),
    }));
    if (items.length === 1 && items[0]) await this.store.put(items[0]);
    else await this.store.putMany(items);
  }

  async getProgress(runId: string, name: string): Promise<GroupProgress> {
    const item = await this.store.get(runKey(runId), `GROUP#${name}`);
    if (!item) throw new Error(`progress of group ${name} in run ${runId} is not in the ledger`);
    return GroupProgressSchema.parse(item.data);
  }

  async updateProgress(
    runId: string,
    name: string,
    change: (p: GroupProgress) => GroupProgress,
  ): Promise<GroupProgress> {
    const next = change(await this.getProgress(runId, name));
    await this.putProgress(runId, [next]);
    return next;
  }

  async listProgress(runId: string): Promise<GroupProgress[]> {
    const items = await this.store.query(runKey(runId), "GROUP#");
    return items.map((item) => GroupProgressSchema.parse(item.data));
  }

  /**
   * Notes how far a group's refresh has come (`PercentageComplete`, 0-100), as the tasks and events
   * that watch it see it. Kept apart from the group's progress item, which the group's own steps
   * rewrite whole: an event noted while a step runs can never undo that step's write. Never lowered
   * for the same refresh (a late event or a stale poll); a new refresh starts over.
   */
  async notePercentReplaced(runId: string, group: string, refreshId: string, percent: number): Promise<void> {
    const value = Math.min(100, Math.max(0, percent));
    for (let attempt = 0; attempt < 10; attempt++) {
      const existing = await this.store.get(runKey(runId), `SEEN#${group}`);
      const seen = existing ? PercentSeenSchema.parse(existing.data) : undefined;
      if (seen && seen.refreshId === refreshId && seen.percent >= value) return;
      const data: PercentSeen = { refreshId, percent: value };
      const item = { pk: runKey(runId), sk: `SEEN#${group}`, data, version: (existing?.version ?? 0) + 1 };
      if (await this.store.put(item, existing ? { ifVersion: existing.version ?? 0 } : { ifNotExists: true }))
        return;
    }
  }

  /** The percent replaced last noted per group of the run (see {@link notePercentReplaced}). */
  async listPercentReplaced(runId: string): Promise<Record<string, PercentSeen>> {
    const items = await this.store.query(runKey(runId), "SEEN#");
    return Object.fromEntries(items.map((item) => [item.sk.slice(5), PercentSeenSchema.parse(item.data)]));
  }

  /** Free-form per-run state of a step (e.g. hardening of one architecture). */
  async putStep(runId: string, step: string, data: unknown): Promise<void> {
    await this.store.put({ pk: runKey(runId), sk: `STEP#${step}`, data });
  }

  async getStep<T>(runId: string, step: string, schema: z.ZodType<T>): Promise<T | undefined> {
    const item = await this.store.get(runKey(runId), `STEP#${step}`);
    return item ? schema.parse(item.data) : undefined;
  }

  /** Files a task token under a key (e.g. an instance refresh id) until the event that wakes it. */
  async putWaitToken(key: string, token: WaitToken, expiresAt: number): Promise<void> {
    await this.store.put({ pk: `WAIT#${key}`, sk: "TOKEN", data: WaitTokenSchema.parse(token), expiresAt });
  }

  /** Removes and returns the token filed under key; undefined when none waits (or another took it). */
  async takeWaitToken(key: string): Promise<WaitToken | undefined> {
    const item = await this.store.delete(`WAIT#${key}`, "TOKEN");
    return item ? WaitTokenSchema.parse(item.data) : undefined;
  }

  /**
   * Takes the group's lock for the run (a conditional write). Returns the holder when another run
   * holds it; an expired lock (its holder died) is taken over. Idempotent for the same run.
   */
  async acquireLock(group: string, runId: string, now: Date, ttlSeconds: number): Promise<GroupLock | null> {
    const key = { pk: `LOCK#${group}`, sk: "LOCK" };
    const nowSeconds = Math.floor(now.getTime() / 1000);
    const lock: GroupLock = { runId, acquiredAt: now.toISOString(), expiresAt: nowSeconds + ttlSeconds };
    for (let attempt = 0; attempt < 10; attempt++) {
      const existing = await this.store.get(key.pk, key.sk);
      if (!existing) {
        const item = { ...key, data: lock, expiresAt: lock.expiresAt, version: 1 };
        if (await this.store.put(item, { ifNotExists: true })) return null;
        continue;
      }
      const holder = GroupLockSchema.parse(existing.data);
      if (holder.runId !== runId && holder.expiresAt > nowSeconds) return holder;
      const version = existing.version ?? 0;
      const item = {
        ...key,
        data: holder.runId === runId ? holder : lock,
        expiresAt: holder.runId === runId ? holder.expiresAt : lock.expiresAt,
        version: version + 1,
      };
      if (await this.store.put(item, { ifVersion: version })) return null;
    }
    throw new Error(`the lock of group ${group} is contended by too many writers`);
  }

  /** Who holds the group's lock now (expired or not); undefined when nobody does. */
  async getLock(group: string): Promise<GroupLock | undefined> {
    const existing = await this.store.get(`LOCK#${group}`, "LOCK");
    return existing ? GroupLockSchema.parse(existing.data) : undefined;
  }

  /**
   * Releases the group's lock if the run holds it. The delete is conditional on the lock being the
   * one read (its version): a lock another run took over in the meantime (this one's had expired) is
   * never deleted.
   */
  async releaseLock(group: string, runId: string): Promise<void> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const existing = await this.store.get(`LOCK#${group}`, "LOCK");
      if (!existing || GroupLockSchema.parse(existing.data).runId !== runId) return;
      const deleted = await this.store.delete(`LOCK#${group}`, "LOCK", { ifVersion: existing.version ?? 0 });
      if (deleted) return;
    }
    throw new Error(`the lock of group ${group} is contended by too many writers`);
  }
}
