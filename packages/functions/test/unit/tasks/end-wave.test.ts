import type { GroupProgress, RunRecord, RunRequestInput } from "@fleet-upgrade/core";
import { beforeEach, describe, expect, it } from "vitest";
import { endWaveTask } from "../../../src/tasks/end-wave";
import { groupProgress, groupRecord, RUN_ID, runRecord, seed, type TaskWorld, taskWorld } from "./task-fakes";

let world: TaskWorld;

const WAVES: RunRecord["waves"] = [
  { name: "canary", groups: ["web-canary"], instances: 2, status: "SUCCEEDED" },
  { name: "early", groups: ["web-a", "web-b"], instances: 8, status: "RUNNING" },
  { name: "rest", groups: ["web-c"], instances: 20, status: "NOT_STARTED" },
];

/** Ends wave `early` (index 1) of a three-wave run with the given request, halt and outcomes. */
async function endEarlyWave(
  request: RunRequestInput,
  halt: RunRecord["halt"],
  outcomes: Record<string, Partial<GroupProgress>>,
  waves: RunRecord["waves"] = WAVES,
) {
  const names = waves.flatMap((w) => w.groups);
  await seed(
    world.ledger,
    runRecord(request, { waves, halt }),
    names.map((name) => groupRecord(name)),
    names.map((name) => groupProgress(name, outcomes[name] ?? {})),
  );
  return endWaveTask({ runId: RUN_ID, wave: { index: 1, name: "early" }, mode: "rollout" }, world.deps);
}

const upgraded: Partial<GroupProgress> = { outcome: "UPGRADED" };
const rolledBack: Partial<GroupProgress> = { outcome: "ROLLED_BACK", reason: "rolled back: alarm" };

beforeEach(() => {
  world = taskWorld();
});

describe("endWave", () => {
  it("with rollback scope group, reverts only the groups that regressed while the wave baked", async () => {
    const result = await endEarlyWave(
      { rollback: { scope: "group" } },
      { status: "ROLLED_BACK", reason: "group web-a while wave early baked: alarm" },
      { "web-canary": upgraded, "web-a": { ...upgraded, regressed: true }, "web-b": upgraded },
    );

    expect(result).toMatchObject({ mode: "revert", groups: ["web-a"], revertCount: 1, awaitApproval: false });
  });

  it("with rollback scope group, reverts nothing when the regression was caught during a refresh", async () => {
    const result = await endEarlyWave(
      { rollback: { scope: "group" } },
      { status: "ROLLED_BACK", reason: "group web-b: alarm" },
      { "web-canary": upgraded, "web-a": upgraded, "web-b": rolledBack },
    );

    expect(result).toMatchObject({ revertCount: 0, awaitApproval: false });
    expect(result.mode).toBeUndefined();
  });

  it("with rollback scope wave, reverts this wave's upgraded groups and no earlier wave's", async () => {
    const result = await endEarlyWave(
      { rollback: { scope: "wave" } },
      { status: "ROLLED_BACK", reason: "group web-b: alarm" },
      { "web-canary": upgraded, "web-a": upgraded, "web-b": rolledBack },
    );

    expect(result).toMatchObject({ mode: "revert", groups: ["web-a"], revertCount: 1 });
  });

  it("with rollback scope run, reverts the upgraded groups of every wave so far", async () => {
    const result = await endEarlyWave(
      { rollback: { scope: "run" } },
      { status: "ROLLED_BACK", reason: "group web-b: alarm" },
      { "web-canary": upgraded, "web-a": upgraded, "web-b": rolledBack, "web-c": upgraded },
    );

    expect(result.mode).toBe("revert");
    expect([...(result.groups as string[])].sort()).toEqual(["web-a", "web-canary"]);
    expect(result.revertCount).toBe(2);
  });

  it("reverts nothing after an abort, whatever the scope", async () => {
    const result = await endEarlyWave(
      { rollback: { scope: "run" }, rollout: { approval: "between-waves" } },
      { status: "ABORTED", reason: "aborted by an operator: wrong image" },
      { "web-canary": upgraded, "web-a": upgraded, "web-b": rolledBack },
    );

    expect(result).toMatchObject({ revertCount: 0, awaitApproval: false });
    expect(result.mode).toBeUndefined();
  });

  it("records the wave's status from its groups' outcomes", async () => {
    await endEarlyWave(
      { rollback: { scope: "group" } },
      { status: "ROLLED_BACK", reason: "group web-b: alarm" },
      { "web-canary": upgraded, "web-a": upgraded, "web-b": rolledBack },
    );

    const run = await world.ledger.getRun(RUN_ID);
    expect(run?.waves.map((w) => w.status)).toEqual(["SUCCEEDED", "ROLLED_BACK", "NOT_STARTED"]);
    expect(world.notifier.sent).toEqual([
      expect.objectContaining({ type: "WaveEnded", wave: "early", status: "ROLLED_BACK" }),
    ]);
  });

  it("asks for approval between waves when a later wave has groups and the run goes on", async () => {
    const result = await endEarlyWave({ rollout: { approval: "between-waves" } }, null, {
      "web-canary": upgraded,
      "web-a": upgraded,
      "web-b": upgraded,
    });

    expect(result).toMatchObject({ status: "SUCCEEDED", revertCount: 0, awaitApproval: true });
  });

  it("does not ask for approval when no later wave has groups", async () => {
    const waves = WAVES.map((w) => (w.name === "rest" ? { ...w, groups: [], instances: 0 } : w));
    const result = await endEarlyWave(
      { rollout: { approval: "between-waves" } },
      null,
      { "web-canary": upgraded, "web-a": upgraded, "web-b": upgraded },
      waves,
    );

    expect(result.awaitApproval).toBe(false);
  });

  it("does not ask for approval once the run is halted", async () => {
    const result = await endEarlyWave(
      { rollout: { approval: "between-waves" }, rollback: { scope: "group" } },
      { status: "FAILED", reason: "group web-b: the instance refresh ended failed" },
      { "web-canary": upgraded, "web-a": upgraded, "web-b": { outcome: "FAILED", reason: "failed" } },
    );

    expect(result.awaitApproval).toBe(false);
  });

  it("does not ask for approval when the request does not want it", async () => {
    const result = await endEarlyWave({}, null, {
      "web-canary": upgraded,
      "web-a": upgraded,
      "web-b": upgraded,
    });

    expect(result.awaitApproval).toBe(false);
  });
});

describe("endWave: a wave's status comes from its own groups", () => {
  it("succeeds a wave whose groups upgraded although an earlier wave's group failed", async () => {
    await endEarlyWave({}, null, {
      "web-canary": { outcome: "FAILED", reason: "earlier" },
      "web-a": upgraded,
      "web-b": upgraded,
    });

    const run = await world.ledger.getRun(RUN_ID);
    expect(run?.waves.map((w) => w.status)).toEqual(["SUCCEEDED", "SUCCEEDED", "NOT_STARTED"]);
  });

  it("in a revert pass, closes every wave that started from its own groups and leaves later waves alone", async () => {
    const names = WAVES.flatMap((w) => w.groups);
    const outcomes: Record<string, Partial<GroupProgress>> = {
      "web-canary": upgraded,
      "web-a": rolledBack,
      "web-b": upgraded,
      "web-c": { outcome: "FAILED", reason: "never ran but says so" },
    };
    await seed(
      world.ledger,
      runRecord({ rollback: { scope: "run" } }, { waves: WAVES }),
      names.map((name) => groupRecord(name)),
      names.map((name) => groupProgress(name, outcomes[name] ?? {})),
    );

    await endWaveTask({ runId: RUN_ID, wave: { index: 1, name: "early" }, mode: "revert" }, world.deps);

    const run = await world.ledger.getRun(RUN_ID);
    expect(run?.waves.map((w) => w.status)).toEqual(["SUCCEEDED", "ROLLED_BACK", "NOT_STARTED"]);
    expect(world.notifier.sent).toEqual([]);
  });
});
