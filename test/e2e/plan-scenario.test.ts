/**
 * A twin of your own fleet (issue 12 item 6, CONTRACTS.md sections 3 and 4): `plan --scenario`
 * against a simulated account writes a scenario that, simulated, plans the same waves and readiness.
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { planCommand } from "@fleet-upgrade/cli";
import type { RunResult, Scenario } from "@fleet-upgrade/core";
import { simulate } from "@fleet-upgrade/harness";
import { loadScenario, SimulatedAccount } from "@fleet-upgrade/simulator";
import { describe, expect, it } from "vitest";
import { simulatedPlanClients } from "./plan-support";
import { exampleWith } from "./support";

const EXAMPLE = join(__dirname, "..", "..", "examples", "mixed-fleet.yaml");

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) } };
}

/** What a dry run decides: waves (names and groups) and readiness (group, level, codes). */
function decisions(result: RunResult) {
  return {
    waves: result.waves.map((wave) => ({ name: wave.name, groups: [...wave.groups].sort() })),
    readiness: (result.readiness ?? [])
      .map((entry) => ({
        group: entry.group,
        level: entry.level,
        codes: entry.findings.map((finding) => finding.code).sort(),
      }))
      .sort((a, b) => String(a.group).localeCompare(String(b.group))),
  };
}

async function dryRun(scenario: Scenario): Promise<RunResult> {
  const outcome = await simulate(scenario, { request: { ...scenario.request, dryRun: true } });
  expect(outcome.result.status).toBe("PLANNED");
  return outcome.result;
}

describe("plan --scenario", () => {
  it.each([
    ["the bundled example", loadScenario(EXAMPLE)],
    [
      "the example with warnings (metrics off, no inventory, an alarm without data, user data)",
      exampleWith((scenario) => {
        const [canary, , web, , workers, batch] = scenario.groups;
        if (!canary || !web || !workers || !batch) throw new Error("the example changed");
        workers.metricsCollection = false;
        batch.inventory = false;
        batch.launchTemplate.userData = "#!/bin/bash\namazon-linux-extras install -y nginx1\n";
        scenario.alarms = [{ name: "web-5xx", state: "INSUFFICIENT_DATA", exists: true }];
      }),
    ],
  ])(
    "exports %s as a scenario that plans the same waves and readiness",
    async (label, original) => {
      const account = SimulatedAccount.create(original);
      const simulated = simulatedPlanClients(account);
      const calls: string[] = [];
      for (const client of Object.values(simulated)) {
        const record =
          (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
          async (args: unknown) => {
            calls.push(String(context.commandName));
            return next(args);
          };
        // biome-ignore lint/suspicious/noExplicitAny: each SDK client's middleware stack has its own unions
        (client.middlewareStack as any).add(record, { step: "initialize", name: "recordCalls" });
      }
      const dir = mkdtempSync(join(tmpdir(), "plan-scenario-"));
      const file = join(dir, "my-fleet.yaml");
      const { err, io: planIo } = io();
      const code = await planCommand(
        ["--scenario", file, "--region", original.region, "--request", JSON.stringify(original.request)],
        planIo,
        {
          clients: () => simulated,
          now: () => new Date(account.clock.now()),
        },
      );
      expect(err.join("\n")).toContain("wrote the scenario");
      expect(code).toBe(0);
      const text = readFileSync(file, "utf8");
      expect(text.split("\n")[0]).toMatch(/^# yaml-language-server: \$schema=.*scenario\.schema\.json$/);
      // Read-only: every call the export and the plan made is a read.
      expect(calls.filter((name) => !/^(Describe|Get|List)/.test(name))).toEqual([]);

      const exported = loadScenario(file);
      expect(exported.groups.map((g) => [g.name, g.desired, g.min, g.max])).toEqual(
        original.groups.map((g) => [g.name, g.desired, g.min, g.max]),
      );
      expect(exported.standalone).toBe(original.standalone);
      // Alarms named by a tag and not listed exist in OK: the export lists them with their state.
      expect(exported.alarms).toEqual(
        expect.arrayContaining(original.alarms.filter((alarm) => alarm.exists)),
      );
      expect(
        exported.groups.map((g) => [g.metricsCollection, g.inventory, g.launchTemplate.userData]),
      ).toEqual(original.groups.map((g) => [g.metricsCollection, g.inventory, g.launchTemplate.userData]));
      const expected = decisions(await dryRun(original));
      if (label.includes("warnings")) {
        expect(expected.readiness.flatMap((entry) => entry.codes)).toEqual(
          expect.arrayContaining([
            "METRICS_COLLECTION_OFF",
            "NO_INVENTORY",
            "USER_DATA_AL2",
            "ALARM_INSUFFICIENT_DATA",
          ]),
        );
      }
      expect(decisions(await dryRun(exported))).toEqual(expected);
    },
    120_000,
  );

  it("refuses a --scenario path in a folder that does not exist, with exit 2 and no call", async () => {
    const { err, io: planIo } = io();
    let built = false;
    const missing = join(tmpdir(), "no-such-folder-for-plan-scenario", "my-fleet.yaml");
    const code = await planCommand(["--scenario", missing, "--region", "us-east-1"], planIo, {
      clients: () => {
        built = true;
        throw new Error("no client should be built");
      },
    });
    expect(code).toBe(2);
    expect(built).toBe(false);
    expect(err.join("\n")).toContain("--scenario");
    expect(existsSync(missing)).toBe(false);
  });
});
