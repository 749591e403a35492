import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { RefreshState } from "../../src/fleet";
import { groupLowerBoundSeconds, type RefreshPacing, refreshSegments } from "../../src/lower-bound";
import {
  abortEvent,
  estimateReachedAtMs,
  expectedSecondsFromStart,
  expectedSecondsToNextStop,
  onExpectedPace,
  type PacingEstimate,
  pollAfterSeconds,
  RefreshEventSchema,
  refreshEventFromEventBridge,
  refreshEventFromState,
} from "../../src/refresh-progress";

const DETAIL = { InstanceRefreshId: "r-1", AutoScalingGroupName: "web" };

describe("refreshEventFromEventBridge", () => {
  it("reads Checkpoint Reached as a checkpoint, parsing the percentage AWS sends as a string", () => {
    expect(
      refreshEventFromEventBridge("EC2 Auto Scaling Instance Refresh Checkpoint Reached", {
        ...DETAIL,
        CheckpointPercentage: "50",
      }),
    ).toEqual({
      kind: "checkpoint",
      instanceRefreshId: "r-1",
      checkpoint: 50,
      percentage: null,
      source: "event",
      reason: null,
    });
  });

  it("keeps a checkpoint event whose percentage is not a number, without a checkpoint", () => {
    const event = refreshEventFromEventBridge("EC2 Auto Scaling Instance Refresh Checkpoint Reached", {
      ...DETAIL,
      CheckpointPercentage: "half",
    });
    expect(event?.kind).toBe("checkpoint");
    expect(event?.checkpoint).toBeNull();
  });

  it.each([
    ["Succeeded", "succeeded", null],
    ["Failed", "failed", null],
    ["Cancelled", "cancelled", null],
    ["Rollback Succeeded", "rolled-back", null],
    ["Rollback Failed", "failed", null],
  ] as const)(
    "reads %s as a %s event from EventBridge, with no reason of its own (Auto Scaling has it)",
    (what, kind, reason) => {
      const event = refreshEventFromEventBridge(`EC2 Auto Scaling Instance Refresh ${what}`, DETAIL);
      expect(event).toMatchObject({
        kind,
        instanceRefreshId: "r-1",
        source: "event",
        reason,
        checkpoint: null,
      });
      expect(RefreshEventSchema.parse(event)).toEqual(event);
    },
  );

  it("reports a succeeded refresh as 100% complete", () => {
    expect(
      refreshEventFromEventBridge("EC2 Auto Scaling Instance Refresh Succeeded", DETAIL)?.percentage,
    ).toBe(100);
  });

  it.each(["Started", "Rollback Started"])("gives nothing for %s: nothing waits on it", (what) => {
    expect(refreshEventFromEventBridge(`EC2 Auto Scaling Instance Refresh ${what}`, DETAIL)).toBeNull();
  });

  it("gives nothing for other detail types and unknown refresh detail types", () => {
    expect(refreshEventFromEventBridge("EC2 Instance Launch Successful", DETAIL)).toBeNull();
    expect(refreshEventFromEventBridge("EC2 Auto Scaling Instance Refresh Paused", DETAIL)).toBeNull();
    expect(refreshEventFromEventBridge("AWS API Call via CloudTrail", DETAIL)).toBeNull();
  });

  it("gives nothing for an event without a refresh id", () => {
    expect(refreshEventFromEventBridge("EC2 Auto Scaling Instance Refresh Succeeded", {})).toBeNull();
  });
});

const state = (over: Partial<RefreshState>): RefreshState => ({
  instanceRefreshId: "r-1",
  groupName: "web",
  status: "InProgress",
  statusReason: null,
  percentageComplete: 0,
  instancesToUpdate: 10,
  startTime: "2026-11-21T09:00:00Z",
  endTime: null,
  ...over,
});

describe("refreshEventFromState", () => {
  it("reports a Successful refresh as succeeded, with its percentage, from a poll", () => {
    expect(
      refreshEventFromState(state({ status: "Successful", percentageComplete: 100 }), [20, 50], []),
    ).toEqual({
      kind: "succeeded",
      instanceRefreshId: "r-1",
      checkpoint: null,
      percentage: 100,
      source: "poll",
      reason: null,
    });
  });

  it.each(["Failed", "RollbackFailed"] as const)("reports %s as failed with AWS's reason", (status) => {
    const event = refreshEventFromState(state({ status, statusReason: "launch failed: quota" }), [20], []);
    expect(event.kind).toBe("failed");
    expect(event.reason).toBe("launch failed: quota");
  });

  it.each(["Failed", "RollbackFailed"] as const)("names the status %s when AWS gives no reason", (status) => {
    expect(refreshEventFromState(state({ status }), [20], []).reason).toBe(
      `the instance refresh is ${status}`,
    );
  });

  it("reports Cancelled as cancelled, with AWS's reason or a sentence of its own", () => {
    expect(
      refreshEventFromState(state({ status: "Cancelled", statusReason: "by hand" }), [], []),
    ).toMatchObject({
      kind: "cancelled",
      reason: "by hand",
    });
    expect(refreshEventFromState(state({ status: "Cancelled" }), [], []).reason).toBe(
      "the instance refresh was cancelled",
    );
  });

  it("reports RollbackSuccessful as rolled back", () => {
    expect(refreshEventFromState(state({ status: "RollbackSuccessful" }), [20], []).kind).toBe("rolled-back");
  });

  it("reports the largest checkpoint reached and not yet evaluated", () => {
    const event = refreshEventFromState(state({ percentageComplete: 60 }), [20, 50, 80], []);
    expect(event).toMatchObject({ kind: "checkpoint", checkpoint: 50, percentage: 60, source: "poll" });
  });

  it("reports a checkpoint reached exactly", () => {
    expect(refreshEventFromState(state({ percentageComplete: 20 }), [20, 50], []).checkpoint).toBe(20);
  });

  it("reports in-progress before the first checkpoint", () => {
    expect(refreshEventFromState(state({ percentageComplete: 19 }), [20, 50], []).kind).toBe("in-progress");
  });

  it("reports in-progress once every checkpoint reached has been evaluated", () => {
    const event = refreshEventFromState(state({ percentageComplete: 60 }), [20, 50, 80], [20, 50]);
    expect(event).toMatchObject({ kind: "in-progress", checkpoint: null });
  });

  it("reports an unevaluated checkpoint even when a later one was evaluated", () => {
    expect(refreshEventFromState(state({ percentageComplete: 60 }), [20, 50], [50]).checkpoint).toBe(20);
  });

  it("never reports a checkpoint while the group rolls back", () => {
    const event = refreshEventFromState(state({ percentageComplete: 60 }), [20, 50], [], true);
    expect(event.kind).toBe("in-progress");
  });

  it.each(["Pending", "Cancelling", "RollbackInProgress", "Baking"] as const)(
    "reports %s as in-progress, even past a checkpoint",
    (status) => {
      expect(refreshEventFromState(state({ status, percentageComplete: 60 }), [20, 50], []).kind).toBe(
        "in-progress",
      );
    },
  );

  it("still reports an end while the group rolls back", () => {
    expect(refreshEventFromState(state({ status: "RollbackSuccessful" }), [20], [], true).kind).toBe(
      "rolled-back",
    );
  });
});

const ROLLOUT: RefreshPacing = {
  checkpoints: [20, 50],
  checkpointDelaySeconds: 600,
  minHealthyPercentage: 90,
  maxHealthyPercentage: 110,
  instanceWarmupSeconds: null,
};
// N=10: segments 2, 3, 5; batch 2; 60 + 120 s per batch.
const PACING: PacingEstimate = { desired: 10, launchSeconds: 60, warmupSeconds: 120 };

describe("expectedSecondsToNextStop", () => {
  it("counts the first segment from the start, without a pause", () => {
    expect(expectedSecondsToNextStop(PACING, ROLLOUT, null)).toBe(180);
  });

  it("counts the pause and the next segment after a checkpoint", () => {
    expect(expectedSecondsToNextStop(PACING, ROLLOUT, 20)).toBe(600 + 2 * 180);
    expect(expectedSecondsToNextStop(PACING, ROLLOUT, 50)).toBe(600 + 3 * 180);
  });

  it("expects no further stop past the last segment", () => {
    expect(expectedSecondsToNextStop({ ...PACING, desired: 1 }, ROLLOUT, 20)).toBe(0);
  });

  it("uses the request's warmup when it is longer than the estimate", () => {
    expect(expectedSecondsToNextStop(PACING, { ...ROLLOUT, instanceWarmupSeconds: 300 }, null)).toBe(360);
  });

  it("adds up, over every stop, to the group's lower bound", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 300 }),
        fc.uniqueArray(fc.integer({ min: 1, max: 99 }), { maxLength: 4 }).map((a) => a.sort((x, y) => x - y)),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 100, max: 200 }),
        fc.integer({ min: 0, max: 900 }),
        fc.integer({ min: 0, max: 600 }),
        (desired, checkpoints, min, max, delay, warmup) => {
          const rollout: RefreshPacing = {
            checkpoints,
            checkpointDelaySeconds: delay,
            minHealthyPercentage: min,
            maxHealthyPercentage: max,
            instanceWarmupSeconds: null,
          };
          const pacing = { desired, launchSeconds: 60, warmupSeconds: warmup };
          // Walk the stops as the workflow does: from the start, then from each checkpoint it stops at.
          const segments = refreshSegments(desired, checkpoints);
          let total = expectedSecondsToNextStop(pacing, rollout, null);
          for (const { checkpoint } of segments)
            if (checkpoint !== null) total += expectedSecondsToNextStop(pacing, rollout, checkpoint);
          // The lower bound also counts the pause at a last checkpoint that no replacement follows.
          const trailingPause = segments.at(-1)?.checkpoint != null ? delay : 0;
          expect(total + trailingPause).toBe(groupLowerBoundSeconds(pacing, rollout));
        },
      ),
    );
  });
});

describe("pollAfterSeconds", () => {
  it("lands the first wait 30 s after a short expected time", () => {
    expect(pollAfterSeconds(200, false)).toBe(230);
  });

  it("lands the first wait a tenth after a long expected time", () => {
    expect(pollAfterSeconds(1000, false)).toBe(1100);
  });

  it("keeps the margin within half the pause that follows, so the poll lands during the pause", () => {
    expect(pollAfterSeconds(2000, false, 120)).toBe(2060);
    expect(pollAfterSeconds(2000, false, 600)).toBe(2200);
  });

  it("waits 30 s past a nothing-to-expect time, and at least 15 s even before a very short pause", () => {
    expect(pollAfterSeconds(0, false)).toBe(30);
    expect(pollAfterSeconds(0, false, 2)).toBe(15);
  });

  it("lands inside a short checkpoint pause instead of after it", () => {
    // The refresh pauses from about 5 s to 35 s: the poll must come before 35 s.
    const wait = pollAfterSeconds(5, false, 30);
    expect(wait).toBeGreaterThan(5);
    expect(wait).toBeLessThan(35);
  });

  it("polls again after a short interval when a poll found nothing new", () => {
    expect(pollAfterSeconds(200, true)).toBe(30);
    expect(pollAfterSeconds(2000, true, 600)).toBe(200);
  });

  it("waits past the expected time by 30 s to a tenth, and within half a pause of 60 s or more", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 30, max: 200_000 }),
        fc.oneof(fc.constant(0), fc.integer({ min: 60, max: 172_800 })),
        (expected, pause) => {
          const wait = pollAfterSeconds(expected, false, pause);
          const margin = wait - expected;
          expect(margin).toBeGreaterThanOrEqual(30);
          expect(margin).toBeLessThanOrEqual(Math.max(30, Math.ceil(expected / 10)));
          if (pause > 0) expect(margin).toBeLessThanOrEqual(pause / 2);
        },
      ),
    );
  });

  it("always gives a positive whole number of seconds, never before the expected time on a first wait", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.boolean(),
        fc.integer({ min: 0, max: 172_800 }),
        (expected, fruitless, pause) => {
          const wait = pollAfterSeconds(expected, fruitless, pause);
          expect(Number.isInteger(wait)).toBe(true);
          expect(wait).toBeGreaterThanOrEqual(fruitless ? 30 : 15);
          if (!fruitless) expect(wait).toBeGreaterThanOrEqual(expected);
        },
      ),
    );
  });

  it("polls again after at least 30 s and at most a tenth of a long expected time", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), (expected) => {
        const wait = pollAfterSeconds(expected, true);
        expect(wait).toBe(Math.max(30, Math.ceil(expected / 10)));
      }),
    );
  });
});

describe("abortEvent", () => {
  it("wakes the waiting group with an abort from the operator, carrying the reason", () => {
    const event = abortEvent("r-9", "aborted by alice");
    expect(event).toEqual({
      kind: "abort",
      instanceRefreshId: "r-9",
      checkpoint: null,
      percentage: null,
      source: "operator",
      reason: "aborted by alice",
    });
    expect(RefreshEventSchema.parse(event)).toEqual(event);
  });
});

describe("expectedSecondsToNextStop after a checkpoint whose own segment was empty", () => {
  it("times the next stop from the next non-empty segment, not the first one", () => {
    // desired 4, checkpoints 10, 20, 60: segments 1 (to 10), none for 20, 2 (to 60), 1 to the end.
    const pacing = { desired: 4, launchSeconds: 60, warmupSeconds: 120 };
    const rollout = {
      checkpoints: [10, 20, 60],
      checkpointDelaySeconds: 600,
      minHealthyPercentage: 90,
      maxHealthyPercentage: 110,
      instanceWarmupSeconds: null,
    };
    expect(expectedSecondsToNextStop(pacing, rollout, 10)).toBe(600 + 2 * 180);
    expect(expectedSecondsToNextStop(pacing, rollout, 20)).toBe(600 + 2 * 180);
    expect(expectedSecondsToNextStop(pacing, rollout, 60)).toBe(600 + 180);
  });
});

describe("backstop anchored to the refresh's own pacing", () => {
  const pacing = { desired: 10, launchSeconds: 60, warmupSeconds: 120 };
  const rollout: RefreshPacing = {
    checkpoints: [20, 50],
    checkpointDelaySeconds: 600,
    minHealthyPercentage: 90,
    maxHealthyPercentage: 110,
    instanceWarmupSeconds: null,
  };

  it("expects each checkpoint after its batches and the earlier checkpoints' pauses", () => {
    // Batches of 2 at 180 s: 2 instances to 20%, 3 more to 50%, 5 more to the end.
    expect(expectedSecondsFromStart(pacing, rollout, 20)).toBe(180);
    expect(expectedSecondsFromStart(pacing, rollout, 50)).toBe(180 + 600 + 2 * 180);
    expect(expectedSecondsFromStart(pacing, rollout, null)).toBe(180 + 600 + 360 + 600 + 3 * 180);
  });

  it("dates a checkpoint a poll found late to when the pacing says it was reached, within the looks", () => {
    const startedAtMs = 1_000_000;
    const at = (nowMs: number, previousLookMs: number) =>
      estimateReachedAtMs({ startedAtMs, expectedSecondsFromStart: 180, previousLookMs, nowMs });
    expect(at(startedAtMs + 220_000, startedAtMs)).toBe(startedAtMs + 180_000);
    // Slower than expected: not there at the previous look, so reached after it.
    expect(at(startedAtMs + 400_000, startedAtMs + 300_000)).toBe(startedAtMs + 300_000);
    // Faster than the look could tell: never later than now.
    expect(at(startedAtMs + 100_000, startedAtMs)).toBe(startedAtMs + 100_000);
    expect(
      estimateReachedAtMs({ startedAtMs: null, expectedSecondsFromStart: 180, previousLookMs: 0, nowMs: 5 }),
    ).toBe(5);
  });

  it("halves the margin for a refresh that kept its expected pace, and only for it", () => {
    const startedAt = "2026-11-21T09:00:00.000Z";
    expect(
      onExpectedPace({ startedAt, reachedAt: "2026-11-21T09:03:00.000Z", expectedSecondsFromStart: 180 }),
    ).toBe(true);
    expect(
      onExpectedPace({ startedAt, reachedAt: "2026-11-21T09:03:30.000Z", expectedSecondsFromStart: 180 }),
    ).toBe(false);
    expect(onExpectedPace({ startedAt: null, reachedAt: startedAt, expectedSecondsFromStart: 0 })).toBe(
      false,
    );
    expect(pollAfterSeconds(1000, false, 0, true)).toBe(1050);
    expect(pollAfterSeconds(1000, false, 0, false)).toBe(1100);
    expect(pollAfterSeconds(200, false, 0, true)).toBe(215);
  });
});
