import { describe, expect, it } from "vitest";
import { InvalidRunRequestError } from "../../src/errors";
import {
  deepMerge,
  parseRunRequest,
  type RunRequest,
  RunRequestSchema,
  StageSettingsSchema,
  validateRunRequest,
} from "../../src/run-request";
import type { Problem } from "../../src/validation";

const FULL_DEFAULT: RunRequest = {
  reason: "AL2 end of support",
  targets: { tags: { "fleet-upgrade:managed": "true" }, autoScalingGroupNames: [] },
  image: { kernel: "6.1", flavor: "standard", imageId: null },
  hardening: { stig: "high", fips: true, allowUnvalidatedKernel: false },
  rollout: {
    waves: [
      { name: "canary", ring: "canary" },
      { name: "early", percent: 25 },
      { name: "rest", percent: 100 },
    ],
    maxParallelGroups: 10,
    checkpoints: [20, 50],
    checkpointDelaySeconds: 600,
    minHealthyPercentage: 90,
    maxHealthyPercentage: 110,
    instanceWarmupSeconds: null,
    bakeSeconds: 900,
    approval: "none",
    allowEmptyFirstWave: false,
  },
  health: {
    alarms: [],
    targetGroups: true,
    ssmOnline: true,
    verifyCompliance: true,
    analysis: {
      enabled: true,
      metrics: [
        { namespace: "AWS/EC2", name: "CPUUtilization", stat: "Average", worse: "higher", tolerance: 0.25 },
      ],
      confidence: 0.99,
      minInstances: 2,
    },
  },
  rollback: { scope: "group" },
  dryRun: false,
};

function problemsOf(input: unknown, stage?: Parameters<typeof parseRunRequest>[1]): Problem[] {
  const result = parseRunRequest(input, stage);
  if (result.ok) throw new Error(`expected problems, got a valid request for ${JSON.stringify(input)}`);
  return result.problems;
}

function fieldsOf(input: unknown, stage?: Parameters<typeof parseRunRequest>[1]): string[] {
  return problemsOf(input, stage).map((p) => p.field);
}

function accepts(input: unknown, stage?: Parameters<typeof parseRunRequest>[1]): RunRequest {
  const result = parseRunRequest(input, stage);
  if (!result.ok)
    throw new Error(`expected a valid request, got:\n${JSON.stringify(result.problems, null, 2)}`);
  return result.request;
}

const rollout = (extra: Record<string, unknown>) => ({ rollout: extra });

describe("defaults", () => {
  it("turns {} into the full default request of the contract", () => {
    expect(RunRequestSchema.parse({})).toEqual(FULL_DEFAULT);
    expect(accepts({})).toEqual(FULL_DEFAULT);
  });

  it("treats a missing input as {}", () => {
    expect(accepts(undefined)).toEqual(FULL_DEFAULT);
  });

  it("fills defaults inside a partly given section", () => {
    const request = accepts({ rollout: { bakeSeconds: 60 } });
    expect(request.rollout).toEqual({ ...FULL_DEFAULT.rollout, bakeSeconds: 60 });
  });

  it("never shares default arrays between parses", () => {
    const first = RunRequestSchema.parse({});
    first.rollout.checkpoints.push(99);
    first.rollout.waves.pop();
    expect(RunRequestSchema.parse({})).toEqual(FULL_DEFAULT);
  });
});

describe("FIPS kernel gate", () => {
  it("refuses fips with an unvalidated kernel track and names the field", () => {
    const problems = problemsOf({ image: { kernel: "6.12" } });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ field: "image.kernel", value: "6.12" });
    expect(problems[0]?.expected).toContain('"6.1"');
    expect(problems[0]?.expected).toContain("allowUnvalidatedKernel");
  });

  it("refuses fips with the default kernel track unless the stage validates it", () => {
    expect(fieldsOf({ image: { kernel: "default" } })).toEqual(["image.kernel"]);
    expect(
      accepts({ image: { kernel: "default" } }, { validatedFipsKernels: ["6.1", "default"] }).image.kernel,
    ).toBe("default");
  });

  it("accepts an unvalidated track when allowUnvalidatedKernel is true", () => {
    expect(
      accepts({ image: { kernel: "6.18" }, hardening: { allowUnvalidatedKernel: true } }).image.kernel,
    ).toBe("6.18");
  });

  it("accepts any track without fips", () => {
    expect(accepts({ image: { kernel: "6.18" }, hardening: { fips: false } }).image.kernel).toBe("6.18");
  });

  it("takes the validated tracks from the stage settings", () => {
    expect(accepts({ image: { kernel: "6.12" } }, { validatedFipsKernels: ["6.12"] }).image.kernel).toBe(
      "6.12",
    );
    expect(fieldsOf({}, { validatedFipsKernels: ["6.12"] })).toEqual(["image.kernel"]);
  });

  it("the plain schema checks against the default validated track", () => {
    expect(RunRequestSchema.safeParse({ image: { kernel: "6.12" } }).success).toBe(false);
  });
});

describe("waves", () => {
  it("accepts ring and percent waves in ascending order", () => {
    const waves = [
      { name: "canary", ring: "canary" },
      { name: "a", percent: 10 },
      { name: "pilot", ring: "pilot" },
      { name: "b", percent: 100 },
    ];
    expect(accepts(rollout({ waves })).rollout.waves).toEqual(waves);
  });

  it.each([0, 101, 12.5, "50"])("refuses percent %j and says integer 1-100", (percent) => {
    const problems = problemsOf(rollout({ waves: [{ name: "w", percent }] }));
    expect(problems).toEqual([
      { field: "rollout.waves[0].percent", value: percent, expected: "an integer 1-100" },
    ]);
  });

  it("refuses percentages that do not ascend across percent waves", () => {
    const waves = [
      { name: "a", percent: 50 },
      { name: "ring", ring: "x" },
      { name: "b", percent: 50 },
      { name: "c", percent: 30 },
    ];
    expect(fieldsOf(rollout({ waves }))).toEqual(["rollout.waves[2].percent", "rollout.waves[3].percent"]);
  });

  it("refuses a wave with both ring and percent, and one with neither", () => {
    const waves = [{ name: "both", ring: "canary", percent: 10 }, { name: "neither" }];
    const problems = problemsOf(rollout({ waves }));
    expect(problems.map((p) => p.field)).toEqual(["rollout.waves[0]", "rollout.waves[1]"]);
    expect(problems[0]?.expected).toMatch(/exactly one of "ring" or "percent"/);
  });

  it("refuses an empty ring name", () => {
    expect(fieldsOf(rollout({ waves: [{ name: "w", ring: "" }] }))).toEqual(["rollout.waves[0].ring"]);
  });

  it("refuses duplicate and empty wave names", () => {
    const waves = [
      { name: "a", ring: "canary" },
      { name: "a", percent: 50 },
      { name: "", percent: 100 },
    ];
    const problems = problemsOf(rollout({ waves }));
    expect(problems.map((p) => p.field)).toEqual(["rollout.waves[2].name", "rollout.waves[1].name"]);
    expect(problems[1]?.expected).toContain("rollout.waves[0]");
  });

  it("refuses an empty list of waves", () => {
    expect(fieldsOf(rollout({ waves: [] }))).toEqual(["rollout.waves"]);
  });

  it("catches a misspelt wave key", () => {
    const problems = problemsOf(rollout({ waves: [{ name: "w", precent: 10 }] }));
    expect(problems).toContainEqual({
      field: "rollout.waves[0].precent",
      value: 10,
      expected: 'a known field (did you mean "percent"?)',
    });
  });
});

describe("checkpoints", () => {
  it("reads naturally when a checkpoint is out of range", () => {
    expect(problemsOf(rollout({ checkpoints: [0] }))).toEqual([
      { field: "rollout.checkpoints[0]", value: 0, expected: "an integer 1-99" },
    ]);
  });

  it.each([[[100]], [[10.5]], [["20"]]])("refuses checkpoints %j", (checkpoints) => {
    expect(fieldsOf(rollout({ checkpoints }))).toEqual(["rollout.checkpoints[0]"]);
  });

  it("refuses checkpoints that do not ascend strictly", () => {
    expect(fieldsOf(rollout({ checkpoints: [20, 20, 10, 90] }))).toEqual([
      "rollout.checkpoints[1]",
      "rollout.checkpoints[2]",
    ]);
  });

  it("accepts no checkpoints", () => {
    expect(accepts(rollout({ checkpoints: [] })).rollout.checkpoints).toEqual([]);
  });
});

describe("rollout numbers", () => {
  it.each([
    ["minHealthyPercentage", -1, "an integer 0-100"],
    ["minHealthyPercentage", 101, "an integer 0-100"],
    ["maxHealthyPercentage", 99, "an integer 100-200"],
    ["maxHealthyPercentage", 201, "an integer 100-200"],
    ["maxParallelGroups", 0, "an integer 1-1000"],
    ["maxParallelGroups", 1001, "an integer 1-1000"],
    ["maxParallelGroups", 2.5, "an integer 1-1000"],
    ["checkpointDelaySeconds", -1, "an integer 0-172800"],
    ["checkpointDelaySeconds", 172801, "an integer 0-172800"],
    ["bakeSeconds", -5, "an integer 0-172800"],
    ["bakeSeconds", 172801, "an integer 0-172800"],
    ["instanceWarmupSeconds", 3601, "null or an integer 0-3600"],
    ["instanceWarmupSeconds", -1, "null or an integer 0-3600"],
  ])("refuses %s = %j, expecting %s", (key, value, expected) => {
    const input = rollout({
      [key]: value,
      ...(key === "minHealthyPercentage" ? { maxHealthyPercentage: 100 } : {}),
    });
    expect(problemsOf(input)).toEqual([{ field: `rollout.${key}`, value, expected }]);
  });

  it("accepts the edges of every range", () => {
    const request = accepts(
      rollout({
        minHealthyPercentage: 100,
        maxHealthyPercentage: 200,
        maxParallelGroups: 1000,
        checkpointDelaySeconds: 172800,
        bakeSeconds: 0,
        instanceWarmupSeconds: 3600,
      }),
    );
    expect(request.rollout.maxHealthyPercentage).toBe(200);
    expect(
      accepts(rollout({ instanceWarmupSeconds: 0, minHealthyPercentage: 0, maxHealthyPercentage: 100 })),
    ).toBeTruthy();
  });

  it("refuses a healthy range wider than 100 points", () => {
    const problems = problemsOf(rollout({ minHealthyPercentage: 50, maxHealthyPercentage: 151 }));
    expect(problems).toEqual([
      {
        field: "rollout.maxHealthyPercentage",
        value: 151,
        expected: "an integer 100-150: at most rollout.minHealthyPercentage (50) + 100",
      },
    ]);
    expect(accepts(rollout({ minHealthyPercentage: 50, maxHealthyPercentage: 150 }))).toBeTruthy();
  });

  it("refuses an unknown approval mode", () => {
    expect(problemsOf(rollout({ approval: "always" }))).toEqual([
      { field: "rollout.approval", value: "always", expected: 'one of "none", "between-waves"' },
    ]);
  });
});

describe("image, hardening, health, rollback", () => {
  it("lists the kernel tracks when the track is unknown", () => {
    expect(problemsOf({ image: { kernel: "5.10" } })).toEqual([
      { field: "image.kernel", value: "5.10", expected: 'one of "default", "6.1", "6.12", "6.18"' },
    ]);
  });

  it.each(["ami-0abc123", null])("accepts image id %j", (imageId) => {
    expect(accepts({ image: { imageId } }).image.imageId).toBe(imageId);
  });

  it.each(["ami-", "AMI-123", "ami-0ABC", "ami_123", 12])("refuses image id %j", (imageId) => {
    expect(fieldsOf({ image: { imageId } })).toEqual(["image.imageId"]);
  });

  it.each([
    [{ image: { flavor: "tiny" } }, "image.flavor"],
    [{ hardening: { stig: "max" } }, "hardening.stig"],
    [{ hardening: { fips: "yes" } }, "hardening.fips"],
    [{ health: { alarms: [""] } }, "health.alarms[0]"],
    [{ health: { ssmOnline: 1 } }, "health.ssmOnline"],
    [{ rollback: { scope: "fleet" } }, "rollback.scope"],
    [{ targets: { tags: { a: 1 } } }, "targets.tags.a"],
    [{ targets: { autoScalingGroupNames: "web" } }, "targets.autoScalingGroupNames"],
    [{ dryRun: "true" }, "dryRun"],
    [{ reason: 5 }, "reason"],
  ])("refuses %j at %s", (input, field) => {
    expect(fieldsOf(input)).toEqual([field]);
  });

  it("rejects unknown keys at every level so typos are caught", () => {
    expect(
      fieldsOf({ dryrun: true, image: { kernal: "6.1" }, rollback: { scope: "run", extra: 1 } }),
    ).toEqual(["image.kernal", "rollback.extra", "dryrun"]);
  });

  it("refuses a value that is not an object", () => {
    expect(problemsOf([1, 2])).toEqual([
      { field: "(root)", value: [1, 2], expected: "a run request object" },
    ]);
    expect(problemsOf("{}")[0]?.field).toBe("(root)");
    expect(problemsOf(null)[0]?.field).toBe("(root)");
  });
});

describe("all problems at once", () => {
  it("reports structural and rule problems from every section together", () => {
    const input = {
      image: { kernel: "6.12", imageId: "bad" },
      hardening: { stig: "max" },
      rollout: {
        waves: [
          { name: "a", percent: 50 },
          { name: "a", percent: 40 },
        ],
        checkpoints: [0, 60, 50],
        minHealthyPercentage: 0,
        maxHealthyPercentage: 150,
        maxParallelGroups: 0,
      },
      dryRn: true,
    };
    const fields = fieldsOf(input);
    expect([...fields].sort()).toEqual(
      [
        "image.imageId",
        "hardening.stig",
        "rollout.maxParallelGroups",
        "rollout.checkpoints[0]",
        "dryRn",
        "image.kernel",
        "rollout.waves[1].name",
        "rollout.waves[1].percent",
        "rollout.checkpoints[2]",
        "rollout.maxHealthyPercentage",
      ].sort(),
    );
  });

  it("puts every problem in the thrown error's message, one per line", () => {
    let error: unknown;
    try {
      validateRunRequest({ rollout: { checkpoints: [0], bakeSeconds: -1 } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidRunRequestError);
    const invalid = error as InvalidRunRequestError;
    expect(invalid.name).toBe("InvalidRunRequestError");
    expect(invalid.problems).toHaveLength(2);
    expect(invalid.message).toBe(
      "rollout.checkpoints[0]: got 0, expected an integer 1-99\nrollout.bakeSeconds: got -1, expected an integer 0-172800",
    );
  });

  it("never throws from parseRunRequest, whatever the input", () => {
    const odd: unknown[] = [
      null,
      0,
      "x",
      [],
      { rollout: null },
      { rollout: { waves: [null, 3] } },
      { image: [] },
    ];
    for (const input of odd) expect(() => parseRunRequest(input)).not.toThrow();
    expect(parseRunRequest({ rollout: { waves: [null, 3] } }).ok).toBe(false);
  });
});

describe("stage defaults", () => {
  it("merges the stage's request defaults under the input, objects deeply", () => {
    const stage = {
      requestDefaults: { reason: "stage reason", rollout: { bakeSeconds: 60, checkpoints: [10] } },
    };
    const request = accepts({ rollout: { bakeSeconds: 120 } }, stage);
    expect(request.reason).toBe("stage reason");
    expect(request.rollout.bakeSeconds).toBe(120);
    expect(request.rollout.checkpoints).toEqual([10]);
  });

  it("lets an input array replace the stage's array whole", () => {
    const stage = { requestDefaults: { rollout: { checkpoints: [10, 20, 30] } } };
    expect(accepts({ rollout: { checkpoints: [50] } }, stage).rollout.checkpoints).toEqual([50]);
  });

  it("validates the stage's defaults with the input", () => {
    const stage = { requestDefaults: { rollout: { bakeSeconds: -1 } } };
    expect(fieldsOf({}, stage)).toEqual(["rollout.bakeSeconds"]);
  });

  it("has its own schema with defaults", () => {
    expect(StageSettingsSchema.parse({})).toEqual({ validatedFipsKernels: ["6.1"], requestDefaults: {} });
    expect(StageSettingsSchema.safeParse({ validatedFipsKernels: ["5.10"] }).success).toBe(false);
  });

  it("does not modify the inputs it merges", () => {
    const under = { rollout: { bakeSeconds: 1 } };
    const over = { rollout: { checkpoints: [5] } };
    expect(deepMerge(under, over)).toEqual({ rollout: { bakeSeconds: 1, checkpoints: [5] } });
    expect(under).toEqual({ rollout: { bakeSeconds: 1 } });
    expect(over).toEqual({ rollout: { checkpoints: [5] } });
  });

  it("keeps a __proto__ key from JSON as a plain key, refused as unknown", () => {
    const input: unknown = JSON.parse('{"__proto__": {"dryRun": true}}');
    expect(fieldsOf(input)).toEqual(["__proto__"]);
  });
});

describe("parseRunRequest: limits", () => {
  const problemsOf = (input: unknown): Problem[] => {
    const result = parseRunRequest(input);
    if (result.ok) throw new Error("expected problems");
    return result.problems;
  };

  it("refuses a reason longer than 500 characters, naming the field and the limit", () => {
    const problems = problemsOf({ reason: "r".repeat(501) });
    expect(problems.map((p) => [p.field, p.expected])).toEqual([
      ["reason", "a string of at most 500 characters"],
    ]);
    expect(parseRunRequest({ reason: "r".repeat(500) }).ok).toBe(true);
  });

  it("refuses more group names than the cap, and names longer than Auto Scaling allows", () => {
    const many = Array.from({ length: 5_001 }, (_, i) => `g${i}`);
    expect(problemsOf({ targets: { autoScalingGroupNames: many } }).map((p) => p.field)).toEqual([
      "targets.autoScalingGroupNames",
    ]);
    expect(problemsOf({ targets: { autoScalingGroupNames: ["x".repeat(256)] } }).map((p) => p.field)).toEqual(
      ["targets.autoScalingGroupNames[0]"],
    );
    // 100 names: more than one DescribeAutoScalingGroups call takes, which the product pages.
    expect(parseRunRequest({ targets: { autoScalingGroupNames: many.slice(0, 100) } }).ok).toBe(true);
  });

  it("caps delays, bake time, waves, alarms and tags at AWS's limits or common sense", () => {
    const fields = problemsOf({
      targets: { tags: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, "v"])) },
      rollout: {
        checkpointDelaySeconds: 172_801,
        bakeSeconds: 1e15,
        maxParallelGroups: 1e9,
        waves: Array.from({ length: 101 }, (_, i) => ({ name: `w${i}`, ring: `r${i}` })),
      },
      health: { alarms: Array.from({ length: 101 }, (_, i) => `a${i}`) },
    }).map((p) => p.field);
    expect(fields.sort()).toEqual(
      [
        "health.alarms",
        "rollout.bakeSeconds",
        "rollout.checkpointDelaySeconds",
        "rollout.maxParallelGroups",
        "rollout.waves",
        "targets.tags",
      ].sort(),
    );
  });

  it("refuses JSON nested deeper than 32 levels with a problem, never a stack overflow", () => {
    let deep: unknown = {};
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    const problems = problemsOf({ rollout: deep });
    expect(problems).toHaveLength(1);
    expect(problems[0]?.field.startsWith("rollout.a.a")).toBe(true);
    expect(problems[0]?.expected).toBe("a value nested at most 32 levels deep");
  });
});

describe("parseRunRequest: the edges a mutant would move", () => {
  it("refuses maxHealthyPercentage 200 when minHealthyPercentage is 90: the range is at most 100 points", () => {
    expect(problemsOf(rollout({ minHealthyPercentage: 90, maxHealthyPercentage: 200 }))).toEqual([
      {
        field: "rollout.maxHealthyPercentage",
        value: 200,
        expected: "an integer 100-190: at most rollout.minHealthyPercentage (90) + 100",
      },
    ]);
    expect(accepts(rollout({ minHealthyPercentage: 90, maxHealthyPercentage: 190 })).rollout).toMatchObject({
      minHealthyPercentage: 90,
      maxHealthyPercentage: 190,
    });
  });

  it("refuses a range of 101 points from a minimum of 0", () => {
    expect(problemsOf(rollout({ minHealthyPercentage: 0, maxHealthyPercentage: 101 }))).toEqual([
      {
        field: "rollout.maxHealthyPercentage",
        value: 101,
        expected: "an integer 100-100: at most rollout.minHealthyPercentage (0) + 100",
      },
    ]);
  });

  it("keeps the value underneath when the one over it is undefined, at the top and inside", () => {
    const under = { reason: "stage reason", rollout: { bakeSeconds: 60 } };
    expect(deepMerge(under, undefined)).toBe(under);
    expect(deepMerge(under, { rollout: undefined, reason: undefined })).toEqual(under);
  });

  it("lets a caller's explicit undefined fall back to the stage default rather than erase it", () => {
    const stage = { requestDefaults: { rollout: { bakeSeconds: 60 } } };
    expect(accepts({ rollout: { bakeSeconds: undefined } }, stage).rollout.bakeSeconds).toBe(60);
  });

  it("replaces rather than merges a list or a value that is not an object", () => {
    expect(deepMerge({ checkpoints: [10, 20] }, { checkpoints: [5] })).toEqual({ checkpoints: [5] });
    expect(deepMerge({ rollout: { bakeSeconds: 1 } }, { rollout: null })).toEqual({ rollout: null });
    expect(deepMerge("under", { a: 1 })).toEqual({ a: 1 });
  });
});

describe("parseRunRequest: every allowed value is accepted and kept", () => {
  it.each([
    ["image.flavor", { image: { flavor: "minimal" } }, (r: RunRequest) => r.image.flavor, "minimal"],
    [
      "image.kernel",
      { image: { kernel: "default" }, hardening: { fips: false } },
      (r: RunRequest) => r.image.kernel,
      "default",
    ],
    ["hardening.stig", { hardening: { stig: "medium" } }, (r: RunRequest) => r.hardening.stig, "medium"],
    ["hardening.stig", { hardening: { stig: "low" } }, (r: RunRequest) => r.hardening.stig, "low"],
    ["hardening.stig", { hardening: { stig: "off" } }, (r: RunRequest) => r.hardening.stig, "off"],
    [
      "rollout.approval",
      { rollout: { approval: "between-waves" } },
      (r: RunRequest) => r.rollout.approval,
      "between-waves",
    ],
    ["rollback.scope", { rollback: { scope: "wave" } }, (r: RunRequest) => r.rollback.scope, "wave"],
    ["rollback.scope", { rollback: { scope: "run" } }, (r: RunRequest) => r.rollback.scope, "run"],
  ])("accepts %s %j", (_field, input, read, expected) => {
    expect(read(accepts(input))).toBe(expected);
  });

  it("accepts a metric where lower is worse (a throughput, say)", () => {
    const metric = { namespace: "CWAgent", name: "Requests", stat: "Sum", worse: "lower", tolerance: 0.1 };
    expect(accepts({ health: { analysis: { metrics: [metric] } } }).health.analysis.metrics).toEqual([
      metric,
    ]);
  });
});
