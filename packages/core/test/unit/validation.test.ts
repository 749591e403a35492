import { describe, expect, it } from "vitest";
import { z } from "zod";
import { checkReasonLength, ReasonTooLongError } from "../../src/errors";
import {
  closestName,
  formatPath,
  formatProblems,
  integerIn,
  naturalError,
  oneOf,
  pathTooDeep,
  problemsFromZod,
  renderValue,
  strictObject,
} from "../../src/validation";

describe("formatPath", () => {
  it("writes paths the way users do, with indexes in brackets", () => {
    expect(formatPath(["rollout", "waves", 1, "percent"])).toBe("rollout.waves[1].percent");
    expect(formatPath([])).toBe("(root)");
  });
});

describe("formatProblems", () => {
  it("renders one line per problem naming field, value and expectation", () => {
    const text = formatProblems([
      { field: "rollout.checkpoints[0]", value: 0, expected: "an integer 1-99" },
      { field: "reason", value: undefined, expected: "a string" },
    ]);
    expect(text).toBe(
      "rollout.checkpoints[0]: got 0, expected an integer 1-99\nreason: got (missing), expected a string",
    );
  });

  it("shortens long values", () => {
    expect(renderValue("x".repeat(200))).toHaveLength(80);
  });
});

describe("problemsFromZod", () => {
  const Schema = strictObject({ count: integerIn(1, 99), mode: oneOf(["a", "b"]) });

  it("phrases range and enum problems naturally", () => {
    const input = { count: 0, mode: "c" };
    const result = Schema.safeParse(input);
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(formatProblems(problemsFromZod(result.error, input))).toBe(
      'count: got 0, expected an integer 1-99\nmode: got "c", expected one of "a", "b"',
    );
  });

  it("reports each unknown key on its own with a suggestion for a likely typo", () => {
    const input = { count: 3, mode: "a", cuont: 4, zzzzzzzz: 1 };
    const result = Schema.safeParse(input);
    if (result.success) throw new Error("expected failure");
    expect(problemsFromZod(result.error, input)).toEqual([
      { field: "cuont", value: 4, expected: 'a known field (did you mean "count"?)' },
      { field: "zzzzzzzz", value: 1, expected: "one of the known fields: count, mode" },
    ]);
  });

  it("prefixes paths when the value sits inside a larger document", () => {
    const result = Schema.safeParse({ count: 100, mode: "a" });
    if (result.success) throw new Error("expected failure");
    expect(problemsFromZod(result.error, { count: 100 }, ["request"])[0]?.field).toBe("request.count");
  });
});

describe("naturalError", () => {
  it("gives a readable fallback for schemas without their own messages", () => {
    const result = z
      .object({ name: z.string(), n: z.number().min(2) })
      .safeParse({ n: 1 }, { error: naturalError });
    if (result.success) throw new Error("expected failure");
    expect(result.error.issues.map((i) => i.message)).toEqual(["a string", "a number >= 2"]);
  });
});

describe("closestName", () => {
  it("suggests only names close enough to be a typo", () => {
    expect(closestName("checkpoint", ["checkpoints", "waves"])).toBe("checkpoints");
    expect(closestName("DryRun", ["dryRun"])).toBe("dryRun");
    expect(closestName("banana", ["checkpoints", "waves"])).toBeNull();
  });
});

describe("renderValue and nesting", () => {
  it("renders a value nested far too deep without throwing", () => {
    let deep: unknown = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
    expect(renderValue(deep)).toBe("(nested more than 32 levels deep)");
  });

  it("finds the path to the first value nested deeper than the limit", () => {
    expect(pathTooDeep({ a: [{ b: 1 }] }, 3)).toBeNull();
    expect(pathTooDeep({ a: [{ b: {} }] }, 3)).toEqual(["a", 0, "b"]);
  });
});

describe("ReasonTooLongError", () => {
  it("names the field, shows the start of the value only, and states the limit", () => {
    const error = new ReasonTooLongError("reason", "z".repeat(5_000));
    expect(error.name).toBe("ReasonTooLongError");
    expect(error.message).toMatch(
      /^reason: got "z{10,}\.\.\., expected a string of at most 500 characters \(this one has 5000\)$/,
    );
    expect(error.message.length).toBeLessThan(200);
    expect(() => checkReasonLength("reason", "ok")).not.toThrow();
  });
});
