import type { GroupRecord } from "./fleet";
import {
  groupLowerBoundSeconds,
  type HardeningDurationsInput,
  type RefreshPacing,
  runLowerBoundSeconds,
  waveLowerBoundSeconds,
} from "./lower-bound";
import type { RunRequest } from "./run-request";

/**
 * `estimate.seconds` of the run result (CONTRACTS.md section 2): the expected duration of a run from
 * its plan, built on the lower bound of lower-bound.ts (the same formula the simulator is measured
 * against) plus the bakes; and, while a run is going, the time left from its progress.
 */

/** What pacing one group's refresh needs. */
export interface EstimateGroup {
  /** Instances to replace (the group's desired capacity). */
  desired: number;
  /** Seconds for one instance to launch (stage `tuning.launchEstimateSeconds` outside simulation). */
  launchSeconds: number;
  /** The group's own warmup (`DefaultInstanceWarmup`, else stage `tuning.warmupEstimateSeconds`). */
  warmupSeconds: number;
}

/** The rollout settings the estimate reads. */
export type EstimateRollout = RefreshPacing &
  Pick<RunRequest["rollout"], "maxParallelGroups" | "bakeSeconds">;

/**
 * Hardening bake durations when nothing better is known: the scenario file's defaults (CONTRACTS.md
 * section 3), which the real builder's STIG and FIPS steps resemble.
 */
export const DEFAULT_HARDENING_ESTIMATE: HardeningDurationsInput = {
  builderLaunchSeconds: 90,
  stigSeconds: 600,
  fipsSeconds: 60,
  rebootSeconds: 60,
  imageSeconds: 300,
};

function hardeningSeconds(h: HardeningDurationsInput): number {
  return h.builderLaunchSeconds + h.stigSeconds + h.fipsSeconds + h.rebootSeconds + h.imageSeconds;
}

function boundOf(
  name: string,
  groups: Readonly<Record<string, EstimateGroup>>,
  rollout: RefreshPacing,
): number {
  const group = groups[name];
  return group === undefined ? 0 : groupLowerBoundSeconds(group, rollout);
}

/**
 * A dry run's `estimate.seconds`: the plan's lower bound (each wave's groups refreshed over
 * `maxParallelGroups` lanes), the bake between consecutive non-empty waves, and one hardening bake
 * when the request hardens. Groups a wave names but `groups` lacks count as empty.
 *
 * @example
 * estimateRunSeconds({ waves: [["web"]], groups: { web: { desired: 10, launchSeconds: 60, warmupSeconds: 120 } },
 *   rollout, hardening: DEFAULT_HARDENING_ESTIMATE, hardens: false }) // = groupLowerBoundSeconds(web)
 */
export function estimateRunSeconds(input: {
  /** Group names of each wave, in order (`WavePlan.waves[].groups`). */
  waves: ReadonlyArray<ReadonlyArray<string>>;
  groups: Readonly<Record<string, EstimateGroup>>;
  rollout: EstimateRollout;
  hardening: HardeningDurationsInput;
  hardens: boolean;
}): number {
  return runLowerBoundSeconds({
    waves: input.waves.map((names) => names.map((n) => boundOf(n, input.groups, input.rollout))),
    rollout: input.rollout,
    hardening: input.hardening,
    hardens: input.hardens,
  });
}

/** How far one group has come. */
export interface GroupRefreshProgress {
  name: string;
  /** Its refresh ended (whatever the outcome): nothing left. */
  done: boolean;
  /** Share of its instances replaced so far, 0-100 (`PercentageComplete` of its refresh). */
  percentReplaced: number;
}

/**
 * One group's time left: its refresh's lower bound scaled by the share of instances not yet
 * replaced (0-100, clamped). The whole bound at 0 %, nothing at 100 %.
 *
 * @example
 * groupTimeLeftSeconds({ desired: 10, launchSeconds: 60, warmupSeconds: 120 }, rollout, 50) // half the bound
 */
export function groupTimeLeftSeconds(
  group: EstimateGroup,
  rollout: RefreshPacing,
  percentReplaced: number,
): number {
  const share = 1 - Math.min(100, Math.max(0, percentReplaced)) / 100;
  return groupLowerBoundSeconds(group, rollout) * share;
}

/**
 * Time left while a run is going: each group's bound scaled by what it has left, waves combined as
 * in the estimate, the bakes before waves not yet started (less `bakeElapsedSeconds` of the current
 * one), and the hardening bake unless done. With no progress it equals {@link estimateRunSeconds};
 * with every group done and no bake pending it is 0; more progress never adds time.
 */
export function timeLeftSeconds(input: {
  /** Progress of each wave's groups, in plan order. */
  waves: ReadonlyArray<ReadonlyArray<GroupRefreshProgress>>;
  groups: Readonly<Record<string, EstimateGroup>>;
  rollout: EstimateRollout;
  hardening: HardeningDurationsInput;
  hardens: boolean;
  hardeningDone: boolean;
  /** Seconds already spent in the bake now under way (0 when none). */
  bakeElapsedSeconds?: number;
}): number {
  const { rollout } = input;
  let seconds = input.hardens && !input.hardeningDone ? hardeningSeconds(input.hardening) : 0;
  const started = (wave: ReadonlyArray<GroupRefreshProgress>): boolean =>
    wave.some((g) => g.done || g.percentReplaced > 0);
  let seenNonEmpty = false;
  let bakeElapsed = Math.max(0, input.bakeElapsedSeconds ?? 0);
  for (const wave of input.waves) {
    if (wave.length === 0) continue;
    // The bake before this wave is still ahead while the wave has not started.
    if (seenNonEmpty && !started(wave)) {
      const taken = Math.min(bakeElapsed, rollout.bakeSeconds);
      seconds += rollout.bakeSeconds - taken;
      bakeElapsed = 0;
    }
    seenNonEmpty = true;
    const left = wave.map((g) => {
      if (g.done) return 0;
      const group = input.groups[g.name];
      return group === undefined ? 0 : groupTimeLeftSeconds(group, rollout, g.percentReplaced);
    });
    seconds += waveLowerBoundSeconds(left, rollout.maxParallelGroups);
  }
  return seconds;
}

/**
 * The estimate's view of inventoried groups outside simulation: desired capacity, the stage's launch
 * estimate, and the group's `DefaultInstanceWarmup` or else the stage's warmup estimate.
 */
export function estimateGroupsOf(
  groups: ReadonlyArray<Pick<GroupRecord, "name" | "desired" | "defaultInstanceWarmup">>,
  tuning: { launchEstimateSeconds: number; warmupEstimateSeconds: number },
): Record<string, EstimateGroup> {
  return Object.fromEntries(
    groups.map((g) => [
      g.name,
      {
        desired: g.desired,
        launchSeconds: tuning.launchEstimateSeconds,
        warmupSeconds: g.defaultInstanceWarmup ?? tuning.warmupEstimateSeconds,
      },
    ]),
  );
}
