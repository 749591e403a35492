import {
  type GroupDescription,
  judgeGroup,
  outsideUsers,
  type ReadinessContext,
  type ReadinessCursor,
  type ReadinessScanPage,
  RING_TAG,
  type RunRequest,
} from "@fleet-upgrade/core";
import type { FunctionDeps } from "../../runtime/deps";
import { ALARMS_TAG } from "./group-support";

type ScanCursor = Extract<ReadinessCursor, { phase: "scan" }>;
type JudgeCursor = Extract<ReadinessCursor, { phase: "judge" }>;

/** One page of the account's groups, recorded as names; the last one turns to judging. */
export async function scanStep(
  deps: FunctionDeps,
  runId: string,
  request: RunRequest,
  cursor: ScanCursor,
): Promise<ReadinessCursor> {
  const page = await deps.readiness.scanGroups({ targets: request.targets, nextToken: cursor.token });
  await deps.ledger.putReadinessScan(runId, cursor.page, {
    targeted: page.targeted,
    outside: outsideUsers(page.users),
  });
  return page.nextToken === null
    ? { phase: "judge", offset: 0, blocked: 0, warn: 0, missingRequestAlarms: [] }
    : { phase: "scan", token: page.nextToken, page: cursor.page + 1 };
}

/**
 * The next `count` targeted groups (in scan order) described, judged and recorded one item each;
 * the counts move on in the cursor. After the last group, the plan phase. Answers how many it judged.
 */
export async function judgeStep(
  deps: FunctionDeps,
  input: {
    runId: string;
    request: RunRequest;
    scans: ReadinessScanPage[];
    cursor: JudgeCursor;
    count: number;
  },
): Promise<{ cursor: ReadinessCursor; judged: number }> {
  const { runId, request, scans, cursor } = input;
  const targeted = scans.flatMap((s) => s.targeted);
  const names = targeted.slice(cursor.offset, cursor.offset + input.count);
  const settings = deps.settings.readiness;
  const context: ReadinessContext = {
    stage: settings.stage,
    stageFile: settings.stageFile,
    fleetInstanceRoles: settings.fleetInstanceRoles ?? [],
    managedTagValue: settings.managedTagValue,
  };
  const records = names.length === 0 ? [] : await deps.ledger.findGroupsNamed(runId, names);
  const descriptions =
    names.length === 0
      ? []
      : await deps.readiness.describeGroups({
          names,
          users: scans.flatMap((s) =>
            s.outside.map((u) => ({
              groupName: u.group,
              launchTemplateId: u.launchTemplateId,
              launchTemplateName: u.launchTemplateName,
              version: u.versionSpec,
              inRun: false,
            })),
          ),
          requestAlarms: request.health.alarms,
          alarmsTag: ALARMS_TAG,
          instances: Object.fromEntries(
            records.map((g) => [
              g.name,
              { withoutInventory: g.withoutInventory ?? [], notOnline: g.notOnline ?? [] },
            ]),
          ),
        });
  const entries = descriptions.map((d) => judgeGroup(withoutRoleWhenNoList(d, settings), context));
  // The plan judgement, on the last page, reads the plannable groups instead of every inventory item.
  const plannable = records.map((g) => ({
    name: g.name,
    instances: g.instanceIds.length,
    tags: ringOnly(g.tags),
  }));
  if (entries.length + plannable.length > 0)
    await deps.ledger.putJudgedChunk(runId, { offset: cursor.offset, entries, plannable });
  const missing = new Set(cursor.missingRequestAlarms);
  for (const d of descriptions)
    for (const a of d.alarms) if (a.namedBy === "request" && !a.exists) missing.add(a.name);
  const counts = {
    blocked: cursor.blocked + entries.filter((e) => e.level === "BLOCKED").length,
    warn: cursor.warn + entries.filter((e) => e.level === "WARN").length,
    missingRequestAlarms: [...missing].sort(),
  };
  const offset = cursor.offset + names.length;
  return {
    cursor: offset >= targeted.length ? { phase: "plan", ...counts } : { phase: "judge", offset, ...counts },
    judged: names.length,
  };
}

/** The one tag the planner reads (RING_TAG); the rest stay out of the item. */
function ringOnly(tags: Record<string, string>): Record<string, string> {
  const ring = tags[RING_TAG];
  return ring === undefined ? {} : { [RING_TAG]: ring };
}

/** Without a stage's list (a simulation without one), every role may be passed: no role to judge. */
function withoutRoleWhenNoList(
  d: GroupDescription,
  settings: FunctionDeps["settings"]["readiness"],
): GroupDescription {
  if (settings.fleetInstanceRoles !== null || d.launch.kind !== "launchTemplate") return d;
  return { ...d, launch: { ...d.launch, instanceProfileRole: null } };
}
