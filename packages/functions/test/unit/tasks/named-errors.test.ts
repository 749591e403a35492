import { describe, expect, it } from "vitest";
import { pollRefreshTask } from "../../../src/tasks/poll-refresh";
import { startWaveTask } from "../../../src/tasks/start-wave";
import { waitForRefreshTask } from "../../../src/tasks/wait-for-refresh";
import { RUN_ID, runRecord, seed, taskWorld } from "./task-fakes";

/** A Catch tells these apart by name (the Lambda runtime reports `name` as the error type). */
describe("the tasks' own errors", () => {
  it("a task given a run the ledger lacks fails with RunNotFoundError", async () => {
    const world = taskWorld();
    const started = startWaveTask({ runId: "run-missing", wave: { index: 0, name: "early" } }, world.deps);
    await expect(started).rejects.toMatchObject({
      name: "RunNotFoundError",
      message: "run run-missing is not in the ledger",
    });
  });

  it("a wave the run lacks fails with WaveNotFoundError naming the run and the index", async () => {
    const world = taskWorld();
    await seed(world.ledger, runRecord(), [], []);
    const started = startWaveTask({ runId: RUN_ID, wave: { index: 7, name: "late" } }, world.deps);
    await expect(started).rejects.toMatchObject({
      name: "WaveNotFoundError",
      message: `run ${RUN_ID} has no wave 7`,
    });
  });

  it("a wait or a poll without a refresh id fails with RefreshIdMissingError naming the group", async () => {
    const world = taskWorld();
    const state = { runId: RUN_ID, wave: "early", group: "web-a" };
    await expect(pollRefreshTask(state, world.deps)).rejects.toMatchObject({
      name: "RefreshIdMissingError",
      message: "group web-a polls without a refresh id",
    });
    await expect(waitForRefreshTask({ state, taskToken: "token" }, world.deps)).rejects.toMatchObject({
      name: "RefreshIdMissingError",
      message: "group web-a waits without a refresh id",
    });
  });
});
