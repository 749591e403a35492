import { assertRunMayStart, judgeReadiness, planWaves, type ReadinessContext } from "@fleet-upgrade/core";
import { readinessReader } from "../runtime/adapters";
import { type Task, taskHandler } from "../runtime/lambda";
import { ALARMS_TAG } from "./shared/group-support";
import { loadRun } from "./shared/load-run";
import { type RunState, RunStateSchema } from "./shared/state";

/**
 * The preflight (CONTRACTS.md section 2), before the image bake so a doomed run costs nothing:
 * reads what readiness judges of every targeted group (read-only), judges the groups and the plan,
 * and writes `readiness` to the run. Throws RunNotReadyError (the run FAILS before any change) when
 * an alarm named by the request does not exist or the first wave is empty; BLOCKED groups are left
 * for the plan step, which marks them SKIPPED and never touches them.
 */
export const readinessTask: Task<unknown, RunState & { blocked: number }> = async (event, deps) => {
  const state = RunStateSchema.parse(event);
  const { request } = await loadRun(deps, state.runId);
  const groups = await deps.ledger.getGroups(state.runId);
  const settings = deps.settings.readiness;
  const descriptions = await deps.readiness.describeTargets({
    targets: request.targets,
    requestAlarms: request.health.alarms,
    alarmsTag: ALARMS_TAG,
    instances: Object.fromEntries(
      groups.map((g) => [
        g.name,
        { withoutInventory: g.withoutInventory ?? [], notOnline: g.notOnline ?? [] },
      ]),
    ),
  });
  const context: ReadinessContext = {
    stage: settings.stage,
    stageFile: settings.stageFile,
    fleetInstanceRoles: settings.fleetInstanceRoles ?? [],
    managedTagValue: settings.managedTagValue,
  };
  const plannable = groups.map((g) => ({ name: g.name, instances: g.instanceIds.length, tags: g.tags }));
  const report = judgeReadiness({
    // Without a stage's list (a simulation without one), every role may be passed: no role to judge.
    groups:
      settings.fleetInstanceRoles === null
        ? descriptions.map((d) =>
            d.launch.kind === "launchTemplate"
              ? { ...d, launch: { ...d.launch, instanceProfileRole: null } }
              : d,
          )
        : descriptions,
    plan: {
      waves: request.rollout.waves,
      plan: planWaves(plannable, request.rollout.waves),
      groups: plannable,
      allowEmptyFirstWave: request.rollout.allowEmptyFirstWave,
    },
    context,
  });
  await deps.ledger.updateRun(state.runId, (run) => ({ ...run, readiness: report.readiness }));
  deps.logger.info("readiness judged", {
    blocked: report.blocked,
    warn: report.readiness.filter((r) => r.level === "WARN").length,
    refusal: report.refusal,
  });
  assertRunMayStart(report);
  return { ...state, blocked: report.blocked.length };
};

export const handler = taskHandler("readiness", readinessTask, { readiness: readinessReader });
