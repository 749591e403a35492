import { type GroupProgress, isErrorNamed, pollAfterSeconds } from "@fleet-upgrade/core";
import { launchTemplateRollout } from "../runtime/adapters";
import { TargetImageMissingError } from "../runtime/errors";
import { type Task, taskHandler } from "../runtime/lambda";
import { ACTIVE_REFRESH, alarmsOf, clientToken, expectedToNextStop, isOurs } from "./shared/group-support";
import { loadRunState } from "./shared/load-run";
import { revertGroup } from "./shared/revert";
import { type GroupState, GroupStateSchema } from "./shared/state";

/** A lock outlives any rollout; DynamoDB's TTL and the expiry check free it if its run died. */
const LOCK_TTL_SECONDS = 7 * 24 * 3600;

/**
 * Starts the group's refresh: preflight (halted run, already upgraded, foreign refresh), a new
 * numbered launch template version with the target image, then StartInstanceRefresh with that
 * version, checkpoints and alarm AutoRollback. Idempotent: a retry after a crash recognises the
 * version and the refresh its earlier attempt made.
 */
export const startRefreshTask: Task<unknown, GroupState> = async (event, deps) => {
  const state = GroupStateSchema.parse(event);
  const { runId, group: name } = state;
  const { run, request } = await loadRunState(deps, runId);
  let progress = await deps.ledger.getProgress(runId, name);
  const save = async (change: Partial<GroupProgress>) => {
    progress = { ...progress, ...change };
    await deps.ledger.putProgress(runId, [progress]);
  };
  const done = (): GroupState => ({ ...state, phase: "done" });

  if (state.mode === "revert") {
    if (progress.outcome !== "UPGRADED") return done();
    const why =
      progress.regressed && progress.reason
        ? `regressed while its wave baked: ${progress.reason}`
        : `reverted with rollback scope ${request.rollback.scope}: ${run.halt?.reason ?? "a regression"}`;
    // FinishGroup released the lock when the group was upgraded; the revert changes the group again,
    // so it takes the lock again first: another run that took the group meanwhile keeps it.
    const holder = await deps.ledger.acquireLock(name, runId, deps.now(), LOCK_TTL_SECONDS);
    if (holder) {
      await save({
        outcome: "FAILED",
        reason: `${why}; but run ${holder.runId} took the group's lock (since ${holder.acquiredAt}) after it was upgraded, so it was not reverted and still runs ${progress.toImageId ?? "the new image"}: check the group`,
      });
      return done();
    }
    return revertGroup(deps, request, state, why);
  }
  if (progress.outcome !== "NOT_STARTED" && progress.outcome !== "RUNNING") return done();
  if (run.halt) {
    await save({ reason: `not started: ${run.halt.reason}` });
    return done();
  }
  const group = await deps.ledger.getGroup(runId, name);
  const target = run.target?.images.find((i) => i.architecture === group.architecture);
  if (!target) throw new TargetImageMissingError(runId, group.architecture);
  if (group.imageId === target.imageId) {
    await save({
      outcome: "UPGRADED",
      notes: [...progress.notes, `already runs ${target.imageId}: nothing to refresh`],
    });
    return done();
  }

  const holder = await deps.ledger.acquireLock(name, runId, deps.now(), LOCK_TTL_SECONDS);
  if (holder) {
    await save({
      outcome: "SKIPPED",
      reason: `run ${holder.runId} holds the group's lock (since ${holder.acquiredAt}); the group was left alone`,
    });
    return done();
  }

  const ourVersion = progress.launchTemplateVersion.to;
  const refreshes = await deps.rollout.describeRefreshes(name);
  const active = refreshes.find((r) => ACTIVE_REFRESH.has(r.status));
  if (active && isOurs(active, ourVersion, progress.instanceRefreshIds)) {
    await save({ outcome: "RUNNING", instanceRefreshIds: [active.instanceRefreshId] });
    return waiting(active.instanceRefreshId);
  }
  if (active) {
    await save({
      outcome: "SKIPPED",
      reason: `instance refresh ${active.instanceRefreshId} (${active.status}), which this run did not start, is in progress; the group was left alone`,
    });
    return done();
  }

  const version =
    ourVersion ??
    (await deps.rollout.createLaunchTemplateVersion({
      launchTemplateId: group.launchTemplate.launchTemplateId,
      sourceVersion: group.launchTemplate.resolvedVersion,
      imageId: target.imageId,
      description: `fleet-upgrade ${runId}: ${group.imageId} -> ${target.imageId}`.slice(0, 255),
      clientToken: clientToken(runId, name, "launch-template-version"),
    }));
  await save({
    outcome: "RUNNING",
    launchTemplateVersion: { ...progress.launchTemplateVersion, to: version },
  });

  let refreshId: string;
  const alarmNotes: string[] = [];
  try {
    refreshId = await deps.rollout.startRefresh({
      groupName: name,
      launchTemplateId: group.launchTemplate.launchTemplateId,
      version,
      minHealthyPercentage: request.rollout.minHealthyPercentage,
      maxHealthyPercentage: request.rollout.maxHealthyPercentage,
      instanceWarmupSeconds: request.rollout.instanceWarmupSeconds,
      checkpointPercentages: request.rollout.checkpoints,
      checkpointDelaySeconds: request.rollout.checkpointDelaySeconds,
      alarmNames: alarmsOf(request, group),
      onAlarmsNote: (note) => alarmNotes.push(note),
    });
  } catch (error) {
    if (!isErrorNamed(error, "InstanceRefreshInProgressFault")) throw error;
    const now = (await deps.rollout.describeRefreshes(name)).find((r) => ACTIVE_REFRESH.has(r.status));
    if (!now || !isOurs(now, version, [])) {
      await save({
        outcome: "SKIPPED",
        reason: `another instance refresh${now ? ` (${now.instanceRefreshId})` : ""} started on the group first; the group was left alone`,
      });
      return done();
    }
    refreshId = now.instanceRefreshId;
  }
  await save({
    instanceRefreshIds: [refreshId],
    refreshStartedAt: deps.now().toISOString(),
    ...(alarmNotes.length > 0 && { notes: [...progress.notes, ...alarmNotes] }),
  });
  deps.logger.info("refresh started", { group: name, instanceRefreshId: refreshId, version });
  return waiting(refreshId);

  function waiting(instanceRefreshId: string): GroupState {
    return {
      ...state,
      phase: "waiting",
      instanceRefreshId,
      lastCheckpoint: null,
      pollAfterSeconds: pollAfterSeconds(
        expectedToNextStop(deps, request, group, null),
        false,
        request.rollout.checkpointDelaySeconds,
      ),
    };
  }
};

export const handler = taskHandler("startRefresh", startRefreshTask, { rollout: launchTemplateRollout });
