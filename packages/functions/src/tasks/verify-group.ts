import {
  type CommandStatus,
  judgeCompliance,
  LISTED_OUTPUT_CHARS,
  MAX_COMMAND_INSTANCES,
} from "@fleet-upgrade/core";
import { groupRollout, healthMonitor, metricReader, verifyCommands } from "../runtime/adapters";
import type { FunctionDeps } from "../runtime/deps";
import { type Task, taskHandler } from "../runtime/lambda";
import {
  checkGroupHealth,
  complianceOf,
  describingOnce,
  failedClosed,
  HEALTH_CALLS,
  HealthReadError,
  judgeAfterRefresh,
  newInstancesOf,
  read,
} from "./shared/health-support";
import { loadRunState } from "./shared/load-run";
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
  const { request } = await loadRunState(deps, state.runId);
  const progress = await deps.ledger.getProgress(state.runId, state.group);

  if (!state.verify) {
    // Health, the regression judge and the sample all read the group as it is now: describe it once.
    const look = describingOnce(deps);
    const group = await deps.ledger.getGroup(state.runId, state.group);
    const health = await checkGroupHealth(look, request, group, progress.launchTemplateVersion.to);
    if (!health.healthy) return finished(false, health.verdict);
    // The regression judge: the new instances against the old ones (or the pre-upgrade figures).
    const judged = await judgeAfterRefresh(look, request, state.runId, group, progress, "verify");
    if (!judged.healthy || !request.health.verifyCompliance) return finished(judged.healthy, judged.verdict);
    const { fresh } = await newInstancesOf(look, state.group, progress.launchTemplateVersion.to);
    const sample = fresh
      .map((i) => i.instanceId)
      .sort()
      .slice(0, deps.settings.verifySampleSize);
    const commands = [];
    for (let at = 0; at < sample.length; at += MAX_COMMAND_INSTANCES)
      commands.push(...(await sendVerify(deps, state, sample.slice(at, at + MAX_COMMAND_INSTANCES))));
    if (commands.length === 0) return finished(true, null);
    return { ...state, verify: { done: false, waitSeconds: VERIFY_POLL_SECONDS, rounds: 1, commands } };
  }

  // One listing per command (one command covers up to 50 instances) instead of a read per instance.
  const listed = new Map<string, CommandStatus>();
  for (const commandId of new Set(state.verify.commands.map((c) => c.commandId))) {
    const statuses = await read(HEALTH_CALLS.listCommandStatuses, () =>
      deps.hardener.listCommandStatuses(commandId),
    );
    for (const status of statuses) listed.set(`${commandId}/${status.instanceId}`, status);
  }
  const pending = [];
  for (const command of state.verify.commands) {
    // Not listed yet: the invocation does not exist yet, as GetCommandInvocation's InvocationDoesNotExist.
    const status = listed.get(`${command.commandId}/${command.instanceId}`);
    if (status === undefined || ["Pending", "InProgress", "Delayed"].includes(status.status)) {
      pending.push(command);
      continue;
    }
    if (status.status !== "Success") {
      return finished(
        false,
        `compliance of ${command.instanceId}: the verify document ended ${status.status}`,
      );
    }
    let verdict = judgeCompliance(complianceOf(request), status.stdout);
    if (verdict.problem !== null || status.stdout.length >= LISTED_OUTPUT_CHARS) {
      // The listing's output may be cut short (or carry more than stdout): judge a failure, or an
      // output that may have been cut, on the invocation's whole stdout, as read alone.
      const whole = await read(HEALTH_CALLS.getCommandStatus, () =>
        deps.hardener.getCommandStatus(command.commandId, command.instanceId),
      );
      verdict = judgeCompliance(complianceOf(request), whole.stdout);
    }
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

/**
 * Runs the verify document on up to 50 instances with one command. An earlier attempt of this
 * step (the Lambda retried after SendCommand) is recognised by the command on the first instance
 * with the same comment; instances that command did not cover get a command of their own.
 */
async function sendVerify(
  deps: FunctionDeps,
  state: GroupState,
  instanceIds: string[],
): Promise<{ instanceId: string; commandId: string }[]> {
  const [first] = instanceIds;
  if (first === undefined) return [];
  const comment = `fleet-upgrade ${state.runId} verify ${state.group}`.slice(0, 100);
  const documentName = deps.settings.documents.verify;
  const send = async (ids: string[]) => {
    const commandId = await read(HEALTH_CALLS.sendCommand, () =>
      deps.hardener.sendCommandTo({ documentName, instanceIds: ids, parameters: {}, comment }),
    );
    return ids.map((instanceId) => ({ instanceId, commandId }));
  };
  const earlier = await read(HEALTH_CALLS.findCommand, () =>
    deps.hardener.findCommand({ documentName, instanceId: first, comment }),
  );
  if (earlier === null) return send(instanceIds);
  // A command sent to InstanceIds has an invocation per instance from the start; none listed yet
  // means none to tell apart, so the earlier command stands for all.
  const covered = new Set(
    (await read(HEALTH_CALLS.listCommandStatuses, () => deps.hardener.listCommandStatuses(earlier))).map(
      (s) => s.instanceId,
    ),
  );
  const missing = covered.size === 0 ? [] : instanceIds.filter((id) => !covered.has(id));
  const mine = instanceIds
    .filter((id) => !missing.includes(id))
    .map((instanceId) => ({ instanceId, commandId: earlier }));
  return missing.length === 0 ? mine : [...mine, ...(await send(missing))];
}

export const handler = taskHandler("verifyGroup", verifyGroupTask, {
  rollout: groupRollout,
  health: healthMonitor,
  hardener: verifyCommands,
  metrics: metricReader,
});
