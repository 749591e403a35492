import { describe, expect, it } from "vitest";
import { concurrencyNeed, concurrencyNote } from "../../src/lambda-concurrency";

describe("Lambda concurrency a run needs", () => {
  it("counts the groups in flight at once: maxParallelGroups, or the widest wave when narrower", () => {
    expect(concurrencyNeed(10, [2, 30, 5])).toEqual({ parallelGroups: 10, executions: 22 });
    expect(concurrencyNeed(10, [1, 4])).toEqual({ parallelGroups: 4, executions: 10 });
    expect(concurrencyNeed(10, [])).toEqual({ parallelGroups: 0, executions: 2 });
  });

  it("warns below the need, naming the maxParallelGroups that fits, and not at it", () => {
    const at = concurrencyNote({
      unreserved: 22,
      region: "eu-west-1",
      maxParallelGroups: 10,
      waveSizes: [30],
    });
    expect(at.level).toBe("OK");
    const below = concurrencyNote({
      unreserved: 10,
      region: "eu-west-1",
      maxParallelGroups: 10,
      waveSizes: [30],
    });
    expect(below.level).toBe("WARN");
    expect(below.text).toContain(
      "10 unreserved concurrent executions in eu-west-1; the run may need 22 at once",
    );
    expect(below.text).toContain("Set rollout.maxParallelGroups to 4 or less");
  });
});
