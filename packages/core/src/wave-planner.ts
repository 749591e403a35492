import { ceilDiv } from "./arithmetic";
import type { WaveSpec } from "./run-request";

/** The tag that puts a group in a ring: `fleet-upgrade:ring=canary`. */
export const RING_TAG = "fleet-upgrade:ring";

/** A targeted group as the planner needs it. Names are unique within a run. */
export interface PlannableGroup {
  name: string;
  instances: number;
  tags: Record<string, string>;
}

export interface PlannedWave {
  name: string;
  /** Group names, ascending. */
  groups: string[];
  /** Instances in those groups. */
  instances: number;
}

export interface WavePlan {
  /** One per requested wave, in request order; a wave may be empty. */
  waves: PlannedWave[];
  /** Groups no wave takes, ascending by name. */
  unplanned: string[];
}

const byName = (a: PlannableGroup, b: PlannableGroup): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

/**
 * Splits the targeted groups into the requested waves; every group lands in exactly one wave or in
 * `unplanned`, and the order of `groups` does not matter.
 *
 * - A `ring` wave takes the groups tagged `fleet-upgrade:ring=<ring>`. A group whose ring matches
 *   any ring wave of the request is kept for that wave: no percent wave takes it.
 * - A `percent` wave takes further groups in ascending name order while the instances of all waves
 *   so far stay below `ceil(total * percent / 100)`, total being every targeted instance. If it
 *   takes anything, it also takes every group with 0 instances still left. `percent: 100` takes
 *   everything left.
 *
 * @example
 * planWaves(
 *   [{ name: "a", instances: 2, tags: { "fleet-upgrade:ring": "canary" } },
 *    { name: "b", instances: 3, tags: {} }, { name: "c", instances: 5, tags: {} }],
 *   [{ name: "canary", ring: "canary" }, { name: "early", percent: 50 }, { name: "rest", percent: 100 }],
 * ) // waves: canary [a], early [b], rest [c]; unplanned: []
 */
export function planWaves(groups: ReadonlyArray<PlannableGroup>, waves: ReadonlyArray<WaveSpec>): WavePlan {
  const sorted = [...groups].sort(byName);
  const total = sorted.reduce((sum, g) => sum + g.instances, 0);
  const rings = new Set(waves.flatMap((w) => (w.ring === undefined ? [] : [w.ring])));
  const reserved = (g: PlannableGroup): boolean => {
    const ring = g.tags[RING_TAG];
    return ring !== undefined && rings.has(ring);
  };
  const assigned = new Set<PlannableGroup>();
  let cumulative = 0;

  const planned = waves.map((wave): PlannedWave => {
    const taken: PlannableGroup[] = [];
    const take = (g: PlannableGroup): void => {
      taken.push(g);
      assigned.add(g);
      cumulative += g.instances;
    };
    const free = (): PlannableGroup[] => sorted.filter((g) => !assigned.has(g) && !reserved(g));

    if (wave.ring !== undefined) {
      for (const g of sorted) if (!assigned.has(g) && g.tags[RING_TAG] === wave.ring) take(g);
    } else if (wave.percent !== undefined) {
      if (wave.percent >= 100) {
        for (const g of free()) take(g);
      } else {
        const target = ceilDiv(total * wave.percent, 100);
        if (cumulative < target) {
          const candidates = free();
          for (const g of candidates) if (g.instances === 0) take(g);
          for (const g of candidates) {
            if (cumulative >= target) break;
            if (g.instances > 0) take(g);
          }
        }
      }
    }
    taken.sort(byName);
    return {
      name: wave.name,
      groups: taken.map((g) => g.name),
      instances: taken.reduce((s, g) => s + g.instances, 0),
    };
  });

  return { waves: planned, unplanned: sorted.filter((g) => !assigned.has(g)).map((g) => g.name) };
}
