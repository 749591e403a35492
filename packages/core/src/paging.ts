/**
 * Work in pages (issue 11): no Lambda invocation makes more than a fixed number of AWS calls,
 * whatever the fleet's size. A task that has more to do returns a cursor and the state machine
 * invokes it again; what it did so far is in the ledger, never in the state.
 */

/** The most AWS calls one invocation of a paged task plans to make (Lambda, SDK and ledger calls alike). */
export const CALLS_PER_INVOCATION = 40;

/**
 * Where the page that starts at `from` ends (exclusive): as many items as fit in `budget` calls
 * by their `cost`, and at least one, so every page makes progress.
 *
 * @example
 * pageEnd([2, 2, 0, 2], 0, 4) // 3: the first two items cost 4, the third nothing
 * pageEnd([9], 0, 4)          // 1: one item, even over budget
 */
export function pageEnd(costs: ReadonlyArray<number>, from: number, budget: number): number {
  if (!Number.isInteger(from) || from < 0 || from > costs.length) {
    throw new RangeError(
      `cursor ${from} is not a position in ${costs.length} items (expected 0 to ${costs.length})`,
    );
  }
  let spent = 0;
  let end = from;
  while (end < costs.length) {
    const cost = costs[end] ?? 0;
    if (end > from && spent + cost > budget) break;
    spent += cost;
    end++;
  }
  return end;
}
