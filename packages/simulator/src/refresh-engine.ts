// Over 300 lines on purpose: one state machine (forward batches, checkpoints, bake, rollback,
// cancellation) whose steps share the per-refresh plans; split, every part would reach into the rest.
import { batchSize, type RefreshSegment, refreshSegments } from "@fleet-upgrade/core";
import type { GroupState, RefreshPreferencesState, RefreshState, World } from "./world";

/** With AutoRollback, a refresh whose launches keep failing retries this long, then rolls back. */
export const LAUNCH_RETRY_MS = 3_600_000;
/** At most one launch attempt per minute while retrying. */
const LAUNCH_RETRY_SPACING_MS = 60_000;

/**
 * Instance refresh pacing, exactly as CONTRACTS.md section 3 defines it: segments end at
 * ceil(N*c/100) per checkpoint and at N (empty ones skipped with their pause); each segment in
 * batches of B = max(1, floor(N*(max-min)/100)); a batch takes launch + W, W the refresh's
 * InstanceWarmup when set (it overrides the group's default warmup, as in AWS:
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_RefreshPreferences.html) and the
 * group's warmup otherwise;
 * at a batch start at most min(b, N - ceil(N*min/100)) old instances go, the rest once the new ones
 * are healthy. Rollbacks replace the new instances back at the same pacing, without checkpoints.
 */

interface ForwardPlan {
  refresh: RefreshState;
  group: GroupState;
  n: number;
  batch: number;
  minCount: number;
  segments: RefreshSegment[];
  segIndex: number;
  segDone: number;
  replaced: number;
  /** Old instances still to replace, oldest first. */
  queue: string[];
  warmupSeconds: number;
  version: number;
  /** When the launches of the current batch first failed (null: none failed). */
  firstLaunchFailureMs: number | null;
  /** CancelInstanceRefresh arrived: finish the batch in flight, then Cancelled. */
  cancelling: boolean;
}

interface RollbackPlan {
  refresh: RefreshState;
  group: GroupState;
  batch: number;
  minCount: number;
  queue: string[];
  deficit: number;
  version: number;
  warmupSeconds: number;
  cancelling: boolean;
}

export interface StartRefreshSpec {
  templateId: string;
  templateName: string;
  version: number;
  preferences: RefreshPreferencesState;
}

export class RefreshEngine {
  private readonly plans = new Map<string, ForwardPlan>();
  private readonly rollbacks = new Map<string, RollbackPlan>();
  readonly active = new Set<RefreshState>();

  constructor(private readonly world: World) {
    for (const group of world.groups.values()) {
      for (const refresh of group.refreshes) if (refresh.status === "InProgress") this.active.add(refresh);
    }
  }

  /** The group's refresh that blocks a new one, if any. */
  activeRefresh(group: GroupState): RefreshState | undefined {
    for (let i = group.refreshes.length - 1; i >= 0; i--) {
      const refresh = group.refreshes[i] as RefreshState;
      if (this.active.has(refresh)) return refresh;
    }
    return undefined;
  }

  start(group: GroupState, spec: StartRefreshSpec): RefreshState {
    const world = this.world;
    const n = group.desired;
    const prefs = spec.preferences;
    const refresh: RefreshState = {
      id: world.ids.refreshId(),
      groupName: group.name,
      status: "Pending",
      statusReason: null,
      startMs: world.now(),
      endMs: null,
      percentageComplete: 0,
      instancesToUpdate: n,
      preferences: prefs,
      desiredConfiguration: {
        LaunchTemplate: {
          LaunchTemplateId: spec.templateId,
          LaunchTemplateName: spec.templateName,
          Version: String(spec.version),
        },
      },
      foreign: false,
      targetVersion: spec.version,
      fromVersionSpec: group.versionSpec,
      rollback: null,
      timers: new Set(),
      batchIds: [],
    };
    const checkpoints = (prefs.CheckpointPercentages ?? []).filter((c) => c < 100);
    const plan: ForwardPlan = {
      refresh,
      group,
      n,
      batch: batchSize(n, prefs.MinHealthyPercentage, prefs.MaxHealthyPercentage),
      minCount: minHealthyCount(n, prefs.MinHealthyPercentage),
      segments: refreshSegments(n, checkpoints),
      segIndex: 0,
      segDone: 0,
      replaced: 0,
      queue: [...group.members],
      warmupSeconds: prefs.InstanceWarmup ?? group.warmupSeconds,
      version: spec.version,
      firstLaunchFailureMs: null,
      cancelling: false,
    };
    group.refreshes.push(refresh);
    this.plans.set(refresh.id, plan);
    this.active.add(refresh);
    // Events and status changes happen on the clock, never inside the API call that started it.
    this.at(refresh, world.now(), () => this.begin(plan), `refresh-start ${group.name}`);
    return refresh;
  }

  private begin(plan: ForwardPlan): void {
    const { refresh } = plan;
    refresh.status = "InProgress";
    this.world.emitRefreshEvent("EC2 Auto Scaling Instance Refresh Started", refresh);
    this.world.emitProgress("refresh-started", refresh, 0);
    if (plan.segments.length === 0) this.complete(plan);
    else this.nextBatch(plan);
  }

  private nextBatch(plan: ForwardPlan): void {
    const { group } = plan;
    const segment = plan.segments[plan.segIndex];
    if (segment === undefined) {
      this.complete(plan);
      return;
    }
    const b = Math.min(plan.batch, segment.size - plan.segDone);
    const quota = Math.min(b, liveCount(plan.queue, group));
    const atStart = Math.min(quota, Math.max(0, group.inServiceHealthy - plan.minCount));
    this.terminateOld(plan.queue, group, atStart);
    const later = quota - atStart;
    this.launchBatch(plan, b, later, false);
  }

  /**
   * Launches the batch's `b` instances: once healthy the batch is done (a retry's "Waiting for
   * instances to launch" reason is cleared); on a failure {@link launchFailed} decides.
   */
  private launchBatch(plan: ForwardPlan, b: number, later: number, retry: boolean): void {
    const { group, refresh } = plan;
    refresh.batchIds = this.world.launchIntoGroup(
      group,
      b,
      plan.version,
      plan.warmupSeconds,
      refresh.timers,
      {
        onFailed: () => this.launchFailed(plan, b, later),
        onHealthy: () => {
          plan.firstLaunchFailureMs = null;
          if (retry) refresh.statusReason = null;
          this.batchDone(plan, b, later);
        },
      },
    );
  }

  /**
   * A batch failed to launch. With AutoRollback, Auto Scaling keeps trying to launch for up to an
   * hour, then fails the refresh and rolls it back; without it, the refresh fails
   * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-rollback.html: "auto
   * rollback ... if the instance refresh fails for some reason").
   */
  private launchFailed(plan: ForwardPlan, b: number, later: number): void {
    const { group, refresh } = plan;
    refresh.batchIds = [];
    const reason =
      `${b} instance(s) failed to launch from launch template ${group.template.name} version ${plan.version}: ` +
      "the instance terminated during launch (simulated launch failure).";
    if (plan.cancelling) {
      this.finishCancel(refresh);
      return;
    }
    if (!refresh.preferences.AutoRollback) {
      this.fail(plan, reason);
      return;
    }
    const now = this.world.now();
    plan.firstLaunchFailureMs ??= now;
    if (now - plan.firstLaunchFailureMs >= LAUNCH_RETRY_MS) {
      if (this.rollbackBlocker(refresh) !== null) {
        this.fail(plan, reason);
        return;
      }
      this.rollback(refresh, `The instance refresh failed: ${reason} Rolling back automatically.`);
      return;
    }
    refresh.statusReason = `Waiting for instances to launch: ${reason} Retrying.`;
    const spacing = Math.max(0, LAUNCH_RETRY_SPACING_MS - group.launchSeconds * 1000);
    this.at(
      refresh,
      now + spacing,
      // The instances terminated at the batch start are still owed: relaunch the same batch.
      () => this.launchBatch(plan, b, later, true),
      `launch retry ${group.name}`,
    );
  }

  private batchDone(plan: ForwardPlan, b: number, later: number): void {
    const { group, refresh } = plan;
    this.terminateOld(plan.queue, group, later);
    refresh.batchIds = [];
    if (plan.cancelling) {
      plan.replaced += b;
      this.finishCancel(refresh);
      return;
    }
    plan.replaced += b;
    plan.segDone += b;
    refresh.percentageComplete = plan.n === 0 ? 100 : Math.floor((100 * plan.replaced) / plan.n);
    refresh.instancesToUpdate = Math.max(0, plan.n - plan.replaced);
    this.world.emitProgress("instances-replaced", refresh, plan.replaced);
    this.evaluateAlarms(group);
    if (refresh.status !== "InProgress") return;
    const segment = plan.segments[plan.segIndex];
    if (segment !== undefined && plan.segDone < segment.size) {
      this.nextBatch(plan);
      return;
    }
    plan.segIndex++;
    plan.segDone = 0;
    if (segment === undefined || segment.checkpoint === null) {
      this.complete(plan);
      return;
    }
    const delay = refresh.preferences.CheckpointDelay;
    refresh.statusReason = `Waiting for ${delay} seconds at checkpoint ${segment.checkpoint}%.`;
    this.world.emitRefreshEvent("EC2 Auto Scaling Instance Refresh Checkpoint Reached", refresh, {
      percentage: segment.checkpoint,
      delaySeconds: delay,
    });
    this.world.emitProgress("checkpoint", refresh, plan.replaced, segment.checkpoint);
    this.at(
      refresh,
      this.world.now() + delay * 1000,
      () => {
        refresh.statusReason = null;
        this.nextBatch(plan);
      },
      `checkpoint ${group.name}`,
    );
  }

  private complete(plan: ForwardPlan): void {
    const { refresh } = plan;
    refresh.percentageComplete = 100;
    refresh.instancesToUpdate = 0;
    const bake = refresh.preferences.BakeTime;
    if (bake > 0) {
      refresh.status = "Baking";
      this.world.emitRefreshEvent("EC2 Auto Scaling Instance Refresh Started Baking", refresh);
      this.at(refresh, this.world.now() + bake * 1000, () => this.succeed(plan), `bake ${plan.group.name}`);
    } else {
      this.succeed(plan);
    }
  }

  private succeed(plan: ForwardPlan): void {
    const { refresh, group } = plan;
    refresh.status = "Successful";
    refresh.statusReason = null;
    refresh.endMs = this.world.now();
    const template = this.world.templates.get(
      refresh.desiredConfiguration?.LaunchTemplate.LaunchTemplateId ?? "",
    );
    if (template !== undefined) group.template = template;
    group.versionSpec = String(plan.version);
    this.finish(refresh);
    this.world.emitRefreshEvent("EC2 Auto Scaling Instance Refresh Succeeded", refresh);
    this.world.emitProgress("refresh-succeeded", refresh, plan.replaced);
  }

  private fail(plan: ForwardPlan, reason: string): void {
    const { refresh, group } = plan;
    this.stopBatch(refresh);
    refresh.status = "Failed";
    refresh.statusReason = reason;
    refresh.endMs = this.world.now();
    this.finish(refresh);
    this.world.emitRefreshEvent("EC2 Auto Scaling Instance Refresh Failed", refresh);
    this.world.emitProgress("refresh-failed", refresh, plan.replaced);
    this.world.fillCapacity(group);
    this.evaluateAlarms(group);
  }

  /**
   * CancelInstanceRefresh, of a refresh or its rollback: Cancelling while the launches in flight
   * finish (or at once without waiting), then Cancelled; nothing replaced is undone, and Auto
   * Scaling refills the group.
   */
  cancel(refresh: RefreshState, waitForTransitioning = true): void {
    const plan = this.plans.get(refresh.id);
    refresh.status = "Cancelling";
    refresh.statusReason = "The instance refresh is being cancelled by a CancelInstanceRefresh request.";
    if (plan !== undefined) plan.cancelling = true;
    const rollback = this.rollbacks.get(refresh.id);
    if (rollback !== undefined) rollback.cancelling = true;
    const inFlight = refresh.batchIds.some((id) => this.world.instances.get(id)?.lifecycle === "Pending");
    if (waitForTransitioning && inFlight) {
      // Keep only the batch's own timers: checkpoint waits and retries stop here.
      return;
    }
    this.stopBatch(refresh);
    this.at(refresh, this.world.now(), () => this.finishCancel(refresh), `cancel ${refresh.groupName}`);
  }

  private finishCancel(refresh: RefreshState): void {
    if (refresh.status !== "Cancelling") return;
    const group = this.world.groups.get(refresh.groupName);
    this.stopBatch(refresh);
    refresh.status = "Cancelled";
    refresh.statusReason = "The instance refresh was cancelled by a CancelInstanceRefresh request.";
    refresh.endMs = this.world.now();
    this.finish(refresh);
    this.world.emitRefreshEvent("EC2 Auto Scaling Instance Refresh Cancelled", refresh);
    this.world.emitProgress("refresh-cancelled", refresh, this.plans.get(refresh.id)?.replaced ?? 0);
    if (group !== undefined) {
      this.world.fillCapacity(group);
      this.evaluateAlarms(group);
    }
  }

  /** Whether a rollback is possible: a DesiredConfiguration and a numbered previous version. */
  rollbackBlocker(refresh: RefreshState): string | null {
    const group = this.world.groups.get(refresh.groupName);
    if (refresh.desiredConfiguration === null) {
      return "The instance refresh cannot be rolled back: it was started without a DesiredConfiguration.";
    }
    if (group === undefined) return "The Auto Scaling group no longer exists.";
    if (!/^[1-9][0-9]*$/.test(refresh.fromVersionSpec)) {
      return `The instance refresh cannot be rolled back: the group used launch template version ${refresh.fromVersionSpec}.`;
    }
    const previous = group.template.versions[Number(refresh.fromVersionSpec) - 1];
    if (previous?.imageRef.startsWith("resolve:ssm:")) {
      return "The instance refresh cannot be rolled back: the previous launch template version resolves its image from SSM.";
    }
    return null;
  }

  /** RollbackInstanceRefresh (or alarm-based AutoRollback): back to the version the group had. */
  rollback(refresh: RefreshState, reason: string): void {
    const world = this.world;
    const group = world.groups.get(refresh.groupName);
    const plan = this.plans.get(refresh.id);
    if (group === undefined || plan === undefined) return;
    this.stopBatch(refresh);
    const target = String(plan.version);
    const queue = [...group.members].filter((id) => {
      const instance = world.instances.get(id);
      return (
        instance?.launchTemplate?.id === refresh.desiredConfiguration?.LaunchTemplate.LaunchTemplateId &&
        instance?.launchTemplate?.version === target
      );
    });
    const deficit = Math.max(0, group.desired - group.members.size);
    const total = queue.length + deficit;
    refresh.status = "RollbackInProgress";
    refresh.statusReason = reason;
    refresh.rollback = {
      reason,
      startMs: world.now(),
      percentageCompleteOnRollback: 0,
      instancesToUpdateOnRollback: total,
      total,
      done: 0,
    };
    world.emitRefreshEvent("EC2 Auto Scaling Instance Refresh Rollback Started", refresh);
    world.emitProgress("rollback-started", refresh, plan.replaced);
    const rb: RollbackPlan = {
      refresh,
      group,
      batch: plan.batch,
      minCount: plan.minCount,
      queue,
      deficit,
      version: Number(refresh.fromVersionSpec),
      warmupSeconds: plan.warmupSeconds,
      cancelling: false,
    };
    this.rollbacks.set(refresh.id, rb);
    this.at(refresh, world.now(), () => this.nextRollbackBatch(rb), `rollback ${group.name}`);
  }

  private nextRollbackBatch(rb: RollbackPlan): void {
    const { group, refresh } = rb;
    const remaining = liveCount(rb.queue, group);
    if (remaining + rb.deficit <= 0) {
      this.rollbackDone(rb);
      return;
    }
    const b = Math.min(rb.batch, remaining + rb.deficit);
    const fill = Math.min(b, rb.deficit);
    const quota = Math.min(b - fill, remaining);
    const atStart = Math.min(quota, Math.max(0, group.inServiceHealthy - rb.minCount));
    this.terminateOld(rb.queue, group, atStart);
    const later = quota - atStart;
    refresh.batchIds = this.world.launchIntoGroup(group, b, rb.version, rb.warmupSeconds, refresh.timers, {
      onFailed: () =>
        rb.cancelling
          ? this.finishCancel(refresh)
          : this.rollbackFailed(rb, "Instances failed to launch during the rollback."),
      onHealthy: () => {
        this.terminateOld(rb.queue, group, later);
        refresh.batchIds = [];
        if (rb.cancelling) {
          this.finishCancel(refresh);
          return;
        }
        rb.deficit -= fill;
        const details = refresh.rollback;
        if (details !== null) {
          details.done += b;
          details.percentageCompleteOnRollback = Math.min(
            100,
            Math.floor((100 * details.done) / details.total),
          );
          details.instancesToUpdateOnRollback = Math.max(0, details.total - details.done);
        }
        this.world.emitProgress("rollback-progress", refresh, details?.done ?? 0);
        this.evaluateAlarms(group);
        this.nextRollbackBatch(rb);
      },
    });
  }

  private rollbackDone(rb: RollbackPlan): void {
    const { refresh, group } = rb;
    refresh.status = "RollbackSuccessful";
    refresh.endMs = this.world.now();
    if (refresh.rollback !== null) {
      refresh.rollback.percentageCompleteOnRollback = 100;
      refresh.rollback.instancesToUpdateOnRollback = 0;
    }
    this.finish(refresh);
    this.evaluateAlarms(group);
    this.world.emitRefreshEvent("EC2 Auto Scaling Instance Refresh Rollback Succeeded", refresh);
    this.world.emitProgress("rollback-succeeded", refresh, refresh.rollback?.done ?? 0);
  }

  private rollbackFailed(rb: RollbackPlan, reason: string): void {
    const { refresh, group } = rb;
    this.stopBatch(refresh);
    refresh.status = "RollbackFailed";
    refresh.statusReason = reason;
    refresh.endMs = this.world.now();
    this.finish(refresh);
    this.world.emitRefreshEvent("EC2 Auto Scaling Instance Refresh Rollback Failed", refresh);
    this.world.emitProgress("rollback-failed", refresh, refresh.rollback?.done ?? 0);
    this.world.fillCapacity(group);
  }

  /**
   * The group's scenario alarm: ALARM once at least `whenReplacedPercent` of the group runs the new
   * image in service, OK otherwise. Going to ALARM rolls back every active refresh that watches it
   * with AutoRollback.
   */
  evaluateAlarms(group: GroupState): void {
    const name = group.onNewImage.alarm;
    if (name === undefined) return;
    const alarm = this.world.alarms.get(name);
    if (alarm === undefined) return;
    let onNew = 0;
    for (const id of group.members) {
      const instance = this.world.instances.get(id);
      if (instance?.newImage === true && instance.lifecycle === "InService") onNew++;
    }
    const share = group.desired > 0 ? (100 * onNew) / group.desired : 0;
    const threshold = group.onNewImage.whenReplacedPercent;
    const breaching = onNew > 0 && (threshold === undefined || share >= threshold);
    const next = breaching ? "ALARM" : "OK";
    if (alarm.state === next) return;
    alarm.state = next;
    alarm.updatedMs = this.world.now();
    alarm.reason = breaching
      ? `Threshold Crossed: ${onNew} of ${group.desired} instances of ${group.name} run the new image (${share.toFixed(1)}%).`
      : "Threshold Crossed: no datapoints were breaching the threshold.";
    if (!breaching) return;
    this.alarmFired(name);
  }

  /**
   * An alarm went to ALARM: every active refresh that watches it fails, and with AutoRollback rolls
   * back (https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-rollback.html).
   */
  alarmFired(name: string): void {
    for (const refresh of [...this.active]) {
      const watches = refresh.preferences.AlarmSpecification?.Alarms.includes(name) === true;
      if (!watches) continue;
      if (refresh.status !== "InProgress" && refresh.status !== "Baking") continue;
      const reason = `Alarm ${name} went to ALARM`;
      const plan = this.plans.get(refresh.id);
      if (refresh.preferences.AutoRollback && this.rollbackBlocker(refresh) === null) {
        this.rollback(refresh, `${reason}: the instance refresh is rolled back automatically.`);
      } else if (plan !== undefined) {
        this.fail(plan, `${reason}: the instance refresh failed.`);
      }
    }
  }

  private terminateOld(queue: string[], group: GroupState, count: number): void {
    let left = count;
    while (left > 0 && queue.length > 0) {
      const id = queue.shift() as string;
      if (!group.members.has(id)) continue;
      this.world.terminate(id);
      left--;
    }
  }

  /** Cancels the refresh's timers and terminates the instances of a batch not yet in service. */
  private stopBatch(refresh: RefreshState): void {
    for (const id of refresh.timers) this.world.clock.cancel(id);
    refresh.timers.clear();
    for (const id of refresh.batchIds) {
      const instance = this.world.instances.get(id);
      if (instance !== undefined && instance.lifecycle === "Pending") this.world.terminate(id);
    }
    refresh.batchIds = [];
  }

  private finish(refresh: RefreshState): void {
    this.active.delete(refresh);
    for (const id of refresh.timers) this.world.clock.cancel(id);
    refresh.timers.clear();
  }

  private at(refresh: RefreshState, atMs: number, fn: () => void, label: string): void {
    const id = this.world.clock.schedule(
      atMs,
      () => {
        refresh.timers.delete(id);
        fn();
      },
      label,
    );
    refresh.timers.add(id);
  }
}

/** ceil(N * min / 100) for integers, without floating-point rounding. */
export function minHealthyCount(n: number, minHealthyPercentage: number): number {
  const product = n * minHealthyPercentage;
  return (product - (product % 100)) / 100 + (product % 100 === 0 ? 0 : 1);
}

function liveCount(queue: readonly string[], group: GroupState): number {
  let count = 0;
  for (const id of queue) if (group.members.has(id)) count++;
  return count;
}
