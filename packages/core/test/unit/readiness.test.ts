import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  assertRunMayStart,
  type GroupDescription,
  judgeGroup,
  judgePlan,
  judgeReadiness,
  levelOf,
  type PlanDescription,
  READINESS_CODES,
  type ReadinessCode,
  type ReadinessContext,
  RunNotReadyError,
  readinessContextOf,
  skipReason,
} from "../../src/readiness";
import { RunRequestSchema } from "../../src/run-request";
import { RunResultSchema } from "../../src/run-result";
import { planWaves } from "../../src/wave-planner";

const CTX: ReadinessContext = {
  stage: "prod",
  stageFile: "stacks/prod.ts",
  fleetInstanceRoles: ["web-instance"],
  managedTagValue: "true",
};

const b64 = (text: string): string => Buffer.from(text).toString("base64");

function ready(over: Partial<GroupDescription> = {}): GroupDescription {
  return {
    group: "web",
    launch: {
      kind: "launchTemplate",
      id: "lt-0abc",
      name: "web-lt",
      versionSpec: "$Latest",
      tags: { "fleet-upgrade:managed": "true" },
      instanceProfileRole: "web-instance",
      userData: b64("#!/bin/bash\ndnf install -y nginx\nsystemctl enable --now nginx\n"),
    },
    sharedWith: [],
    foreignRefreshes: [],
    alarms: [{ name: "web-5xx", exists: true, state: "OK", namedBy: "request" }],
    metricsCollectionEnabled: true,
    instancesWithoutInventory: [],
    instancesNotOnline: [],
    ...over,
  };
}

const template = (over: Partial<Extract<GroupDescription["launch"], { kind: "launchTemplate" }>>) => {
  const base = ready().launch;
  if (base.kind !== "launchTemplate") throw new Error("fixture");
  return { ...base, ...over };
};

const codes = (d: GroupDescription): string[] => judgeGroup(d, CTX).findings.map((f) => f.code);

describe("judgeGroup: one code per problem, level the worst", () => {
  it("a group with nothing wrong is READY with no findings", () => {
    expect(judgeGroup(ready(), CTX)).toEqual({ group: "web", level: "READY", findings: [] });
  });

  it("LAUNCH_CONFIGURATION: BLOCKED, names the configuration and the console copy step", () => {
    const r = judgeGroup(ready({ launch: { kind: "launchConfiguration", name: "web-lc-2019" } }), CTX);
    expect(r.level).toBe("BLOCKED");
    expect(r.findings[0]?.code).toBe("LAUNCH_CONFIGURATION");
    expect(r.findings[0]?.message).toContain("web-lc-2019");
    expect(r.findings[0]?.remedy).toContain("Copy to launch template");
  });

  it("TEMPLATE_UNTAGGED: BLOCKED, with the create-tags command for the template id", () => {
    const r = judgeGroup(ready({ launch: template({ tags: {} }) }), CTX);
    expect(r.level).toBe("BLOCKED");
    expect(r.findings.map((f) => f.code)).toEqual(["TEMPLATE_UNTAGGED"]);
    expect(r.findings[0]?.remedy).toBe(
      "aws ec2 create-tags --resources lt-0abc --tags Key=fleet-upgrade:managed,Value=true",
    );
  });

  it("TEMPLATE_UNTAGGED also when the tag has another value", () => {
    const r = judgeGroup(ready({ launch: template({ tags: { "fleet-upgrade:managed": "no" } }) }), CTX);
    expect(r.findings[0]?.message).toContain("tagged fleet-upgrade:managed=no");
  });

  it("TEMPLATE_SHARED: only a group outside the run at $Latest or $Default", () => {
    expect(codes(ready({ sharedWith: [{ group: "api", versionSpec: "$Latest", inRun: false }] }))).toEqual([
      "TEMPLATE_SHARED",
    ]);
    expect(codes(ready({ sharedWith: [{ group: "api", versionSpec: "$Default", inRun: false }] }))).toEqual([
      "TEMPLATE_SHARED",
    ]);
    expect(codes(ready({ sharedWith: [{ group: "api", versionSpec: "4", inRun: false }] }))).toEqual([]);
    expect(codes(ready({ sharedWith: [{ group: "api", versionSpec: "$Latest", inRun: true }] }))).toEqual([]);
  });

  it("FOREIGN_REFRESH: BLOCKED, names the refresh and its status", () => {
    const r = judgeGroup(
      ready({ foreignRefreshes: [{ instanceRefreshId: "r-123", status: "InProgress" }] }),
      CTX,
    );
    expect(r.level).toBe("BLOCKED");
    expect(r.findings[0]?.code).toBe("FOREIGN_REFRESH");
    expect(r.findings[0]?.message).toContain("r-123 (InProgress)");
    expect(r.findings[0]?.remedy).toContain("describe-instance-refreshes --auto-scaling-group-name web");
  });

  it("ROLE_NOT_PASSABLE: names the role and the stage file line to add it to", () => {
    const r = judgeGroup(ready({ launch: template({ instanceProfileRole: "legacy-role" }) }), CTX);
    expect(r.level).toBe("BLOCKED");
    expect(r.findings[0]?.code).toBe("ROLE_NOT_PASSABLE");
    expect(r.findings[0]?.message).toContain("legacy-role");
    expect(r.findings[0]?.remedy).toContain('add "legacy-role" to fleetInstanceRoles in stacks/prod.ts');
  });

  it("no instance profile: nothing to pass, no ROLE_NOT_PASSABLE", () => {
    expect(codes(ready({ launch: template({ instanceProfileRole: null }) }))).toEqual([]);
  });

  it("ALARM_MISSING for an alarm the group's tag names: BLOCKED at group level", () => {
    const r = judgeGroup(
      ready({ alarms: [{ name: "web-latncy", exists: false, state: null, namedBy: "tag" }] }),
      CTX,
    );
    expect(r.level).toBe("BLOCKED");
    expect(r.findings[0]?.code).toBe("ALARM_MISSING");
    expect(r.findings[0]?.message).toContain("web-latncy");
  });

  it("ALARM_FIRING: BLOCKED; ALARM_INSUFFICIENT_DATA: WARN", () => {
    expect(
      judgeGroup(ready({ alarms: [{ name: "a", exists: true, state: "ALARM", namedBy: "tag" }] }), CTX),
    ).toMatchObject({
      level: "BLOCKED",
      findings: [{ code: "ALARM_FIRING" }],
    });
    expect(
      judgeGroup(
        ready({ alarms: [{ name: "a", exists: true, state: "INSUFFICIENT_DATA", namedBy: "request" }] }),
        CTX,
      ),
    ).toMatchObject({ level: "WARN", findings: [{ code: "ALARM_INSUFFICIENT_DATA" }] });
  });

  it("TOO_MANY_ALARMS: WARN past 10 alarms AWS could take, naming the ones the run judges", () => {
    const alarms = Array.from({ length: 12 }, (_, i) => ({
      name: `a${String(i).padStart(2, "0")}`,
      exists: true,
      state: "OK" as const,
      namedBy: "tag" as const,
    }));
    const r = judgeGroup(ready({ alarms }), CTX);
    expect(r).toMatchObject({ level: "WARN", findings: [{ code: "TOO_MANY_ALARMS" }] });
    expect(r.findings[0]?.message).toContain("the run judges a10, a11 itself");
    expect(codes(ready({ alarms: alarms.slice(0, 10) }))).toEqual([]);
  });

  it("METRICS_COLLECTION_OFF: WARN with the enable-metrics-collection command", () => {
    const r = judgeGroup(ready({ metricsCollectionEnabled: false }), CTX);
    expect(r.level).toBe("WARN");
    expect(r.findings[0]?.remedy).toBe(
      "aws autoscaling enable-metrics-collection --auto-scaling-group-name web --granularity 1Minute",
    );
  });

  it("NO_INVENTORY and SSM_OFFLINE: WARN, naming the instances", () => {
    const r = judgeGroup(
      ready({
        instancesWithoutInventory: ["i-1"],
        instancesNotOnline: [{ instanceId: "i-2", pingStatus: "ConnectionLost" }],
      }),
      CTX,
    );
    expect(r.level).toBe("WARN");
    expect(r.findings.map((f) => f.code)).toEqual(["NO_INVENTORY", "SSM_OFFLINE"]);
    expect(r.findings[0]?.message).toContain("i-1");
    expect(r.findings[1]?.message).toContain("i-2 (ConnectionLost)");
  });

  it("USER_DATA_AL2: WARN, quoting the lines with numbers and the AL2023 replacement", () => {
    const userData = b64("#!/bin/bash\namazon-linux-extras install -y nginx1\nsystemctl start ntpd\n");
    const r = judgeGroup(ready({ launch: template({ userData }) }), CTX);
    expect(r.level).toBe("WARN");
    expect(r.findings[0]?.code).toBe("USER_DATA_AL2");
    expect(r.findings[0]?.message).toContain("line 2: amazon-linux-extras install -y nginx1");
    expect(r.findings[0]?.message).toContain("line 3: systemctl start ntpd");
    expect(r.findings[0]?.remedy).toContain("dnf install");
    expect(r.findings[0]?.remedy).toContain("chronyd");
  });

  it("a group with BLOCKED and WARN findings is BLOCKED", () => {
    const r = judgeGroup(ready({ metricsCollectionEnabled: false, launch: template({ tags: {} }) }), CTX);
    expect(r.level).toBe("BLOCKED");
    expect(skipReason(r)).toMatch(/^not ready \(TEMPLATE_UNTAGGED\): launch template web-lt/);
  });
});

function planOf(
  tagsByGroup: Record<string, Record<string, string>>,
  waves = RunRequestSchema.parse({}).rollout.waves,
  allowEmptyFirstWave = false,
): PlanDescription {
  const groups = Object.entries(tagsByGroup).map(([name, tags]) => ({ name, instances: 2, tags }));
  return { waves, plan: planWaves(groups, waves), groups, allowEmptyFirstWave };
}

describe("judgePlan and the first-wave rule", () => {
  it("a mistyped canary ring: WAVE_EMPTY naming the wave and ring, and the run is refused", () => {
    const waves = [
      { name: "canary", ring: "canry" },
      { name: "rest", percent: 100 },
    ];
    const r = judgePlan(planOf({ web: { "fleet-upgrade:ring": "canary" }, api: {} }, waves));
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]?.code).toBe("WAVE_EMPTY");
    expect(r.findings[0]?.message).toContain("wave canary (ring canry)");
    expect(r.findings[0]?.message).toContain('did you mean "canary"?');
    expect(r.refusal).toContain("wave canary (ring canry)");
  });

  it("allowEmptyFirstWave: true keeps the finding but lets the run go", () => {
    const r = judgePlan(planOf({ api: {} }, undefined, true));
    expect(r.findings.map((f) => f.code)).toEqual(["WAVE_EMPTY"]);
    expect(r.refusal).toBeNull();
  });

  it("an empty later ring wave warns without refusing", () => {
    const waves = [
      { name: "rest", percent: 100 },
      { name: "late", ring: "late" },
    ];
    const r = judgePlan(planOf({ api: {} }, waves));
    expect(r.findings.map((f) => f.code)).toEqual(["WAVE_EMPTY"]);
    expect(r.refusal).toBeNull();
  });

  it("a canary that matches: no finding", () => {
    expect(judgePlan(planOf({ web: { "fleet-upgrade:ring": "canary" }, api: {} }))).toEqual({
      findings: [],
      refusal: null,
    });
  });

  it("no targeted group at all: nothing to refuse", () => {
    expect(judgePlan(planOf({})).refusal).toBeNull();
  });
});

describe("judgeReadiness", () => {
  it("an alarm named by the request that does not exist: run-level ALARM_MISSING and a refusal", () => {
    const report = judgeReadiness({
      groups: [ready({ alarms: [{ name: "web-5xx", exists: false, state: null, namedBy: "request" }] })],
      plan: planOf({ web: { "fleet-upgrade:ring": "canary" } }),
      context: CTX,
    });
    expect(report.readiness).toContainEqual(
      expect.objectContaining({
        group: null,
        level: "BLOCKED",
        findings: [expect.objectContaining({ code: "ALARM_MISSING" })],
      }),
    );
    expect(report.refusal).toContain("web-5xx named by the request");
    expect(() => assertRunMayStart(report)).toThrow(RunNotReadyError);
  });

  it("lists BLOCKED groups, groups first by name, then run-level entries", () => {
    const report = judgeReadiness({
      groups: [ready({ group: "zeta", launch: template({ tags: {} }) }), ready({ group: "alpha" })],
      plan: planOf({ alpha: {}, zeta: {} }, undefined, true),
      context: CTX,
    });
    expect(report.readiness.map((r) => r.group)).toEqual(["alpha", "zeta", null]);
    expect(report.blocked).toEqual(["zeta"]);
    expect(report.refusal).toBeNull();
    expect(() => assertRunMayStart(report)).not.toThrow();
  });

  it("the readiness it produces validates as the run result's readiness[]", () => {
    const report = judgeReadiness({
      groups: [ready({ metricsCollectionEnabled: false })],
      plan: planOf({ web: {} }),
      context: CTX,
    });
    const shape = RunResultSchema.shape.readiness;
    expect(shape.safeParse(report.readiness).success).toBe(true);
  });
});

describe("levels", () => {
  const allCodes = Object.keys(READINESS_CODES) as ReadinessCode[];

  it("every code of the contract table has its level", () => {
    expect(READINESS_CODES).toEqual({
      LAUNCH_CONFIGURATION: "BLOCKED",
      TEMPLATE_UNTAGGED: "BLOCKED",
      TEMPLATE_SHARED: "BLOCKED",
      FOREIGN_REFRESH: "BLOCKED",
      ROLE_NOT_PASSABLE: "BLOCKED",
      ALARM_MISSING: "BLOCKED",
      ALARM_FIRING: "BLOCKED",
      ALARM_INSUFFICIENT_DATA: "WARN",
      TOO_MANY_ALARMS: "WARN",
      METRICS_COLLECTION_OFF: "WARN",
      NO_INVENTORY: "WARN",
      SSM_OFFLINE: "WARN",
      USER_DATA_AL2: "WARN",
      WAVE_EMPTY: "WARN",
    });
  });

  it("levelOf is the max of the findings' levels (READY when none)", () => {
    const rank = { READY: 0, WARN: 1, BLOCKED: 2 } as const;
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...allCodes), { maxLength: 8 }), (list) => {
        const expected = list.reduce((m, c) => Math.max(m, rank[READINESS_CODES[c]]), 0);
        expect(rank[levelOf(list.map((code) => ({ code })))]).toBe(expected);
      }),
    );
  });

  it("property: a judged group's level is always the worst of its findings", () => {
    const alarm = fc.record({
      name: fc.constantFrom("a", "b", "c"),
      exists: fc.boolean(),
      state: fc.constantFrom("OK" as const, "ALARM" as const, "INSUFFICIENT_DATA" as const, null),
      namedBy: fc.constantFrom("request" as const, "tag" as const),
    });
    const description = fc.record({
      group: fc.constant("g"),
      launch: fc.oneof(
        fc.record({ kind: fc.constant("launchConfiguration" as const), name: fc.constant("lc") }),
        fc.record({
          kind: fc.constant("launchTemplate" as const),
          id: fc.constant("lt-1"),
          name: fc.constant("t"),
          versionSpec: fc.constantFrom("$Latest", "3"),
          tags: fc.constantFrom<Record<string, string>>({}, { "fleet-upgrade:managed": "true" }),
          instanceProfileRole: fc.constantFrom(null, "web-instance", "other"),
          userData: fc.constantFrom(null, b64("yum-config-manager --enable x\n")),
        }),
      ),
      sharedWith: fc.array(
        fc.record({
          group: fc.constant("o"),
          versionSpec: fc.constantFrom("$Latest", "2"),
          inRun: fc.boolean(),
        }),
        { maxLength: 2 },
      ),
      foreignRefreshes: fc.array(
        fc.record({ instanceRefreshId: fc.constant("r"), status: fc.constant("Pending") }),
        {
          maxLength: 1,
        },
      ),
      alarms: fc.array(alarm, { maxLength: 4 }),
      metricsCollectionEnabled: fc.boolean(),
      instancesWithoutInventory: fc.array(fc.constant("i-1"), { maxLength: 1 }),
      instancesNotOnline: fc.array(
        fc.record({ instanceId: fc.constant("i-2"), pingStatus: fc.constant(null) }),
        {
          maxLength: 1,
        },
      ),
    });
    fc.assert(
      fc.property(description, (d) => {
        const r = judgeGroup(d, CTX);
        expect(r.level).toBe(levelOf(r.findings));
        for (const f of r.findings) {
          expect(f.message.length).toBeGreaterThan(0);
          expect(f.remedy.length).toBeGreaterThan(0);
        }
      }),
    );
  });
});

describe("readinessContextOf", () => {
  it("takes the stage's roles and tag value, and the file a person edits", () => {
    expect(
      readinessContextOf("alice", "stacks/dev.ts", { fleetInstanceRoles: ["r"], managedTagValue: "true" }),
    ).toEqual({
      stage: "alice",
      stageFile: "stacks/dev.ts",
      fleetInstanceRoles: ["r"],
      managedTagValue: "true",
    });
  });
});
