/**
 * Readiness before anything changes (issue 12, CONTRACTS.md sections 2 and 4), end to end through
 * the simulator: a fleet with every readiness problem the twin models.
 */
import { join } from "node:path";
import { type GroupReadiness, READINESS_CODES } from "@fleet-upgrade/core";
import { type SimulationOutcome, simulate } from "@fleet-upgrade/harness";
import { loadScenario } from "@fleet-upgrade/simulator";
import { beforeAll, describe, expect, it } from "vitest";
import { MUTATING_OPERATIONS, mistypedRingScenario, runCli } from "./support";

const NOT_READY = join(__dirname, "..", "scenarios", "not-ready.yaml");

/** Group -> the code it is built to show (test/scenarios/not-ready.yaml). */
const EXPECTED: Record<string, keyof typeof READINESS_CODES> = {
  "launch-config": "LAUNCH_CONFIGURATION",
  "untagged-template": "TEMPLATE_UNTAGGED",
  "shared-template": "TEMPLATE_SHARED",
  "foreign-refresh": "FOREIGN_REFRESH",
  "wrong-role": "ROLE_NOT_PASSABLE",
  "missing-alarm": "ALARM_MISSING",
  "firing-alarm": "ALARM_FIRING",
  "no-data-alarm": "ALARM_INSUFFICIENT_DATA",
  "many-alarms": "TOO_MANY_ALARMS",
  "metrics-off": "METRICS_COLLECTION_OFF",
  "no-inventory": "NO_INVENTORY",
  "al2-user-data": "USER_DATA_AL2",
};
const BLOCKED = Object.keys(EXPECTED).filter(
  (g) => READINESS_CODES[EXPECTED[g] as keyof typeof READINESS_CODES] === "BLOCKED",
);

function entry(readiness: GroupReadiness[] | undefined, group: string | null): GroupReadiness {
  const found = (readiness ?? []).find((r) => r.group === group);
  if (!found) throw new Error(`no readiness entry for ${group}`);
  return found;
}

describe("a dry run of a fleet that is not ready", () => {
  let dry: { code: number; stdout: string };
  let json: { code: number; stdout: string };
  beforeAll(async () => {
    dry = await runCli(["simulate", NOT_READY, "--request", '{"dryRun": true}']);
    json = await runCli(["simulate", NOT_READY, "--json", "--request", '{"dryRun": true}']);
  }, 240_000);

  it("names each problem with its code, level and remedy, and exits 1", () => {
    expect(dry.code).toBe(1);
    expect(json.code).toBe(1);
    const result = JSON.parse(json.stdout) as { status: string; readiness: GroupReadiness[] };
    expect(result.status).toBe("PLANNED");
    for (const [group, code] of Object.entries(EXPECTED)) {
      const e = entry(result.readiness, group);
      const finding = e.findings.find((f) => f.code === code);
      expect(finding, `${group} ${code}`).toBeDefined();
      expect(finding?.message).toContain(group);
      expect(finding?.remedy.length).toBeGreaterThan(10);
      expect(e.level).toBe(READINESS_CODES[code] === "BLOCKED" ? "BLOCKED" : e.level);
      // The table shows group, level, code and remedy on one row.
      const table = dry.stdout.slice(dry.stdout.indexOf("\nreadiness:"));
      const row = table.split("\n").find((l) => l.startsWith(`${group} `) && l.includes(code));
      expect(row, `${group} ${code} row`).toBeDefined();
      expect(row).toContain(READINESS_CODES[code] === "BLOCKED" ? "BLOCKED" : "WARN");
      expect(row).toContain(finding?.remedy);
    }
    expect(entry(result.readiness, "canary").level).toBe("READY");
    const empty = entry(result.readiness, null).findings.find((f) => f.code === "WAVE_EMPTY");
    expect(empty?.message).toContain("wave blue (ring bleu)");
  });

  it("quotes the AL2-only lines of the user data and gives the AL2023 replacement", () => {
    const result = JSON.parse(json.stdout) as { readiness: GroupReadiness[] };
    const f = entry(result.readiness, "al2-user-data").findings.find((x) => x.code === "USER_DATA_AL2");
    expect(f?.message).toContain("amazon-linux-extras install -y nginx1");
    expect(f?.remedy).toContain("dnf");
    expect(f?.remedy).toContain("chronyd");
  });

  it("names the groups the run does not target that still run AL2", () => {
    const result = JSON.parse(json.stdout) as {
      inventory: { untargeted?: { group: string; instances: number; platforms: Record<string, number> }[] };
    };
    expect(result.inventory.untargeted).toEqual([
      { group: "outside-run", instances: 2, platforms: { "Amazon Linux 2": 2 } },
    ]);
    expect(dry.stdout).toContain("still on AL2 and not managed: outside-run (2 of 2)");
  });

  it("gives an estimate of the run", () => {
    const result = JSON.parse(json.stdout) as { estimate?: { seconds: number } };
    expect(result.estimate?.seconds).toBeGreaterThan(0);
  });
});

describe("a real run of a fleet that is not ready", () => {
  let run: SimulationOutcome;
  beforeAll(async () => {
    run = await simulate(loadScenario(NOT_READY));
  }, 240_000);

  it("never touches a BLOCKED group: no new template version, no refresh, SKIPPED with the code", () => {
    for (const name of BLOCKED) {
      const group = run.result.groups.find((g) => g.name === name);
      if (name === "launch-config") {
        // Not inventoried (no launch template): nothing of the run reaches it.
        expect(group).toBeUndefined();
      } else {
        expect(group?.outcome, name).toBe("SKIPPED");
        expect(group?.reason).toContain(EXPECTED[name]);
        expect(group?.instanceRefreshIds).toEqual([]);
      }
      const state = run.account.world.groups.get(name);
      const ours = (state?.refreshes ?? []).filter((r) => !r.foreign);
      expect(ours, name).toEqual([]);
      if (name !== "launch-config") expect(state?.template.versions.length, name).toBe(1);
    }
  });

  it("fails no group through an AWS refusal: the WARN groups are upgraded", () => {
    for (const name of Object.keys(EXPECTED).filter((g) => !BLOCKED.includes(g))) {
      const group = run.result.groups.find((g) => g.name === name);
      expect(group?.outcome, `${name}: ${group?.reason}`).toBe("UPGRADED");
    }
    expect(run.result.groups.find((g) => g.name === "canary")?.outcome).toBe("UPGRADED");
    expect(run.result.groups.filter((g) => g.outcome === "FAILED")).toEqual([]);
  });

  it("works around the WARN findings: metrics collection turned on, alarms AWS would refuse left to the run", () => {
    expect(run.account.world.groups.get("metrics-off")?.metricsEnabledMs).not.toBeNull();
    const metricsOff = run.result.groups.find((g) => g.name === "metrics-off");
    expect(metricsOff?.notes).toContain("group metrics collection was off: the run turned it on");
    const noData = run.result.groups.find((g) => g.name === "no-data-alarm");
    expect(noData?.notes?.join(" ")).toContain("quiet-5xx (in INSUFFICIENT_DATA)");
    const many = run.result.groups.find((g) => g.name === "many-alarms");
    expect(many?.notes?.join(" ")).toContain("beyond the 10 alarms a refresh takes");
  });
});

describe("a mistyped canary ring", () => {
  it("fails the run before any change, naming the wave and the ring", async () => {
    const scenario = mistypedRingScenario();
    const { result } = await simulate(scenario);
    expect(result.status).toBe("FAILED");
    expect(result.reason).toContain("wave canary (ring canry)");
    for (const op of MUTATING_OPERATIONS) expect(result.metrics.apiCalls[op], op).toBeUndefined();
    expect(entry(result.readiness, null).findings[0]?.code).toBe("WAVE_EMPTY");
  }, 240_000);
});
