/**
 * Live progress (issue 13, item 2): `GET /runs/{id}` read mid-run, through the status API's Lambda
 * entry point over the simulated run's own ledger, shows each running group's percent replaced,
 * time elapsed and time left; the text answer says the same; the final result has none of it.
 */

import { answerHttpApiEvent } from "@fleet-upgrade/functions";
import { SimulatedEnvironment } from "@fleet-upgrade/harness";
import { describe, expect, it } from "vitest";
import { SimulatedRunStarter } from "../../packages/cli/src/serve";
import { statusScenario } from "./status-support";

interface LiveGroup {
  name: string;
  outcome: string;
  instanceRefreshIds: string[];
  live?: { percentReplaced: number; elapsedSeconds: number; leftSeconds: number };
}

describe("live progress while a run is going", () => {
  it("GET /runs/{id} at web's 50% checkpoint shows its percent, elapsed and time left, in JSON and text", async () => {
    const env = await SimulatedEnvironment.start(statusScenario);
    const context = {
      deps: env.deps,
      starter: new SimulatedRunStarter(env, () => {}),
      slack: { signingSecret: null, allowedUsers: [], unconfigured: "not configured" },
    };
    // The status API's Lambda entry, given the event API Gateway would send.
    const get = async (path: string, query = "") => {
      const event = {
        rawPath: path,
        rawQueryString: query,
        headers: {},
        requestContext: { http: { method: "GET", path } },
      };
      return (await answerHttpApiEvent(event, undefined, context)).body;
    };
    const seen: {
      json: { status: string; groups: LiveGroup[]; estimate?: { seconds: number } };
      text: string;
      atMs: number;
      refreshStartMs: number;
      awsPercent: number;
    }[] = [];
    try {
      const { result } = await env.run({
        runId: "live-1",
        aroundTask: async (state, call, { payload }) => {
          const p = payload as { group?: string; event?: { checkpoint?: number | null } } | null;
          if (
            state === "EvaluateHealth" &&
            p?.group === "web" &&
            p.event?.checkpoint === 50 &&
            seen.length === 0
          )
            seen.push({
              json: JSON.parse(await get("/runs/live-1")),
              text: await get("/runs/live-1", "format=text"),
              atMs: env.account.clock.now(),
              refreshStartMs: env.account.group("web")?.refreshes[0]?.startMs ?? 0,
              awsPercent: env.account.group("web")?.refreshes[0]?.percentageComplete ?? 0,
            });
          return call();
        },
      });
      expect(seen).toHaveLength(1);
      const [mid] = seen;
      if (!mid) return;
      expect(mid.json.status).toBe("RUNNING");
      const web = mid.json.groups.find((g) => g.name === "web");
      expect(web?.outcome).toBe("RUNNING");
      expect(web?.live?.percentReplaced).toBeGreaterThanOrEqual(50);
      expect(web?.live?.percentReplaced).toBeLessThan(100);
      // Elapsed is the virtual time since web's refresh started: the AWS record of that refresh says when.
      expect(mid.refreshStartMs).toBeGreaterThan(0);
      expect(web?.live?.elapsedSeconds).toBe(Math.round((mid.atMs - mid.refreshStartMs) / 1000));
      // Never more than AWS's own PercentageComplete at that moment.
      expect(web?.live?.percentReplaced).toBeLessThanOrEqual(mid.awsPercent);
      expect(web?.live?.elapsedSeconds).toBeGreaterThan(0);
      expect(web?.live?.leftSeconds).toBeGreaterThan(0);
      // Groups that ended carry no live progress.
      for (const g of mid.json.groups.filter((g) => g.outcome !== "RUNNING"))
        expect(g.live, g.name).toBeUndefined();
      expect(mid.json.estimate?.seconds).toBeGreaterThanOrEqual(web?.live?.leftSeconds ?? 0);
      expect(mid.text).toContain(`  web: ${Math.round(web?.live?.percentReplaced ?? -1)}% replaced, `);
      expect(mid.text).toMatch(/ {2}web: \d+% replaced, .* in, about .* left/);

      expect(result.status).toBe("SUCCEEDED");
      for (const g of result.groups) expect(g.live, g.name).toBeUndefined();
    } finally {
      await env.close();
    }
  });
});
