import { describe, expect, it } from "vitest";
import { parseRunRequest } from "../../src/run-request";
import { parseScenarioObject, type Scenario } from "../../src/scenario";
import type { Problem } from "../../src/validation";

const AL2 = {
  imageId: "ami-al2",
  name: "amzn2-ami-kernel-5.10-hvm-2.0.20260101-x86_64-gp2",
  platform: "Amazon Linux",
  platformVersion: "2",
  kernelVersion: "5.10.245-245.983.amzn2",
  architecture: "x86_64" as const,
  params: ["/aws/service/ami-amazon-linux-latest/amzn2-ami-kernel-5.10-hvm-x86_64-gp2"],
};
const AL2023 = {
  imageId: "ami-2023-61",
  name: "al2023-ami-2023.9.20261110.0-kernel-6.1-x86_64",
  platform: "Amazon Linux",
  platformVersion: "2023",
  kernelVersion: "6.1.158-180.294.amzn2023",
  architecture: "x86_64" as const,
  params: ["/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64"],
};

/** The example of CONTRACTS.md section 3. */
const CONTRACT_EXAMPLE = {
  name: "mixed-fleet",
  seed: 7,
  region: "us-east-1",
  start: "2026-11-21T09:00:00Z",
  images: [AL2, AL2023],
  groups: [
    {
      name: "web-canary",
      desired: 4,
      min: 4,
      max: 8,
      launchTemplate: { name: "web-lt", version: "1", imageId: "ami-al2" },
      tags: {
        "fleet-upgrade:managed": "true",
        "fleet-upgrade:ring": "canary",
        "fleet-upgrade:alarms": "web-5xx",
      },
      targetGroup: true,
      launchSeconds: 60,
      warmupSeconds: 180,
      onNewImage: { alarm: "web-5xx", whenReplacedPercent: 25 },
    },
    { name: "api", desired: 6, launchTemplate: { name: "api-lt", version: 3, imageId: "ami-al2" } },
  ],
  standalone: 3,
  faults: {
    throttle: { rate: 0.3, operations: ["ssm:GetInventory", "autoscaling:DescribeInstanceRefreshes"] },
    dropEvents: 1.0,
    crashAfterSideEffect: ["StartRefresh"],
    foreignRefresh: ["api"],
    stigFails: false,
  },
  hardening: {
    builderLaunchSeconds: 90,
    stigSeconds: 600,
    fipsSeconds: 60,
    rebootSeconds: 60,
    imageSeconds: 300,
  },
  operator: [
    { afterWave: "canary", action: "approve" },
    { atSeconds: 5400, action: "abort", reason: "pager went off" },
  ],
  request: {},
};

const minimal = (extra: Record<string, unknown> = {}) => ({
  name: "small",
  images: [AL2],
  groups: [
    { name: "web", desired: 2, launchTemplate: { name: "web-lt", version: "$Latest", imageId: "ami-al2" } },
  ],
  ...extra,
});

function accepts(input: unknown): Scenario {
  const result = parseScenarioObject(input);
  if (!result.ok)
    throw new Error(`expected a valid scenario, got:\n${JSON.stringify(result.problems, null, 2)}`);
  return result.scenario;
}

function problemsOf(input: unknown): Problem[] {
  const result = parseScenarioObject(input);
  if (result.ok) throw new Error("expected problems");
  return result.problems;
}

const fieldsOf = (input: unknown) => problemsOf(input).map((p) => p.field);

describe("parseScenarioObject", () => {
  it("accepts the example of the contract", () => {
    const scenario = accepts(CONTRACT_EXAMPLE);
    expect(scenario.groups[0]?.launchTemplate.version).toBe(1);
    expect(scenario.groups[1]?.launchTemplate.version).toBe(3);
    expect(scenario.faults.throttle?.rate).toBe(0.3);
  });

  it("fills every default of the contract", () => {
    expect(accepts(minimal())).toEqual({
      name: "small",
      seed: 1,
      region: "us-east-1",
      start: "2026-11-21T09:00:00Z",
      images: [AL2],
      groups: [
        {
          name: "web",
          desired: 2,
          min: 2,
          max: 2,
          launchTemplate: { name: "web-lt", version: "$Latest", imageId: "ami-al2" },
          tags: {},
          targetGroup: false,
          launchSeconds: 60,
          warmupSeconds: 120,
          onNewImage: {},
          metricsCollection: true,
          inventory: true,
          launchConfiguration: false,
          metrics: { CPUUtilization: { mean: 30, cv: 0.15 } },
        },
      ],
      standalone: 0,
      faults: {
        throttle: null,
        dropEvents: 0,
        crashAfterSideEffect: [],
        foreignRefresh: [],
        stigFails: false,
      },
      hardening: {
        builderLaunchSeconds: 90,
        stigSeconds: 600,
        fipsSeconds: 60,
        rebootSeconds: 60,
        imageSeconds: 300,
      },
      operator: [],
      alarms: [],
      stage: {},
      request: {},
    } satisfies Scenario);
  });

  it("defaults a throttle's rate to 0", () => {
    expect(accepts(minimal({ faults: { throttle: {} } })).faults.throttle).toEqual({
      rate: 0,
      operations: [],
    });
  });

  it("leaves the request for parseRunRequest", () => {
    const scenario = accepts(minimal({ request: { rollout: { checkpoints: [0] } } }));
    expect(scenario.request).toEqual({ rollout: { checkpoints: [0] } });
    expect(parseRunRequest(scenario.request).ok).toBe(false);
  });

  it.each([1, "2", "$Latest", "$Default"])("accepts launch template version %j", (version) => {
    const input = minimal();
    const group = { ...input.groups[0], launchTemplate: { name: "lt", version, imageId: "ami-al2" } };
    const expected = typeof version === "string" && version.startsWith("$") ? version : Number(version);
    expect(accepts({ ...input, groups: [group] }).groups[0]?.launchTemplate.version).toBe(expected);
  });

  it.each([0, -1, 1.5, "0", "03", "latest", "", null])("refuses launch template version %j", (version) => {
    const input = minimal();
    const group = { ...input.groups[0], launchTemplate: { name: "lt", version, imageId: "ami-al2" } };
    const problems = problemsOf({ ...input, groups: [group] });
    expect(problems).toEqual([
      {
        field: "groups[0].launchTemplate.version",
        value: version,
        expected: 'a version: an integer 1-10000 (3 or "3"), "$Latest" or "$Default"',
      },
    ]);
  });

  it("refuses an unknown architecture and lists the accepted ones", () => {
    expect(problemsOf(minimal({ images: [{ ...AL2, architecture: "i386" }] }))).toEqual([
      { field: "images[0].architecture", value: "i386", expected: 'one of "x86_64", "arm64"' },
    ]);
  });

  it("refuses a group whose launch template names an image the scenario does not have", () => {
    const input = minimal();
    const group = { ...input.groups[0], launchTemplate: { name: "lt", version: 1, imageId: "ami-nope" } };
    expect(problemsOf({ ...input, groups: [group] })).toEqual([
      {
        field: "groups[0].launchTemplate.imageId",
        value: "ami-nope",
        expected: 'an image id listed under images: "ami-al2"',
      },
    ]);
  });

  it("refuses min above desired and max below desired", () => {
    const lt = { name: "lt", version: 1, imageId: "ami-al2" };
    const groups = [
      { name: "a", desired: 2, min: 3, launchTemplate: lt },
      { name: "b", desired: 5, max: 4, launchTemplate: lt },
      { name: "c", desired: 5, min: 0, max: 10, launchTemplate: lt },
    ];
    expect(fieldsOf(minimal({ groups }))).toEqual(["groups[0].min", "groups[1].max"]);
  });

  it("refuses foreign refreshes on groups that do not exist", () => {
    expect(problemsOf(minimal({ faults: { foreignRefresh: ["web", "db"] } }))).toEqual([
      { field: "faults.foreignRefresh[1]", value: "db", expected: 'a group name of this scenario: "web"' },
    ]);
  });

  it("refuses operator actions without exactly one of afterWave and atSeconds, or with another action", () => {
    const operator = [
      { action: "approve" },
      { afterWave: "canary", atSeconds: 5, action: "abort" },
      { atSeconds: -1, action: "abort" },
      { afterWave: "canary", action: "pause" },
    ];
    expect(fieldsOf(minimal({ operator }))).toEqual([
      "operator[2].atSeconds",
      "operator[3].action",
      "operator[0]",
      "operator[1]",
    ]);
  });

  it("reports every problem at once, structural and cross-field", () => {
    const lt = { name: "lt", version: 1, imageId: "ami-al2" };
    const input = {
      name: "",
      seed: -1,
      region: "mars",
      start: "yesterday",
      images: [AL2, { ...AL2, architecture: "sparc" }],
      groups: [
        { name: "web", desired: 2, launchTemplate: lt, warmupSeconds: -5 },
        { name: "web", desired: 2, min: 3, launchTemplate: { ...lt, name: "lt1", imageId: "ami-x" } },
        { name: "db", desired: 1, launchTemplate: { ...lt, name: "lt2", version: "v1" } },
      ],
      faults: { dropEvents: 2, foreignRefresh: ["nope"], stigFail: true },
      hardening: { stigSeconds: "long" },
      operator: [{ action: "approve" }],
      request: [],
      extra: 1,
    };
    expect([...fieldsOf(input)].sort()).toEqual(
      [
        "name",
        "seed",
        "region",
        "start",
        "images[1].architecture",
        "images[1].imageId",
        "groups[0].warmupSeconds",
        "groups[1].name",
        "groups[1].min",
        "groups[1].launchTemplate.imageId",
        "groups[2].launchTemplate.version",
        "faults.dropEvents",
        "faults.stigFail",
        "faults.foreignRefresh[0]",
        "hardening.stigSeconds",
        "operator[0]",
        "request",
        "extra",
      ].sort(),
    );
  });

  it("requires groups sharing a launch template to agree on its fields", () => {
    const lt = { name: "shared-lt", version: 2, imageId: "ami-al2" };
    const groups = [
      { name: "a", desired: 1, launchTemplate: lt },
      { name: "b", desired: 1, launchTemplate: { ...lt, version: 3, userData: "#!/bin/sh" } },
      { name: "c", desired: 1, launchTemplate: lt },
    ];
    expect(fieldsOf(minimal({ groups }))).toEqual([
      "groups[1].launchTemplate.version",
      "groups[1].launchTemplate.userData",
    ]);
  });

  it("takes alarms with their state, and stage instance roles", () => {
    const scenario = accepts(
      minimal({
        alarms: [
          { name: "web-5xx", state: "INSUFFICIENT_DATA" },
          { name: "gone", exists: false },
        ],
        stage: { fleetInstanceRoles: ["web-role"] },
      }),
    );
    expect(scenario.alarms).toEqual([
      { name: "web-5xx", state: "INSUFFICIENT_DATA", exists: true },
      { name: "gone", state: "OK", exists: false },
    ]);
    expect(scenario.stage.fleetInstanceRoles).toEqual(["web-role"]);
    expect(fieldsOf(minimal({ alarms: [{ name: "x", state: "RED" }] }))).toEqual(["alarms[0].state"]);
  });

  it("suggests the right key for a misspelt one", () => {
    expect(problemsOf(minimal({ faults: { stigFail: true } }))).toEqual([
      { field: "faults.stigFail", value: true, expected: 'a known field (did you mean "stigFails"?)' },
    ]);
  });

  it("refuses a value that is not an object", () => {
    expect(problemsOf("name: x")).toEqual([
      { field: "(root)", value: "name: x", expected: "a scenario object" },
    ]);
  });
});

describe("parseScenarioObject: size caps", () => {
  const group = (extra: Record<string, unknown>) => ({
    name: "web",
    desired: 2,
    launchTemplate: { name: "web-lt", version: "1", imageId: "ami-al2" },
    ...extra,
  });

  it("refuses group sizes, standalone instances and template versions beyond what AWS or memory allows", () => {
    const problems = problemsOf(
      minimal({
        standalone: 1e9,
        groups: [
          group({
            desired: 1e9,
            min: 1e9,
            max: 1e9,
            launchTemplate: { name: "lt", version: 9007199254740991, imageId: "ami-al2" },
          }),
        ],
      }),
    );
    const byField = new Map(problems.map((p) => [p.field, p.expected]));
    expect(byField.get("standalone")).toBe("an integer 0-10000");
    expect(byField.get("groups[0].desired")).toBe("an integer 0-10000");
    expect(byField.get("groups[0].min")).toBe("an integer 0-10000");
    expect(byField.get("groups[0].max")).toBe("an integer 0-10000");
    expect(byField.get("groups[0].launchTemplate.version")).toContain("an integer 1-10000");
  });

  it("refuses a hardening step or a launch that would never end", () => {
    const fields = fieldsOf(
      minimal({
        hardening: { stigSeconds: 1e15 },
        groups: [group({ launchSeconds: 1e12, warmupSeconds: 1e12 })],
      }),
    );
    expect(fields).toEqual(["groups[0].launchSeconds", "groups[0].warmupSeconds", "hardening.stigSeconds"]);
  });

  it("accepts the largest values the caps allow", () => {
    const scenario = accepts(
      minimal({
        standalone: 10_000,
        hardening: { stigSeconds: 172_800 },
        groups: [
          group({ desired: 10_000, launchTemplate: { name: "lt", version: 10_000, imageId: "ami-al2" } }),
        ],
      }),
    );
    expect(scenario.groups[0]?.launchTemplate.version).toBe(10_000);
  });

  it("refuses more groups than the product is built for, naming the list", () => {
    const groups = Array.from({ length: 5_001 }, (_, i) => group({ name: `g${i}` }));
    expect(fieldsOf(minimal({ groups }))).toEqual(["groups"]);
  });

  it("refuses a per-instance metric mean beyond a billion, naming the field", () => {
    const fields = fieldsOf(
      minimal({ groups: [group({ metrics: { CPUUtilization: { mean: 1e300, cv: 0.1 } } })] }),
    );
    expect(fields).toEqual(["groups[0].metrics.CPUUtilization.mean"]);
  });

  it("refuses an operator reason longer than 500 characters", () => {
    const problems = problemsOf(
      minimal({ operator: [{ atSeconds: 60, action: "abort", reason: "x".repeat(501) }] }),
    );
    expect(problems.map((p) => [p.field, p.expected])).toEqual([
      ["operator[0].reason", "a string of at most 500 characters"],
    ]);
  });

  it("refuses JSON nested deeper than 32 levels without walking it, naming where", () => {
    let deep: unknown = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const problems = problemsOf(minimal({ request: { reason: deep } }));
    expect(problems).toHaveLength(1);
    expect(problems[0]?.field).toMatch(/^request\.reason(\[0\])+$/);
    expect(problems[0]?.expected).toBe("a value nested at most 32 levels deep");
  });
});
