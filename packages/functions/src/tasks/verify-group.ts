import { judgeCompliance } from "@fleet-upgrade/core";
import { groupRollout, healthMonitor, metricReader, verifyCommands } from "../runtime/adapters";
import type { FunctionDeps } from "../runtime/deps";
import { type Task, taskHandler } from "../runtime/lambda";
import {
  checkGroupHealth,
  complianceOf,
  failedClosed,
  HEALTH_CALLS,
  HealthReadError,
  judgeAfterRefresh,
  newInstancesOf,
  read,
} from "./shared/health-support";
import { loadRun } from "./shared/load-run";
import { type GroupState, GroupStateSchema } from "./shared/state";

const VERIFY_POLL_SECONDS = 2;
/** Rounds of polling before verification gives up (about five minutes). */
const MAX_ROUNDS = 150;

/**
 * After the refresh succeeded: the group's health, the regression judge, then the verify document
 * on a sample of the new instances (FIPS on, STIG applied, kernel on the requested track). One round per call. A read or
 * command that fails (after the SDK's retries) fails the verification closed, naming the call: the
 * group is rolled back rather than left UPGRADED unverified.
 */
export const verifyGroupTask: Task<unknown, GroupState> = async (event, deps) => {
  const state = GroupStateSchema.parse(event);
  try {
    return await verifyRound(state, deps);
  } catch (error) {
    if (!(error instanceof HealthReadError)) throw error;
    deps.logger.warn("verification could not be done: failing closed", {
      group: state.group,
      call: error.call,
    });
    const verdict = failedClosed(error);
    return {
      ...state,
      health: verdict,
      verify: { done: true, waitSeconds: 0, rounds: state.verify?.rounds ?? 0, commands: [] },
    };
  }
};

async function verifyRound(state: GroupState, deps: FunctionDeps): Promise<GroupState> {
  const finished = (healthy: boolean, verdict: string | null): GroupState => ({
    ...state,
    health: { healthy, verdict },
    verify: { done: true, waitSeconds: 0, rounds: state.verify?.rounds ?? 0, commands: [] },
  });
  if (state.rollingBack) return finished(true, null);
  const { request } = await loadRun(deps, state.runId);
  const progress = await deps.ledger.getProgress(state.runId, state.group);

  if (!state.verify) {
    const group = await deps.ledger.getGroup(state.runId, state.group);
    const health = await checkGroupHealth(deps, request, group, progress.launchTemplateVersion.to);
    if (!health.healthy) return finished(false, health.verdict);
    // The regression judge: the new instances against the old ones (or the pre-upgrade figures).
    const judged = await judgeAfterRefresh(deps, request, state.runId, group, progress, "verify");
    if (!judged.healthy || !request.health.verifyCompliance) return finished(judged.healthy, judged.verdict);
    const { fresh } = await newInstancesOf(deps, state.group, progress.launchTemplateVersion.to);
    const sample = fresh
      .map((i) => i.instanceId)
      .sort()
      .slice(0, deps.settings.verifySampleSize);
    const commands = [];
    for (const instanceId of sample) {
      const comment = `fleet-upgrade ${state.runId} verify ${state.group}`.slice(0, 100);
      const documentName = deps.settings.documents.verify;
      const commandId =
        (await read(HEALTH_CALLS.findCommand, () =>
          deps.hardener.findCommand({ documentName, instanceId, comment }),
        )) ??
        (await read(HEALTH_CALLS.sendCommand, () =>
          deps.hardener.sendCommand({ documentName, instanceId, parameters: {}, comment }),
        ));
      commands.push({ instanceId, commandId });
    }
    if (commands.length === 0) return finished(true, null);
    return { ...state, verify: { done: false, waitSeconds: VERIFY_POLL_SECONDS, rounds: 1, commands } };
  }

  const pending = [];
  for (const command of state.verify.commands) {
    const status = await read(HEALTH_CALLS.getCommandStatus, () =>
      deps.hardener.getCommandStatus(command.commandId, command.instanceId),
    );
    if (["Pending", "InProgress", "Delayed"].includes(status.status)) {
      pending.push(command);
      continue;
    }
    if (status.status !== "Success") {
      return finished(
        false,
        `compliance of ${command.instanceId}: the verify document ended ${status.status}`,
      );
    }
    const verdict = judgeCompliance(complianceOf(request), status.stdout);
    if (verdict.problem) return finished(false, `compliance of ${command.instanceId}: ${verdict.problem}`);
  }
  if (pending.length === 0) return finished(true, null);
  if (state.verify.rounds >= MAX_ROUNDS) {
    return finished(
      false,
      `compliance of ${pending[0]?.instanceId}: the verify document did not finish in time`,
    );
  }
  return {
    ...state,
    verify: {
      done: false,
      waitSeconds: VERIFY_POLL_SECONDS,
      rounds: state.verify.rounds + 1,
      commands: pending,
    },
  };
}

export const handler = taskHandler("verifyGroup", verifyGroupTask, {
  rollout: groupRollout,
  health: healthMonitor,
  hardener: verifyCommands,
  metrics: metricReader,
});
