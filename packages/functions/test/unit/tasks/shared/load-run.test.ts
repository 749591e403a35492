import { beforeEach, describe, expect, it, vi } from "vitest";
import { RunNotFoundError } from "../../../../src/runtime/errors";
import { loadRunState } from "../../../../src/tasks/shared/load-run";
import { RUN_ID, runRecord, type TaskWorld, taskWorld } from "../task-fakes";

let world: TaskWorld;

beforeEach(() => {
  world = taskWorld();
});

describe("loadRunState", () => {
  it("reads the run's request whole once, then only what changes, and sees a halt set meanwhile", async () => {
    await world.ledger.putRun(runRecord({ rollout: { checkpoints: [30] } }));
    const whole = vi.spyOn(world.deps.ledger, "getRun");

    const first = await loadRunState(world.deps, RUN_ID);
    await world.ledger.updateRun(RUN_ID, (r) => ({
      ...r,
      halt: { status: "ROLLED_BACK", reason: "web regressed" },
    }));
    const second = await loadRunState(world.deps, RUN_ID);

    expect(whole).toHaveBeenCalledTimes(1);
    expect(first.run.halt).toBeNull();
    expect(second.run.halt).toEqual({ status: "ROLLED_BACK", reason: "web regressed" });
    expect(second.request).toEqual(first.request);
    expect(second.request.rollout.checkpoints).toEqual([30]);
  });

  it("reads the request again for a run of the same id that started at another time", async () => {
    await world.ledger.putRun(runRecord({ rollout: { checkpoints: [30] } }));
    await loadRunState(world.deps, RUN_ID);
    await world.ledger.putRun(
      runRecord({ rollout: { checkpoints: [60] } }, { startedAt: "2026-11-22T09:00:00.000Z" }),
    );

    const again = await loadRunState(world.deps, RUN_ID);

    expect(again.request.rollout.checkpoints).toEqual([60]);
  });

  it("names a run the ledger does not know", async () => {
    await expect(loadRunState(world.deps, "run-nobody-started")).rejects.toBeInstanceOf(RunNotFoundError);
  });
});
