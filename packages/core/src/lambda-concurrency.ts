/**
 * Lambda concurrency a run needs at once, against what the account leaves unreserved. CONTRACTS.md
 * section 2 has no readiness code for it (the vocabulary is fixed), so `plan` reports it as a note.
 *
 * A new account's concurrency quota can be as low as 10 ("Lambda quotas",
 * https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html); functions without reserved
 * concurrency share the account's unreserved pool, which GetAccountSettings reports as
 * `AccountLimit.UnreservedConcurrentExecutions`
 * (https://docs.aws.amazon.com/lambda/latest/api/API_GetAccountSettings.html).
 */

/**
 * Executions one group in flight may hold at once: its branch runs one task at a time, and its
 * refresh-event callback (invoked by EventBridge) can run beside it.
 */
export const EXECUTIONS_PER_PARALLEL_GROUP = 2;
/** Functions that may run at any moment of a run whatever its size: the status API and the new-image check. */
export const EXECUTIONS_BESIDE_GROUPS = 2;

export interface ConcurrencyNeed {
  /** Groups in flight at once: `maxParallelGroups`, or fewer when no wave has that many. */
  parallelGroups: number;
  /** Concurrent executions the run may need at its widest. */
  executions: number;
}

/**
 * What a run may need at once, from its `maxParallelGroups` and the number of groups in each wave.
 *
 * @example
 * concurrencyNeed(10, [2, 30]) // { parallelGroups: 10, executions: 22 }
 */
export function concurrencyNeed(
  maxParallelGroups: number,
  waveSizes: ReadonlyArray<number>,
): ConcurrencyNeed {
  const parallelGroups = Math.min(maxParallelGroups, Math.max(0, ...waveSizes));
  return {
    parallelGroups,
    executions: EXECUTIONS_PER_PARALLEL_GROUP * parallelGroups + EXECUTIONS_BESIDE_GROUPS,
  };
}

/**
 * The line `plan` prints about Lambda concurrency: a warning, with what to do, when the account's
 * unreserved concurrency is below what the run may need; otherwise the two figures.
 */
export function concurrencyNote(input: {
  unreserved: number;
  region: string;
  maxParallelGroups: number;
  waveSizes: ReadonlyArray<number>;
}): { level: "OK" | "WARN"; text: string } {
  const need = concurrencyNeed(input.maxParallelGroups, input.waveSizes);
  const figures = `${input.unreserved} unreserved concurrent executions in ${input.region}; the run may need ${need.executions} at once (${need.parallelGroups} groups in parallel x ${EXECUTIONS_PER_PARALLEL_GROUP} + ${EXECUTIONS_BESIDE_GROUPS})`;
  if (input.unreserved >= need.executions) return { level: "OK", text: `Lambda concurrency: ${figures}` };
  const fits = Math.max(
    1,
    Math.floor((input.unreserved - EXECUTIONS_BESIDE_GROUPS) / EXECUTIONS_PER_PARALLEL_GROUP),
  );
  return {
    level: "WARN",
    text: `WARN Lambda concurrency: ${figures}. Throttled tasks are retried for about a minute, then the group fails. Set rollout.maxParallelGroups to ${fits} or less, or ask for more: Service Quotas console > AWS Lambda > Concurrent executions (aws service-quotas request-service-quota-increase --service-code lambda --quota-code L-B99A9384 --desired-value 1000)`,
  };
}
