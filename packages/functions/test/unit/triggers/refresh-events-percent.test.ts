import { describe, expect, it } from "vitest";
import { refreshEventsTask } from "../../../src/triggers/refresh-events";
import { RUN_ID, taskWorld } from "../tasks/task-fakes";

const event = (what: string, detail: Record<string, unknown>) => ({
  source: "aws.autoscaling",
  "detail-type": `EC2 Auto Scaling Instance Refresh ${what}`,
  detail: { InstanceRefreshId: "ir-1", AutoScalingGroupName: "web", ...detail },
});

describe("how far a refresh has come, as the run sees it", () => {
  it("notes the checkpoint reached and then 100% on success, for the group that waits", async () => {
    const { deps, ledger, resumer } = taskWorld();
    await ledger.putWaitToken("ir-1", { token: "t1", runId: RUN_ID, group: "web" }, 9e9);
    await refreshEventsTask(event("Checkpoint Reached", { CheckpointPercentage: "50" }), deps);
    expect((await ledger.listPercentReplaced(RUN_ID)).web).toEqual({ refreshId: "ir-1", percent: 50 });
    expect(resumer.succeeded).toHaveLength(1);
    await ledger.putWaitToken("ir-1", { token: "t2", runId: RUN_ID, group: "web" }, 9e9);
    await refreshEventsTask(event("Succeeded", {}), deps);
    expect((await ledger.listPercentReplaced(RUN_ID)).web?.percent).toBe(100);
  });

  it("notes nothing for an event nobody waits for", async () => {
    const { deps, ledger } = taskWorld();
    await refreshEventsTask(event("Checkpoint Reached", { CheckpointPercentage: "20" }), deps);
    expect(await ledger.listPercentReplaced(RUN_ID)).toEqual({});
  });

  it("never lowers the share of the same refresh (a late event, a stale poll); a new refresh starts over", async () => {
    const { ledger } = taskWorld();
    await ledger.notePercentReplaced(RUN_ID, "web", "ir-1", 60);
    await ledger.notePercentReplaced(RUN_ID, "web", "ir-1", 20);
    expect((await ledger.listPercentReplaced(RUN_ID)).web).toEqual({ refreshId: "ir-1", percent: 60 });
    await ledger.notePercentReplaced(RUN_ID, "web", "ir-2", 10);
    expect((await ledger.listPercentReplaced(RUN_ID)).web).toEqual({ refreshId: "ir-2", percent: 10 });
    await ledger.notePercentReplaced(RUN_ID, "api", "ir-3", 140);
    expect((await ledger.listPercentReplaced(RUN_ID)).api?.percent).toBe(100);
  });
});
