import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pageEnd } from "../../src/paging";

describe("pageEnd", () => {
  it("fills a page up to the budget by each item's cost", () => {
    expect(pageEnd([2, 2, 0, 2], 0, 4)).toBe(3);
    expect(pageEnd([2, 2, 0, 2], 3, 4)).toBe(4);
  });

  it("always takes at least one item, even one over budget, so every page makes progress", () => {
    expect(pageEnd([9, 1], 0, 4)).toBe(1);
    expect(pageEnd([1], 1, 4)).toBe(1);
  });

  it("refuses a cursor outside the items, naming it", () => {
    expect(() => pageEnd([1, 1], 3, 4)).toThrow(/cursor 3 is not a position in 2 items \(expected 0 to 2\)/);
    expect(() => pageEnd([1, 1], -1, 4)).toThrow(RangeError);
  });

  it("property: pages cover every item once, in order, each within budget unless a single item", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 10 }), { maxLength: 60 }),
        fc.integer({ min: 1, max: 30 }),
        (costs, budget) => {
          let from = 0;
          let pages = 0;
          while (from < costs.length) {
            const end = pageEnd(costs, from, budget);
            expect(end).toBeGreaterThan(from);
            const spent = costs.slice(from, end).reduce((a, b) => a + b, 0);
            if (end - from > 1) expect(spent).toBeLessThanOrEqual(budget);
            from = end;
            pages++;
          }
          expect(from).toBe(costs.length);
          expect(pages).toBeLessThanOrEqual(costs.length);
        },
      ),
    );
  });
});
