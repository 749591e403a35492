import { z } from "zod";
import { FleetUpgradeError } from "./errors";
import {
  alarmFindings,
  instanceFindings,
  list,
  q,
  shellQuote,
  templateFindings,
  userDataFindings,
} from "./readiness-findings";
import type { WaveSpec } from "./run-request";
import type { StageConfig } from "./stage";
import { closestName, oneOf } from "./validation";
import { type PlannableGroup, RING_TAG, type WavePlan } from "./wave-planner";

/**
 * Readiness, before anything changes (CONTRACTS.md section 2): every targeted group judged from a
 * plain description of it, and the plan itself. Pure: the handler that gathers the description
 * (DescribeAutoScalingGroups, DescribeLaunchTemplateVersions, DescribeAlarms, SSM) calls
 * {@link judgeReadiness} and acts on its answer.
 */

/** The fixed vocabulary and each code's level (CONTRACTS.md section 2, "Readiness codes"). */
export const READINESS_CODES = {
  LAUNCH_CONFIGURATION: "BLOCKED",
  TEMPLATE_UNTAGGED: "BLOCKED",
  TEMPLATE_SHARED: "BLOCKED",
  FOREIGN_REFRESH: "BLOCKED",
  ROLE_NOT_PASSABLE: "BLOCKED",
  ALARM_MISSING: "BLOCKED",
  ALARM_FIRING: "BLOCKED",
  ALARM_INSUFFICIENT_DATA: "WARN",
  TOO_MANY_ALARMS: "WARN",
  METRICS_COLLECTION_OFF: "WARN",
  NO_INVENTORY: "WARN",
  SSM_OFFLINE: "WARN",
  USER_DATA_AL2: "WARN",
  WAVE_EMPTY: "WARN",
} as const;
export type ReadinessCode = keyof typeof READINESS_CODES;

export const ReadinessLevelSchema = oneOf(["READY", "WARN", "BLOCKED"]);
export type ReadinessLevel = z.infer<typeof ReadinessLevelSchema>;

export const ReadinessCodeSchema = oneOf(Object.keys(READINESS_CODES) as [ReadinessCode, ...ReadinessCode[]]);

export const ReadinessFindingSchema = z.object({
  code: ReadinessCodeSchema,
  /** What is wrong, naming the values. */
  message: z.string({ error: "a string" }),
  /** A console step or a CLI command a person can follow. */
  remedy: z.string({ error: "a string" }),
});
export type ReadinessFinding = z.infer<typeof ReadinessFindingSchema>;

export const GroupReadinessSchema = z.object({
  /** The group judged; null for a run-level entry (WAVE_EMPTY, an alarm the request names). */
  group: z.string({ error: "a group name or null" }).nullable(),
  /** The worst level of its findings; READY without findings. */
  level: ReadinessLevelSchema,
  findings: z.array(ReadinessFindingSchema, { error: "a list of findings" }),
});
export type GroupReadiness = z.infer<typeof GroupReadinessSchema>;

const RANK: Record<ReadinessLevel, number> = { READY: 0, WARN: 1, BLOCKED: 2 };

/** The worse of two levels. */
export function worseLevel(a: ReadinessLevel, b: ReadinessLevel): ReadinessLevel {
  return RANK[a] >= RANK[b] ? a : b;
}

/** A list's level: the worst of its findings' code levels; READY when empty. */
export function levelOf(findings: ReadonlyArray<Pick<ReadinessFinding, "code">>): ReadinessLevel {
  let level: ReadinessLevel = "READY";
  for (const f of findings) level = worseLevel(level, READINESS_CODES[f.code]);
  return level;
}

/** One alarm a group is watched by, as CloudWatch answers for it. */
export interface AlarmDescription {
  name: string;
  /** false: DescribeAlarms does not know it. */
  exists: boolean;
  /** StateValue; null when it does not exist. */
  state: "OK" | "ALARM" | "INSUFFICIENT_DATA" | null;
  /** Where it was named: `health.alarms` of the request, or the group's `fleet-upgrade:alarms` tag. */
  namedBy: "request" | "tag";
}

/** The launch template of a group, as the preflight reads it. */
export interface TemplateDescription {
  kind: "launchTemplate";
  id: string;
  name: string;
  /** The version the group names: "3", "$Latest" or "$Default". */
  versionSpec: string;
  tags: Record<string, string>;
  /** The instance profile the template names (its name); null or absent when it names none. */
  instanceProfile?: string | null;
  /** The role that instance profile holds (IAM GetInstanceProfile); null when it names none. */
  instanceProfileRole: string | null;
  /** `UserData` of the version the group launches from (base64, as EC2 returns it); null when none. */
  userData: string | null;
}

/** Everything readiness needs to know about one targeted group. */
export interface GroupDescription {
  group: string;
  launch: TemplateDescription | { kind: "launchConfiguration"; name: string };
  /** Other groups using the same launch template, with the version they name and whether the run targets them. */
  sharedWith: ReadonlyArray<{ group: string; versionSpec: string; inRun: boolean }>;
  /** Refreshes Pending, InProgress, Cancelling, RollbackInProgress or Baking that this run did not start. */
  foreignRefreshes: ReadonlyArray<{ instanceRefreshId: string; status: string }>;
  alarms: ReadonlyArray<AlarmDescription>;
  /** Whether group metrics collection is enabled (DescribeAutoScalingGroups `EnabledMetrics` non-empty). */
  metricsCollectionEnabled: boolean;
  /** In-service instances without SSM inventory data. */
  instancesWithoutInventory: ReadonlyArray<string>;
  /** In-service instances whose SSM PingStatus is not Online (missing from SSM counts). */
  instancesNotOnline: ReadonlyArray<{ instanceId: string; pingStatus: string | null }>;
}

/** What the stage contributes. */
export interface ReadinessContext {
  /** The SST stage deployed, e.g. "prod". */
  stage: string;
  /** The stage file a person edits, e.g. "stacks/prod.ts" (a personal stage may use stacks/dev.ts). */
  stageFile: string;
  /** `fleetInstanceRoles` of the stage. */
  fleetInstanceRoles: ReadonlyArray<string>;
  /** `managedTagValue` of the stage (default "true"). */
  managedTagValue: string;
}

/** The stage's part of the judgement, from its config and the stage file a person edits. */
export function readinessContextOf(
  stage: string,
  stageFile: string,
  config: Pick<StageConfig, "fleetInstanceRoles" | "managedTagValue">,
): ReadinessContext {
  return {
    stage,
    stageFile,
    fleetInstanceRoles: [...config.fleetInstanceRoles],
    managedTagValue: config.managedTagValue,
  };
}

/** The plan as the preflight sees it: the requested waves, what the planner made of them. */
export interface PlanDescription {
  waves: ReadonlyArray<WaveSpec>;
  plan: WavePlan;
  /** The targeted groups, with their tags (to suggest the ring a mistyped one meant). */
  groups: ReadonlyArray<PlannableGroup>;
  allowEmptyFirstWave: boolean;
}

/** The preflight's answer. */
export interface ReadinessReport {
  /** One entry per targeted group (ascending by name), then the run-level entries (`group: null`). */
  readiness: GroupReadiness[];
  /** Groups a real run must not touch: they end SKIPPED with {@link skipReason}. */
  blocked: string[];
  /** Why the run must fail before any change (an alarm the request names is missing, an empty first wave); null: it may go on. */
  refusal: string | null;
}

/** The run fails before any change: `message` says why (Step Functions matches the name). */
export class RunNotReadyError extends FleetUpgradeError {
  override readonly name = "RunNotReadyError";
}

/** One targeted group's readiness: findings in the table's order, level the worst of them. */
export function judgeGroup(d: GroupDescription, ctx: ReadinessContext): GroupReadiness {
  const findings = [
    ...templateFindings(d, ctx),
    ...alarmFindings(d),
    ...instanceFindings(d),
    ...userDataFindings(d),
  ];
  return { group: d.group, level: levelOf(findings), findings };
}

/**
 * The plan's own findings (run level, `group: null`): every ring wave that matches no group
 * (`WAVE_EMPTY`), and an empty first wave whatever its kind. Returns the refusal when the first wave
 * is empty and `allowEmptyFirstWave` is not set; a plan with no group at all is not refused here
 * (there is nothing to change).
 */
export function judgePlan(p: PlanDescription): { findings: ReadinessFinding[]; refusal: string | null } {
  const findings: ReadinessFinding[] = [];
  let refusal: string | null = null;
  const anyGroup = p.plan.waves.some((w) => w.groups.length > 0);
  const rings = [
    ...new Set(p.groups.flatMap((g) => (g.tags[RING_TAG] === undefined ? [] : [g.tags[RING_TAG]]))),
  ];
  p.waves.forEach((spec, index) => {
    const planned = p.plan.waves[index];
    if (planned === undefined || planned.groups.length > 0) return;
    const first = index === 0;
    if (spec.ring === undefined && !(first && anyGroup)) return;
    const what =
      spec.ring === undefined
        ? `wave ${spec.name} (percent ${spec.percent})`
        : `wave ${spec.name} (ring ${spec.ring})`;
    const meant = spec.ring === undefined ? null : closestName(spec.ring, rings);
    const cause =
      spec.ring === undefined
        ? "takes no group"
        : `matches no group: no targeted group is tagged ${RING_TAG}=${spec.ring}${meant !== null && meant !== spec.ring ? ` (did you mean ${q(meant)}? groups carry ${RING_TAG}=${meant})` : ""}`;
    const consequence = first ? "; the first wave is empty, so there is no canary" : "";
    findings.push({
      code: "WAVE_EMPTY",
      message: `${what} ${cause}${consequence}`,
      remedy:
        spec.ring === undefined
          ? `check rollout.waves: earlier waves take every group, or none is targeted`
          : `fix the ring in rollout.waves[${index}].ring${meant !== null ? ` (${q(meant)}?)` : ""}, or tag the canary groups: aws autoscaling create-or-update-tags --tags ResourceId=<group>,ResourceType=auto-scaling-group,Key=${RING_TAG},Value=${shellQuote(spec.ring)},PropagateAtLaunch=false${first ? "; to go on without a canary set rollout.allowEmptyFirstWave: true" : ""}`,
    });
    if (first && anyGroup && !p.allowEmptyFirstWave) {
      refusal = `the first wave, ${what}, ${cause}: no canary, so the run stops before any change (set rollout.allowEmptyFirstWave: true to go on without one)`;
    }
  });
  return { findings, refusal };
}

/**
 * The whole preflight: each group judged, the plan judged, and the run's verdict. The run FAILS
 * before any change (`refusal`) when an alarm named by the request does not exist, or when the first
 * wave is empty and `allowEmptyFirstWave` is not true. BLOCKED groups are listed in `blocked`.
 */
export function judgeReadiness(input: {
  groups: ReadonlyArray<GroupDescription>;
  plan: PlanDescription;
  context: ReadinessContext;
}): ReadinessReport {
  const groups = [...input.groups].sort((a, b) => byGroupName(a.group, b.group));
  const readiness = groups.map((g) => judgeGroup(g, input.context));
  const missingRequestAlarms = [
    ...new Set(
      groups.flatMap((g) => g.alarms.filter((a) => a.namedBy === "request" && !a.exists).map((a) => a.name)),
    ),
  ];
  const run = judgeRun({ missingRequestAlarms, plan: input.plan });
  readiness.push(...run.readiness);
  return {
    readiness,
    blocked: readiness.filter((r) => r.group !== null && r.level === "BLOCKED").map((r) => r.group as string),
    refusal: run.refusal,
  };
}

/** The order of a readiness list's group entries: ascending by name (UTF-16 code units). */
export function byGroupName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The run-level entries (`group: null`) and the refusal: alarms named by the request that do not
 * exist (pass none when no group is targeted: nothing watches them), then the plan's own findings.
 * A preflight in pages judges its groups page by page and the run once, with this.
 */
export function judgeRun(input: { missingRequestAlarms: ReadonlyArray<string>; plan: PlanDescription }): {
  readiness: GroupReadiness[];
  refusal: string | null;
} {
  const runFindings: ReadinessFinding[] = [];
  const refusals: string[] = [];
  const missing = [...new Set(input.missingRequestAlarms)].sort();
  if (missing.length > 0) {
    const message = `alarm${missing.length === 1 ? "" : "s"} ${list(missing)} named by the request (health.alarms) ${missing.length === 1 ? "does" : "do"} not exist`;
    runFindings.push({
      code: "ALARM_MISSING",
      message,
      remedy: `create ${missing.length === 1 ? "it" : "them"} (CloudWatch console > Alarms > Create alarm) or remove ${missing.length === 1 ? "it" : "them"} from health.alarms; list what exists: aws cloudwatch describe-alarms --query 'MetricAlarms[].AlarmName'`,
    });
    refusals.push(`${message}: the run stops before any change`);
  }
  const plan = judgePlan(input.plan);
  runFindings.push(...plan.findings);
  if (plan.refusal !== null) refusals.push(plan.refusal);
  return {
    readiness: runFindings.map((f) => ({ group: null, level: READINESS_CODES[f.code], findings: [f] })),
    refusal: refusals.length === 0 ? null : refusals.join("; "),
  };
}

/** The reason a BLOCKED group ends SKIPPED with: its codes, then the first message. */
export function skipReason(entry: GroupReadiness): string {
  const blocking = entry.findings.filter((f) => READINESS_CODES[f.code] === "BLOCKED");
  const codes = blocking.map((f) => f.code).join(", ");
  return `not ready (${codes}): ${blocking[0]?.message ?? ""}`;
}

/** Throws {@link RunNotReadyError} when the report refuses the run. */
export function assertRunMayStart(report: ReadinessReport): void {
  if (report.refusal !== null) throw new RunNotReadyError(report.refusal);
}
