import { z } from "zod";
import type { TemplateUser } from "./ports";

/**
 * The preflight in pages (issue 11): no invocation reads every group of the account or describes
 * every targeted group. Three phases, each resumable from a small cursor:
 *
 * 1. `scan`: the account's groups, one DescribeAutoScalingGroups page (100) at a time; each page
 *    leaves one small ledger item: the targeted groups it holds and the groups outside the run that
 *    launch from a template at `$Latest`/`$Default` (what TEMPLATE_SHARED needs from the account).
 * 2. `judge`: the targeted groups, a few at a time: described, judged, one readiness item each.
 * 3. `plan`: the run-level findings (alarms the request names, the plan over all groups) and the
 *    verdict, from the ledger.
 */

const CountsSchema = {
  /** Targeted groups judged BLOCKED so far. */
  blocked: z.number().int().nonnegative(),
  /** Targeted groups judged WARN so far. */
  warn: z.number().int().nonnegative(),
  /** Alarms named by the request that a judged group found missing (at most the request's own list). */
  missingRequestAlarms: z.array(z.string()),
};

export const ReadinessCursorSchema = z.discriminatedUnion("phase", [
  z.object({
    phase: z.literal("scan"),
    /** The NextToken of the page to read; null for the first. */
    token: z.string().nullable(),
    /** The index of that page (its ledger item's key). */
    page: z.number().int().nonnegative(),
  }),
  z.object({
    phase: z.literal("judge"),
    /** Targeted groups already judged, in scan order. */
    offset: z.number().int().nonnegative(),
    ...CountsSchema,
  }),
  z.object({ phase: z.literal("plan"), ...CountsSchema }),
]);
export type ReadinessCursor = z.infer<typeof ReadinessCursorSchema>;

export const FIRST_READINESS_CURSOR: ReadinessCursor = { phase: "scan", token: null, page: 0 };

/** A group outside the run that would take a new version of the template it launches from. */
export const OutsideUserSchema = z.object({
  group: z.string(),
  launchTemplateId: z.string().nullable(),
  launchTemplateName: z.string().nullable(),
  versionSpec: z.string(),
});
export type OutsideUser = z.infer<typeof OutsideUserSchema>;

/** What one scan page leaves in the ledger: names only, at most a page (100 groups) of them. */
export const ReadinessScanPageSchema = z.object({
  /** Targeted groups of the page, in the account's order. */
  targeted: z.array(z.string()),
  outside: z.array(OutsideUserSchema),
});
export type ReadinessScanPage = z.infer<typeof ReadinessScanPageSchema>;

/**
 * Whether a new version of the template would reach this other group: it launches from `$Latest` or
 * `$Default` (a numbered version stays put) and the run does not target it.
 */
export function takesNewVersions(user: { versionSpec: string; inRun: boolean }): boolean {
  return !user.inRun && (user.versionSpec === "$Latest" || user.versionSpec === "$Default");
}

/** A scan page's record of the template users the run must know about (see {@link takesNewVersions}). */
export function outsideUsers(users: ReadonlyArray<TemplateUser & { inRun: boolean }>): OutsideUser[] {
  return users
    .filter((u) => takesNewVersions({ versionSpec: u.version, inRun: u.inRun }))
    .map((u) => ({
      group: u.groupName,
      launchTemplateId: u.launchTemplateId,
      launchTemplateName: u.launchTemplateName,
      versionSpec: u.version,
    }));
}

/** What the plan judgement needs of a targeted group (its inventory item holds far more: every instance id). */
export const PlannableGroupSchema = z.object({
  name: z.string(),
  instances: z.number().int().nonnegative(),
  tags: z.record(z.string(), z.string()),
});

/** Targeted groups judged together at most: one BatchWriteItem (25) takes their entries and their plannable item. */
export const JUDGE_CHUNK_MAX_GROUPS = 24;
/**
 * Calls of a chunk of groups besides the groups' own: their inventory items (one BatchGetItem), their
 * descriptions (one DescribeAutoScalingGroups), their templates (by id, by name), their alarms (one
 * DescribeAlarms while they name at most 100), their entries and what the plan judgement needs of
 * them written (one BatchWriteItem).
 */
export const JUDGE_CHUNK_OVERHEAD_CALLS = 6;
/** Calls one group may cost at most: its newest refreshes, its template version, its instance profile. */
export const JUDGE_CALLS_PER_GROUP = 3;
/** Calls of a scan page: the group page and its ledger item. */
export const SCAN_PAGE_CALLS = 2;
/** Calls of the last phase: the chunks' plannable groups read (one Query per MB) and the verdict written. */
export const PLAN_PHASE_CALLS = 3;

/**
 * Targeted groups the next chunk may take with `remaining` calls left in the invocation: 0 when
 * not even one fits (the caller still takes one when the invocation has done nothing yet).
 *
 * @example
 * judgeChunkSize(38) // 10: 6 + 10 * 3 = 36
 * judgeChunkSize(8)  // 0
 */
export function judgeChunkSize(remaining: number): number {
  const fits = Math.floor((remaining - JUDGE_CHUNK_OVERHEAD_CALLS) / JUDGE_CALLS_PER_GROUP);
  return Math.max(0, Math.min(JUDGE_CHUNK_MAX_GROUPS, fits));
}

/** Calls a chunk of `groups` targeted groups may cost. */
export function judgeChunkCalls(groups: number): number {
  return JUDGE_CHUNK_OVERHEAD_CALLS + JUDGE_CALLS_PER_GROUP * groups;
}
