import {
  type GroupProgress,
  type GroupReadiness,
  newRunRecord,
  parseRunRequest,
  RunRecordSchema,
} from "@fleet-upgrade/core";
import { boundedGroupOutcomes, DEFAULT_SETTINGS, readRunResult, TASKS } from "@fleet-upgrade/functions";
import { SimulatedEnvironment } from "@fleet-upgrade/harness";
import { describe, expect, it } from "vitest";
import { smallScenario } from "./fault-support";

/** DynamoDB's item size limit. https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html */
const ITEM_LIMIT_BYTES = 400 * 1024;
/** The largest ledger item issue 11 allows at 1,000 groups / 50,000 instances. */
const RECORD_GOAL_BYTES = 64 * 1024;
const REASON = "r".repeat(500);

function parsedRequest() {
  const parsed = parseRunRequest({ reason: REASON }, DEFAULT_SETTINGS.stage);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.request;
}

function groupsOf(count: number, refreshIds = ["08b91cf7-8fa6-48af-b6a6-d227f40f1b9b"]): GroupProgress[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `fleet-group-${String(i).padStart(5, "0")}`,
    wave: "rest",
    outcome: "FAILED" as const,
    reason: REASON,
    fromImageId: "ami-0a1b2c3d4e5f60001",
    toImageId: "ami-0b2c3d4e5f6a70001",
    launchTemplateVersion: { from: 1, to: 2 },
    minHealthyPercentObserved: 100,
    instanceRefreshIds: refreshIds,
    refreshStartedAt: "2026-11-21T09:00:00.000Z",
    checkpointsEvaluated: [20, 50],
    notes: [REASON],
    regressed: false,
  }));
}

function runOf(runId: string, groups: GroupProgress[]) {
  return newRunRecord({
    runId,
    status: "RUNNING",
    reason: REASON,
    request: parsedRequest(),
    startedAt: "2026-11-21T09:00:00.000Z",
    abortRequested: `aborted by an operator: ${REASON}`,
    halt: { status: "ABORTED", reason: `aborted by an operator: ${REASON}` },
    waves: [
      { name: "rest", groups: groups.map((g) => g.name), instances: groups.length * 10, status: "RUNNING" },
    ],
  });
}

describe("the run record stays far below DynamoDB's item limit (issue 8, finding 4)", () => {
  it("closes a run of 1,000 failed groups with 500-character reasons, through Finish and through the reconcile path", async () => {
    const env = await SimulatedEnvironment.start(smallScenario());
    try {
      // The reconcile path looks at the refresh of every group that has one: these have none.
      for (const [runId, close] of [
        [
          "finished",
          async () => {
            // Finish works in pages: the state machine calls it again with its answer until done.
            type Page = { done?: boolean };
            let page = (await TASKS.finish({ runId: "finished" }, env.deps)) as Page;
            while (page.done === false) page = (await TASKS.finish(page, env.deps)) as Page;
          },
        ],
        [
          "reconciled",
          () => TASKS.reconcile({ runId: "reconciled", executionStatus: "ABORTED", error: null }, env.deps),
        ],
      ] as const) {
        const groups = groupsOf(1000, runId === "finished" ? undefined : []);
        await env.deps.ledger.putRun(runOf(runId, groups));
        await env.deps.ledger.putProgress(runId, groups);
        await close();
        const run = await env.deps.ledger.getRun(runId);
        expect(run?.endedAt, runId).not.toBeNull();
        expect(run?.status, runId).toBe("ABORTED");
        const bytes = Buffer.byteLength(JSON.stringify(run));
        console.log(`run record of 1,000 groups closed by ${runId}: ${bytes} bytes`);
        expect(bytes, runId).toBeLessThan(ITEM_LIMIT_BYTES / 4);
      }
    } finally {
      await env.close();
    }
  });

  // The waves' group names stay in the record (about 20 bytes a group here): the rest of a
  // group's data, reasons included, lives in its own item.
  it("keeps the closed record of 5,000 groups under 40% of the limit", () => {
    const groups = groupsOf(5000);
    const run = runOf("big", groups);
    const closed = RunRecordSchema.parse({
      ...run,
      status: "ABORTED",
      endedAt: "2026-11-21T10:00:00.000Z",
      groupOutcomes: boundedGroupOutcomes(run, parsedRequest(), groups),
    });
    const bytes = Buffer.byteLength(JSON.stringify(closed));
    console.log(`run record of 5,000 groups: ${bytes} bytes`);
    expect(bytes).toBeLessThan(ITEM_LIMIT_BYTES * 0.4);
  });
});

/** A group the preflight blocks on three counts, each message as long as a reason may be. */
function blockedEntry(group: string): GroupReadiness {
  const finding = (code: "TEMPLATE_SHARED" | "ALARM_FIRING" | "SSM_OFFLINE") => ({
    code,
    message: `${code} of ${group}: ${REASON}`,
    remedy: REASON,
  });
  return {
    group,
    level: "BLOCKED",
    findings: [finding("TEMPLATE_SHARED"), finding("ALARM_FIRING"), finding("SSM_OFFLINE")],
  };
}

describe("the run record stays small however many groups readiness judges (issue 11)", () => {
  it("leaves the per-group list out of a record whose waves and request already fill it", () => {
    // 300 upgraded groups with 60-character names, every one named by the request: the list of
    // outcomes alone fits its own budget, but not beside the waves and the request.
    const names = Array.from({ length: 300 }, (_, i) => `${"n".repeat(55)}${String(i).padStart(5, "0")}`);
    const parsed = parseRunRequest(
      { reason: REASON, targets: { tags: {}, autoScalingGroupNames: names } },
      DEFAULT_SETTINGS.stage,
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const groups = groupsOf(300).map((g, i) => ({
      ...g,
      name: names[i] as string,
      outcome: "UPGRADED" as const,
    }));
    const run = { ...runOf("named", groups), request: parsed.request };
    const closed = RunRecordSchema.parse({
      ...run,
      status: "SUCCEEDED",
      endedAt: "2026-11-21T10:00:00.000Z",
      groupOutcomes: boundedGroupOutcomes(run, parsed.request, groups),
    });
    const bytes = Buffer.byteLength(JSON.stringify(closed));
    console.log(`run record of 300 long-named groups: ${bytes} bytes`);
    expect(bytes).toBeLessThanOrEqual(RECORD_GOAL_BYTES);
  });

  it("closes a run of 1,000 groups, each with long readiness findings, with a record under 64 KiB, and the result still lists every entry", async () => {
    const env = await SimulatedEnvironment.start(smallScenario());
    try {
      const runId = "large";
      const groups = groupsOf(1000);
      await env.deps.ledger.putRun(runOf(runId, groups));
      await env.deps.ledger.putProgress(runId, groups);
      // As the readiness step writes them: an item per group, the run-level entries last.
      const readiness = groups.map((g) => blockedEntry(g.name));
      for (let i = 0; i < readiness.length; i += 24)
        await env.deps.ledger.putJudgedChunk(runId, {
          offset: i,
          entries: readiness.slice(i, i + 24),
          plannable: [],
        });
      const runLevel: GroupReadiness = {
        group: null,
        level: "WARN",
        findings: [{ code: "WAVE_EMPTY", message: REASON, remedy: REASON }],
      };
      await env.deps.ledger.putRunReadiness(runId, [runLevel]);
      type Page = { done?: boolean };
      let page = (await TASKS.finish({ runId }, env.deps)) as Page;
      while (page.done === false) page = (await TASKS.finish(page, env.deps)) as Page;

      const run = await env.deps.ledger.getRun(runId);
      const bytes = Buffer.byteLength(JSON.stringify(run));
      console.log(`run record of 1,000 groups with ${readiness.length} readiness entries: ${bytes} bytes`);
      expect(run?.endedAt).not.toBeNull();
      expect(bytes).toBeLessThanOrEqual(RECORD_GOAL_BYTES);
      const result = await readRunResult(env.deps, runId);
      expect(result?.readiness).toHaveLength(1001);
      expect(result?.readiness?.[0]).toEqual(readiness[0]);
      expect(result?.readiness?.at(-1)).toEqual(runLevel);
      expect(result?.groups).toHaveLength(1000);
    } finally {
      await env.close();
    }
  }, 240_000);
});
