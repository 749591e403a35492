import { abortEvent, type ExecutionView, type RunStarter } from "@fleet-upgrade/core";
import { beforeEach, describe, expect, it } from "vitest";
import {
  abortExecution,
  abortRun,
  approvalKey,
  approveExecution,
  approveRun,
  OperatorRequestError,
} from "../../../src/api/operator";
import { awaitApprovalTask } from "../../../src/tasks/await-approval";
import {
  groupProgress,
  groupRecord,
  NOW,
  RUN_ID,
  runRecord,
  seed,
  type TaskWorld,
  taskWorld,
} from "../tasks/task-fakes";

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
    expect(result).toEqual({
      runId: RUN_ID,
      status: "ABORTED",
      rollingBack: ["web-a", "web-b", "web-c"],
      rollingBackAtNextPoll: [],
    });
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

describe("approve and abort at once", () => {
  it("lets exactly one of a concurrent approve and abort win; the other is refused and changes nothing", async () => {
    for (const first of ["approve", "abort"] as const) {
      world = taskWorld();
      await seedWaitingForApproval();
      const approve = () => approveRun(world.deps, RUN_ID);
      const abort = () => abortRun(world.deps, RUN_ID, "pager went off");
      const outcomes = await Promise.allSettled(
        first === "approve" ? [approve(), abort()] : [abort(), approve()],
      );

      const won = outcomes.filter((o) => o.status === "fulfilled");
      const lost = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason] : []));
      expect(won, first).toHaveLength(1);
      expect(lost[0]).toBeInstanceOf(OperatorRequestError);
      // The approval wait was answered once, with the winner's decision.
      expect(world.resumer.succeeded, first).toHaveLength(1);
      const decision = (world.resumer.succeeded[0]?.output as { decision?: string } | undefined)?.decision;
      const run = await world.ledger.getRun(RUN_ID);
      if (decision === "approve") {
        expect(run?.abortRequested).toBeNull();
        expect(run?.status).toBe("RUNNING");
      } else {
        expect(run?.abortRequested).toBe("aborted by an operator: pager went off");
      }
    }
  });

  it("refuses a second abort of a run already being aborted, with RunAborting, waking nothing again", async () => {
    await seedWaitingForApproval();
    await abortRun(world.deps, RUN_ID, "first");

    await expect(abortRun(world.deps, RUN_ID, "second")).rejects.toMatchObject({ code: "RunAborting" });

    expect((await world.ledger.getRun(RUN_ID))?.abortRequested).toBe("aborted by an operator: first");
    expect(world.resumer.succeeded).toHaveLength(1);
  });

  it("refuses an approval of a run being aborted, with RunAborting", async () => {
    await seedWaitingForApproval();
    await abortRun(world.deps, RUN_ID, "first");

    await expect(approveRun(world.deps, RUN_ID)).rejects.toMatchObject({ code: "RunAborting" });
  });

  it("refuses an abort reason over 500 characters before recording anything", async () => {
    await seedWaitingForApproval();

    await expect(abortRun(world.deps, RUN_ID, "r".repeat(501))).rejects.toMatchObject({
      name: "ReasonTooLongError",
    });

    expect((await world.ledger.getRun(RUN_ID))?.abortRequested).toBeNull();
    expect(world.resumer.succeeded).toEqual([]);
  });

  it("wakes a thousand running groups within its budget and answers with each of them", async () => {
    const names = Array.from({ length: 1_000 }, (_, i) => `g${String(i).padStart(4, "0")}`);
    await seed(
      world.ledger,
      runRecord(),
      names.map((n) => groupRecord(n)),
      names.map((n) => groupProgress(n, { outcome: "RUNNING", instanceRefreshIds: [`ir-${n}`] })),
    );
    for (const n of names)
      await world.ledger.putWaitToken(`ir-${n}`, { token: `t-${n}`, runId: RUN_ID, group: n }, TTL);

    const result = await abortRun(world.deps, RUN_ID, "stop everything");

    expect(result.rollingBack.length + result.rollingBackAtNextPoll.length).toBe(1_000);
    expect(result.rollingBack).toEqual(names.slice(0, result.rollingBack.length));
    expect(world.resumer.succeeded).toHaveLength(result.rollingBack.length);
  });
});

/** Step Functions as DescribeExecution and StopExecution see it. */
class FakeStarter implements RunStarter {
  readonly stopped: { runId: string; cause: string }[] = [];
  constructor(private readonly executions: Record<string, ExecutionView> = {}) {}
  async start(): Promise<void> {}
  async describe(runId: string): Promise<ExecutionView | undefined> {
    return this.executions[runId];
  }
  async stop(runId: string, cause: string): Promise<void> {
    this.stopped.push({ runId, cause });
  }
}

const execution = (status: ExecutionView["status"]): ExecutionView => ({
  status,
  startedAt: NOW.toISOString(),
  input: {},
});

describe("abortExecution", () => {
  it("stops an execution that has not recorded its run yet, the only case StopExecution is used", async () => {
    const starter = new FakeStarter({ [RUN_ID]: execution("RUNNING") });
    const outcome = await abortExecution(world.deps, starter, RUN_ID, "pager went off");
    expect(outcome).toEqual({
      runId: RUN_ID,
      status: "ABORTED",
      rollingBack: [],
      rollingBackAtNextPoll: [],
      stopped: true,
    });
    expect(starter.stopped).toEqual([{ runId: RUN_ID, cause: "aborted by an operator: pager went off" }]);
  });

  it("answers RunNotFound for a run with neither a record nor a running execution, stopping nothing", async () => {
    const starter = new FakeStarter({ [RUN_ID]: execution("ABORTED") });
    const refused = await abortExecution(world.deps, starter, "run-unknown", "why").catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: "RunNotFound" });
    expect(starter.stopped).toEqual([]);
  });

  it("refuses a run whose execution already ended with its real status, while the ledger still says RUNNING", async () => {
    await seed(
      world.ledger,
      runRecord(),
      [groupRecord("web")],
      [groupProgress("web", { outcome: "RUNNING" })],
    );
    const starter = new FakeStarter({ [RUN_ID]: execution("TIMED_OUT") });
    const refused = await abortExecution(world.deps, starter, RUN_ID, "why").catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OperatorRequestError);
    expect(refused).toMatchObject({ code: "RunEnded", status: "FAILED" });
    expect((refused as Error).message).toContain("the ledger still says RUNNING");
    const run = await world.ledger.getRun(RUN_ID);
    expect([run?.status, run?.abortRequested]).toEqual(["RUNNING", null]);
    expect(starter.stopped).toEqual([]);
  });

  it("aborts through the ledger when the run is recorded: nothing is stopped", async () => {
    await seed(
      world.ledger,
      runRecord(),
      [groupRecord("web")],
      [groupProgress("web", { outcome: "UPGRADED" })],
    );
    const starter = new FakeStarter({ [RUN_ID]: execution("RUNNING") });
    const outcome = await abortExecution(world.deps, starter, RUN_ID, "why", "Slack user U1");
    expect(outcome.stopped).toBe(false);
    expect((await world.ledger.getRun(RUN_ID))?.abortRequested).toBe(
      "aborted by an operator: why — by Slack user U1",
    );
    expect(starter.stopped).toEqual([]);
  });
});

describe("approveExecution", () => {
  it("refuses a run whose execution was aborted, changing nothing", async () => {
    await seedWaitingForApproval();
    const starter = new FakeStarter({ [RUN_ID]: execution("ABORTED") });
    const refused = await approveExecution(world.deps, starter, RUN_ID).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: "RunEnded", status: "ABORTED" });
    expect((await world.ledger.getRun(RUN_ID))?.status).toBe("WAITING");
  });
});
