import { abortEvent } from "@fleet-upgrade/core";
import { beforeEach, describe, expect, it } from "vitest";
import { awaitApprovalTask } from "../../src/handlers/await-approval";
import { abortRun, approvalKey, approveRun, OperatorRequestError } from "../../src/operator";
import {
  groupProgress,
  groupRecord,
  NOW,
  RUN_ID,
  runRecord,
  seed,
  type TaskWorld,
  taskWorld,
} from "./handlers/task-fakes";

const TTL = Math.floor(NOW.getTime() / 1000) + 3600;

let world: TaskWorld;

beforeEach(() => {
  world = taskWorld();
});

/** A run between waves, its approval wait filed as the AwaitApproval task files it. */
async function seedWaitingForApproval(): Promise<void> {
  await seed(
    world.ledger,
    runRecord({ rollout: { approval: "between-waves" } }),
    [groupRecord("web")],
    [groupProgress("web", { outcome: "UPGRADED" })],
  );
  await awaitApprovalTask(
    { state: { runId: RUN_ID, wave: { index: 0, name: "canary" } }, taskToken: "token-approval" },
    world.deps,
  );
}

describe("approveRun", () => {
  it("refuses a run that waits for no approval, with RunNotWaiting", async () => {
    await seed(
      world.ledger,
      runRecord(),
      [groupRecord("web")],
      [groupProgress("web", { outcome: "RUNNING" })],
    );

    const approval = approveRun(world.deps, RUN_ID);

    await expect(approval).rejects.toBeInstanceOf(OperatorRequestError);
    await expect(approval).rejects.toMatchObject({ code: "RunNotWaiting" });
    expect(world.resumer.succeeded).toEqual([]);
  });

  it("refuses a run it does not know, with RunNotFound", async () => {
    await expect(approveRun(world.deps, "run-unknown")).rejects.toMatchObject({
      name: "OperatorRequestError",
      code: "RunNotFound",
    });
  });

  it("resumes the waiting approval once and shows the run RUNNING again", async () => {
    await seedWaitingForApproval();
    expect((await world.ledger.getRun(RUN_ID))?.status).toBe("WAITING");

    expect(await approveRun(world.deps, RUN_ID)).toEqual({ runId: RUN_ID, status: "RUNNING" });
    await expect(approveRun(world.deps, RUN_ID)).rejects.toMatchObject({ code: "RunNotWaiting" });

    expect(world.resumer.succeeded).toEqual([
      { taskToken: "token-approval", output: { decision: "approve" } },
    ]);
    expect((await world.ledger.getRun(RUN_ID))?.status).toBe("RUNNING");
  });
});

describe("abortRun", () => {
  async function seedRunningWave(): Promise<void> {
    const names = ["web-a", "web-b", "web-c", "web-d", "web-e"];
    await seed(
      world.ledger,
      runRecord({}, { waves: [{ name: "canary", groups: names, instances: 10, status: "RUNNING" }] }),
      names.map((name) => groupRecord(name)),
      [
        groupProgress("web-a", { outcome: "RUNNING", instanceRefreshIds: ["ir-a"] }),
        groupProgress("web-b", { outcome: "RUNNING", instanceRefreshIds: ["ir-b0", "ir-b"] }),
        // Between two waits: no token filed right now (its next wait sees the halt).
        groupProgress("web-c", { outcome: "RUNNING", instanceRefreshIds: ["ir-c"] }),
        groupProgress("web-d", { outcome: "UPGRADED", instanceRefreshIds: ["ir-d"] }),
        groupProgress("web-e"),
      ],
    );
    await world.ledger.putWaitToken("ir-a", { token: "token-a", runId: RUN_ID, group: "web-a" }, TTL);
    await world.ledger.putWaitToken("ir-b", { token: "token-b", runId: RUN_ID, group: "web-b" }, TTL);
    await world.ledger.putWaitToken("ir-d", { token: "token-d-stale", runId: RUN_ID, group: "web-d" }, TTL);
  }

  it("halts the run ABORTED and wakes every running group's wait with an abort event", async () => {
    await seedRunningWave();

    const result = await abortRun(world.deps, RUN_ID, "wrong image");

    const why = "aborted by an operator: wrong image";
    expect((await world.ledger.getRun(RUN_ID))?.halt).toEqual({ status: "ABORTED", reason: why });
    expect(result).toEqual({ runId: RUN_ID, status: "ABORTED", rollingBack: ["web-a", "web-b", "web-c"] });
    expect(world.resumer.succeeded).toEqual([
      { taskToken: "token-a", output: abortEvent("ir-a", why) },
      { taskToken: "token-b", output: abortEvent("ir-b", why) },
    ]);
  });

  it("answers a pending approval with abort", async () => {
    await seedWaitingForApproval();

    await abortRun(world.deps, RUN_ID, "not today");

    expect(world.resumer.succeeded).toEqual([{ taskToken: "token-approval", output: { decision: "abort" } }]);
    expect(await world.ledger.takeWaitToken(approvalKey(RUN_ID))).toBeUndefined();
  });

  it("refuses to abort a run that already ended, with RunEnded, changing nothing", async () => {
    await seed(
      world.ledger,
      runRecord({}, { status: "SUCCEEDED", endedAt: "2026-11-21T09:50:00.000Z" }),
      [groupRecord("web")],
      [groupProgress("web", { outcome: "UPGRADED" })],
    );

    await expect(abortRun(world.deps, RUN_ID, "too late")).rejects.toMatchObject({
      name: "OperatorRequestError",
      code: "RunEnded",
    });
    expect((await world.ledger.getRun(RUN_ID))?.halt).toBeNull();
    expect(world.resumer.succeeded).toEqual([]);
  });
});
