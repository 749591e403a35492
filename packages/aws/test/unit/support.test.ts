import { describe, expect, it } from "vitest";
import { chunk, compareRpmVersions, mapLimit, tagsToRecord } from "../../src/support";

describe("compareRpmVersions", () => {
  it.each([
    ["6.1.119-129.201.amzn2023", "6.1.127-135.201.amzn2023", -1],
    ["4.14.355-271.669.amzn2", "4.14.336-256.559.amzn2", 1],
    ["6.12.9-1.amzn2023", "6.1.127-135.201.amzn2023", 1],
    ["5.10.1-1.amzn2", "5.10.1-1.amzn2", 0],
    ["6.1.10-1", "6.1.10-1.amzn2023", -1],
    ["6.1.010-1", "6.1.10-1", 0],
  ])("orders %s against %s as %i", (a, b, sign) => {
    expect(Math.sign(compareRpmVersions(a, b))).toBe(sign);
  });
});

describe("chunk", () => {
  it("splits into batches of the size with the remainder last", () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunk([], 10)).toEqual([]);
  });
});

describe("mapLimit", () => {
  it("keeps the order of the items and never has more than the limit in flight", async () => {
    let inFlight = 0;
    let peak = 0;
    const results = await mapLimit([5, 1, 4, 2, 3], 2, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, n));
      inFlight--;
      return n * 10;
    });

    expect(results).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
  });
});

describe("tagsToRecord", () => {
  it("turns a tag list into a record and drops entries without a key", () => {
    expect(tagsToRecord([{ Key: "env", Value: "prod" }, { Value: "orphan" }, { Key: "empty" }])).toEqual({
      env: "prod",
      empty: "",
    });
  });
});
