import { RefreshEventSchema } from "@fleet-upgrade/core";
import { z } from "zod";

/**
 * The JSON that flows between the Task states (small on purpose: ids, names, counts; the rest
 * lives in the ledger). Each task parses its input with these schemas.
 */

export const ErrorOutputSchema = z.object({ Error: z.string(), Cause: z.string().optional() });
export type ErrorOutput = z.infer<typeof ErrorOutputSchema>;

export const RunStateSchema = z.looseObject({
  runId: z.string(),
  dryRun: z.boolean().optional(),
  hardens: z.boolean().optional(),
});
export type RunState = z.infer<typeof RunStateSchema>;

export const WaveRefSchema = z.object({ index: z.number().int().nonnegative(), name: z.string() });
export type WaveRef = z.infer<typeof WaveRefSchema>;

/** Regressions found on the earlier pages of one bake look: enough to name them in the halt's reason. */
export const BakeFoundSchema = z.object({
  count: z.number().int().positive(),
  first: z.object({ name: z.string(), verdict: z.string() }),
  /** The next few regressed groups after the first, in wave order. */
  also: z.array(z.string()),
});
export type BakeFound = z.infer<typeof BakeFoundSchema>;

export const WaveStateSchema = z.looseObject({
  runId: z.string(),
  wave: WaveRefSchema,
  /** `rollout` the first pass over a wave's groups; `revert` a pass that reverts upgraded groups. */
  mode: z.enum(["rollout", "revert"]).optional(),
  bakeSeconds: z.number().optional(),
  bake: z
    .object({
      done: z.boolean(),
      waitSeconds: z.number(),
      remainingSeconds: z.number(),
      /** Where the next page of the same look starts (an index into the wave's groups); absent on the last. */
      cursor: z.number().int().nonnegative().optional(),
      /** Regressions the earlier pages of this look found. */
      found: BakeFoundSchema.optional(),
    })
    .optional(),
});
export type WaveState = z.infer<typeof WaveStateSchema>;

export const GroupStateSchema = z.looseObject({
  runId: z.string(),
  wave: z.string(),
  group: z.string(),
  mode: z.enum(["rollout", "revert"]).optional(),
  phase: z.enum(["waiting", "done"]).optional(),
  instanceRefreshId: z.string().optional(),
  pollAfterSeconds: z.number().int().positive().optional(),
  /** The checkpoint the refresh last stopped at (null: none yet). */
  lastCheckpoint: z.number().nullable().optional(),
  /** Set once the group asked for its changes to be reverted. */
  rollingBack: z.boolean().optional(),
  event: RefreshEventSchema.optional(),
  health: z.object({ healthy: z.boolean(), verdict: z.string().nullable() }).optional(),
  /**
   * The regression judge's pending look at a checkpoint: reached at `from`, judged again after
   * `waitSeconds` (0 once judged).
   */
  analysisWait: z
    .object({
      checkpoint: z.number().nullable(),
      from: z.string(),
      waitSeconds: z.number().int().nonnegative(),
    })
    .optional(),
  verify: z
    .object({
      done: z.boolean(),
      waitSeconds: z.number(),
      rounds: z.number().int(),
      commands: z.array(z.object({ instanceId: z.string(), commandId: z.string() })),
    })
    .optional(),
  error: ErrorOutputSchema.optional(),
  timeout: z.unknown().optional(),
});
export type GroupState = z.infer<typeof GroupStateSchema>;

/** The one-sentence message of a caught error: Lambda's Cause is JSON with errorMessage. */
export function errorMessageOf(error: ErrorOutput): string {
  if (!error.Cause) return error.Error;
  try {
    const cause = JSON.parse(error.Cause) as { errorMessage?: unknown };
    if (typeof cause.errorMessage === "string") return cause.errorMessage;
  } catch {
    // Not JSON: a Step Functions error such as States.Timeout carries plain text.
  }
  return error.Cause;
}
