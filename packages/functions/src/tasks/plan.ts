import {
  CALLS_PER_INVOCATION,
  DEFAULT_HARDENING_ESTIMATE,
  estimateGroupsOf,
  estimateRunSeconds,
  type GroupProgress,
  needsHardening,
  pageEnd,
  planWaves,
  skipReason,
} from "@fleet-upgrade/core";
import { z } from "zod";
import { groupRollout } from "../runtime/adapters";
import { type Task, taskHandler } from "../runtime/lambda";
import { sharedTemplateReasons } from "./shared/group-support";
import { loadRun } from "./shared/load-run";
import { RunStateSchema } from "./shared/state";

const SSM_IMAGE_PREFIX = "resolve:ssm:";

const InputSchema = RunStateSchema.extend({
  /** Where the previous page stopped (an index into the run's groups, by name). */
  cursor: z.number().int().nonnegative().optional(),
});

/** Calls of one page besides the groups' own: the run and its groups read, template users, the record. */
const PLAN_OVERHEAD_CALLS = 16;
/** Progress items one BatchWriteItem call takes. */
const WRITES_PER_CALL = 25;

type PlanOutput =
  | {
      runId: string;
      dryRun: boolean;
      done: true;
      waves: { index: number; name: string }[];
      maxParallelGroups: number;
    }
  | { runId: string; dryRun: boolean; done: false; cursor: number };

/**
 * Splits the groups into waves and records each group's starting point and preflight findings.
 * Changes nothing in the account: launch template versions are created per group when its wave runs.
 * Works in pages (the plan is computed again on each, from the same ledger): each page pins,
 * turns metrics on and records its own groups; the last one records the waves and answers them.
 */
export const planTask: Task<unknown, PlanOutput> = async (event, deps) => {
  const state = InputSchema.parse(event);
  const { run, request } = await loadRun(deps, state.runId);
  const groups = await deps.ledger.getGroups(state.runId);
  const plan = planWaves(
    groups.map((g) => ({ name: g.name, instances: g.instanceIds.length, tags: g.tags })),
    request.rollout.waves,
  );
  const waveOf = new Map<string, string>();
  for (const wave of plan.waves) for (const name of wave.groups) waveOf.set(name, wave.name);
  const lastPercent = request.rollout.waves.findLast((w) => w.percent !== undefined)?.percent;
  // A template that a group outside the run launches from at $Latest/$Default is refused: IAM can
  // hold which templates get new versions, never what a version holds or who launches from it.
  const shared =
    groups.length > 0 ? sharedTemplateReasons(groups, await deps.rollout.listTemplateUsers()) : new Map();
  // BLOCKED by the preflight (readiness step): never touched, SKIPPED with the codes in the reason.
  for (const entry of run.readiness ?? []) {
    if (entry.group !== null && entry.level === "BLOCKED" && !shared.has(entry.group))
      shared.set(entry.group, skipReason(entry));
  }
  const progress: GroupProgress[] = groups.map((group) => {
    const target = run.target?.images.find((i) => i.architecture === group.architecture) ?? null;
    const notes: string[] = [];
    const refused: string | undefined = shared.get(group.name);
    if (group.launchTemplate.versionSpec.startsWith("$") && !refused) {
      notes.push(
        request.dryRun
          ? `launch template version ${group.launchTemplate.versionSpec} would be pinned to version ${group.launchTemplate.resolvedVersion}, which rollback returns to`
          : `launch template version ${group.launchTemplate.versionSpec} is pinned to version ${group.launchTemplate.resolvedVersion}, which rollback returns to`,
      );
    }
    if (group.launchTemplate.imageRef.startsWith(SSM_IMAGE_PREFIX)) {
      notes.push(
        `the launch template's image is ${group.launchTemplate.imageRef}: a refresh in progress cannot be rolled back, only reversed by a new refresh`,
      );
    }
    const wave = waveOf.get(group.name) ?? null;
    return {
      name: group.name,
      wave,
      outcome: refused ? "SKIPPED" : "NOT_STARTED",
      reason:
        refused ??
        (wave === null
          ? `no wave of the request takes it (the waves end at ${lastPercent ?? 0}% and no ring wave matches its ring tag)`
          : null),
      fromImageId: group.imageId,
      toImageId: target?.imageId ?? null,
      launchTemplateVersion: { from: group.launchTemplate.resolvedVersion, to: null },
      minHealthyPercentObserved: null,
      instanceRefreshIds: [],
      refreshStartedAt: null,
      checkpointsEvaluated: [],
      notes,
      regressed: false,
    };
  });
  // Rollback needs a numbered version, and a new version of a template shared on $Latest would
  // switch groups this run never refreshes: pin every $Latest/$Default group to the number it
  // resolves to now, before any version is created. A dry run changes nothing and only says so. A
  // group refused as TEMPLATE_SHARED is never touched, so it is not pinned either.
  const pins = (group: (typeof groups)[number]) =>
    group.launchTemplate.versionSpec.startsWith("$") && !request.dryRun && !shared.has(group.name);
  // METRICS_COLLECTION_OFF (WARN): the run turns group metrics on for the groups it will refresh, so
  // the lowest in-service share can be read; a dry run only says it would.
  const metricsOff = new Set(
    (run.readiness ?? []).flatMap((r) =>
      r.group !== null && r.findings.some((f) => f.code === "METRICS_COLLECTION_OFF") ? [r.group] : [],
    ),
  );
  const turnsMetricsOn = (entry: GroupProgress) => metricsOff.has(entry.name) && entry.outcome !== "SKIPPED";
  const from = Math.min(state.cursor ?? 0, groups.length);
  const end = pageEnd(
    groups.map((group, i) => {
      const entry = progress[i];
      const calls = (pins(group) ? 1 : 0) + (entry && turnsMetricsOn(entry) && !request.dryRun ? 1 : 0);
      return calls + 1 / WRITES_PER_CALL;
    }),
    from,
    (deps.settings.callsPerInvocation ?? CALLS_PER_INVOCATION) - PLAN_OVERHEAD_CALLS,
  );
  for (const group of groups.slice(from, end)) {
    if (!pins(group)) continue;
    await deps.rollout.pinLaunchTemplateVersion(
      group.name,
      group.launchTemplate.launchTemplateId,
      group.launchTemplate.resolvedVersion,
    );
  }
  const page = progress.slice(from, end);
  for (const entry of page) {
    if (!turnsMetricsOn(entry)) continue;
    if (!request.dryRun) await deps.rollout.enableMetricsCollection(entry.name);
    entry.notes.push(
      request.dryRun
        ? "group metrics collection is off: the run would turn it on"
        : "group metrics collection was off: the run turned it on",
    );
  }
  await deps.ledger.putProgress(state.runId, page);
  if (end < groups.length) return { runId: state.runId, dryRun: request.dryRun, done: false, cursor: end };
  // The expected duration (CONTRACTS.md section 2): groups left alone take no time.
  const rolled = groups.filter((g) => !shared.has(g.name));
  const estimateSeconds = estimateRunSeconds({
    waves: plan.waves.map((w) => w.groups.filter((n) => !shared.has(n))),
    groups: estimateGroupsOf(rolled, {
      launchEstimateSeconds: deps.settings.launchEstimateSeconds,
      warmupEstimateSeconds: deps.settings.warmupEstimateSeconds,
    }),
    rollout: request.rollout,
    hardening: DEFAULT_HARDENING_ESTIMATE,
    hardens: needsHardening(request),
  });
  await deps.ledger.updateRun(state.runId, (r) => ({
    ...r,
    estimateSeconds,
    waves: plan.waves.map((w) => ({
      name: w.name,
      groups: w.groups,
      instances: w.instances,
      status: "NOT_STARTED",
    })),
  }));
  deps.logger.info("waves planned", { waves: plan.waves.map((w) => `${w.name}:${w.groups.length}`) });
  return {
    runId: state.runId,
    dryRun: request.dryRun,
    done: true,
    waves: plan.waves.map((w, index) => ({ index, name: w.name })),
    maxParallelGroups: request.rollout.maxParallelGroups,
  };
};

export const handler = taskHandler("plan", planTask, { rollout: groupRollout });
