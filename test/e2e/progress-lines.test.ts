/**
 * Progress lines that are true (issue 13, item 5): each line the CLI prints is checked against what
 * the run did (its result) and what AWS did (the simulated account's delivered events).
 */
import { join } from "node:path";
import type { RunResult } from "@fleet-upgrade/core";
import { simulate } from "@fleet-upgrade/harness";
import { loadScenario, type SimulatedAccount } from "@fleet-upgrade/simulator";
import { beforeAll, describe, expect, it } from "vitest";
import { progressLine } from "../../packages/cli/src/format";

interface Line {
  atMs: number;
  text: string;
}

interface Ran {
  result: RunResult;
  account: SimulatedAccount;
  lines: Line[];
  startMs: number;
}

async function run(example: string): Promise<Ran> {
  const scenario = loadScenario(join(__dirname, "../../examples", example));
  const startMs = Date.parse(scenario.start);
  const lines: Line[] = [];
  const { result, account } = await simulate(scenario, {
    onEvent: (event) => {
      const line = progressLine(event, startMs);
      if (line) lines.push({ atMs: event.atMs, text: line.replace(/^T\+\S+ {2}/, "") });
    },
  });
  return { result, account, lines, startMs };
}

const texts = (ran: Ran) => ran.lines.map((l) => l.text);

/** The instance-refresh event that brings what a poll line says it found. */
const EVENT_OF: Record<string, string> = {
  "the refresh Successful": "EC2 Auto Scaling Instance Refresh Succeeded",
  "the rollback Successful": "EC2 Auto Scaling Instance Refresh Rollback Succeeded",
  "the refresh cancelled": "EC2 Auto Scaling Instance Refresh Cancelled",
  "the refresh failed": "EC2 Auto Scaling Instance Refresh Failed",
};

/** Poll lines that claim no event came although the event it found was delivered before the poll. */
function falsePollLines(ran: Ran): string[] {
  const events = ran.account.deliveredEvents();
  const wrong: string[] = [];
  for (const line of ran.lines) {
    const m = /^ {2}(\S+): no event came in time; polling found (.+)$/.exec(line.text);
    if (!m) continue;
    const [, group, found] = m as unknown as [string, string, string];
    const refreshes = ran.result.groups.find((g) => g.name === group)?.instanceRefreshIds ?? [];
    const checkpoint = /^checkpoint (\d+)%$/.exec(found)?.[1];
    const before = events.filter(
      (e) =>
        refreshes.includes(String(e.detail.InstanceRefreshId)) &&
        Date.parse(e.time) < Math.floor(line.atMs / 1000) * 1000 &&
        (checkpoint !== undefined
          ? e["detail-type"] === "EC2 Auto Scaling Instance Refresh Checkpoint Reached" &&
            e.detail.CheckpointPercentage === checkpoint
          : e["detail-type"] === EVENT_OF[found]),
    );
    if (before.length > 0) wrong.push(line.text);
  }
  return wrong;
}

describe("progress lines say what the run did", () => {
  let alarm: Ran;
  let badDay: Ran;
  beforeAll(async () => {
    alarm = await run("canary-alarm.yaml");
    badDay = await run("bad-day.yaml");
  }, 600_000);

  it("a SKIPPED group never logs that its instance refresh started, and its line says SKIPPED", () => {
    const skipped = badDay.result.groups.filter((g) => g.outcome === "SKIPPED");
    expect(skipped.map((g) => g.name)).toEqual(["api"]);
    for (const g of skipped) {
      expect(texts(badDay).filter((t) => t.startsWith(`  ${g.name}: `) && /refresh/.test(t))).toEqual([]);
      expect(texts(badDay)).toContain(`  ${g.name}: SKIPPED`);
    }
    // Every group that did refresh says so once, naming the refresh the result records.
    for (const g of badDay.result.groups.filter((g) => g.instanceRefreshIds.length > 0))
      expect(texts(badDay)).toContain(
        `  ${g.name}: new launch template version; instance refresh ${g.instanceRefreshIds[0]} started`,
      );
  });

  it("a rolled-back wave never logs baking, and waves that never started never log starting", () => {
    const waves = alarm.result.waves;
    expect(waves.map((w) => w.status)).toEqual(["ROLLED_BACK", "NOT_STARTED", "NOT_STARTED"]);
    for (const w of waves.filter((w) => w.status !== "SUCCEEDED"))
      expect(texts(alarm).filter((t) => t.startsWith(`wave ${w.name}: bak`))).toEqual([]);
    for (const w of waves.filter((w) => w.status === "NOT_STARTED")) {
      expect(texts(alarm).filter((t) => t.startsWith(`wave ${w.name}: starting`))).toEqual([]);
      expect(texts(alarm)).toContain(`wave ${w.name}: not started, the run halted`);
    }
    expect(texts(alarm)).toContain("wave canary: ROLLED_BACK");
    // A wave that did bake says how long, as the request asked.
    const bake = badDay.result.request.rollout.bakeSeconds;
    expect(texts(badDay)).toContain(`wave canary: baking ${bake}s before the next wave`);
    expect(texts(badDay)).toContain(`wave canary: baked ${bake}s, healthy`);
  });

  it("the checkpoint a refresh paused at is the one whose health is checked next, and is one the request asked for", () => {
    for (const ran of [alarm, badDay]) {
      const asked = ran.result.request.rollout.checkpoints;
      let pairs = 0;
      ran.lines.forEach((line, i) => {
        const paused = /^ {2}(\S+): paused at checkpoint (\d+)% \((\d+)% replaced\)$/.exec(line.text);
        if (!paused) return;
        const [, group, checkpoint] = paused as unknown as [string, string, string];
        expect(asked).toContain(Number(checkpoint));
        const next = ran.lines
          .slice(i + 1)
          .find(
            (l) => l.text.startsWith(`  ${group}: checkpoint `) || l.text.startsWith(`  ${group}: paused`),
          );
        if (!next?.text.startsWith(`  ${group}: checkpoint `)) return;
        expect(next.text, `${group} paused at ${checkpoint}%`).toMatch(
          new RegExp(`^ {2}${group}: checkpoint ${checkpoint}%`),
        );
        pairs++;
      });
      expect(pairs).toBeGreaterThan(0);
    }
  });

  it("a polling line appears only when the event it stands in for had not come", () => {
    // canary-alarm loses no event: web-canary's rollback is waited out without a line per poll.
    const alarmPolls = texts(alarm).filter((t) => t.includes("polling"));
    expect(alarmPolls.length).toBeLessThanOrEqual(1);
    expect(falsePollLines(alarm)).toEqual([]);
    // bad-day drops events: the polls that found what they lost say so, and each is true.
    const dayPolls = texts(badDay).filter((t) => t.includes("polling"));
    expect(dayPolls.length).toBeGreaterThan(0);
    expect(falsePollLines(badDay)).toEqual([]);
  });
});
