import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { WaveSpec } from "../../src/run-request";
import { type PlannableGroup, planWaves, RING_TAG } from "../../src/wave-planner";

const group = (name: string, instances: number, ring?: string): PlannableGroup => ({
  name,
  instances,
  tags: ring === undefined ? { "fleet-upgrade:managed": "true" } : { [RING_TAG]: ring },
});

const DEFAULT_WAVES: WaveSpec[] = [
  { name: "canary", ring: "canary" },
  { name: "early", percent: 25 },
  { name: "rest", percent: 100 },
];

describe("planWaves", () => {
  it("puts ring groups in their ring wave, then fills percent waves by name", () => {
    const plan = planWaves(
      [
        group("web-canary", 4, "canary"),
        group("web", 10),
        group("api", 6),
        group("batch", 20),
        group("db", 8),
      ],
      DEFAULT_WAVES,
    );
    // total 48, 25% -> 12: canary holds 4, then "api" (6) -> 10 < 12, then "batch" (20) -> 30.
    expect(plan).toEqual({
      waves: [
        { name: "canary", groups: ["web-canary"], instances: 4 },
        { name: "early", groups: ["api", "batch"], instances: 26 },
        { name: "rest", groups: ["db", "web"], instances: 18 },
      ],
      unplanned: [],
    });
  });

  it("keeps an empty ring wave when no group carries its ring", () => {
    const plan = planWaves([group("a", 1), group("b", 1)], DEFAULT_WAVES);
    expect(plan.waves[0]).toEqual({ name: "canary", groups: [], instances: 0 });
  });

  it("never lets a percent wave take a group reserved for a later ring wave", () => {
    const waves: WaveSpec[] = [
      { name: "all", percent: 100 },
      { name: "late-ring", ring: "pilot" },
    ];
    const plan = planWaves([group("a", 5), group("p", 5, "pilot")], waves);
    expect(plan.waves.map((w) => w.groups)).toEqual([["a"], ["p"]]);
  });

  it("treats a ring tag that no wave asks for like no ring", () => {
    const plan = planWaves([group("a", 5, "other")], DEFAULT_WAVES);
    expect(plan.waves.map((w) => w.groups)).toEqual([[], ["a"], []]);
  });

  it("leaves groups after the last wave unplanned", () => {
    const plan = planWaves([group("a", 10), group("b", 10), group("c", 10)], [{ name: "half", percent: 50 }]);
    expect(plan.waves[0]?.groups).toEqual(["a", "b"]);
    expect(plan.unplanned).toEqual(["c"]);
  });

  it("lets the first percent wave that takes anything take the empty groups", () => {
    const plan = planWaves(
      [group("a", 10), group("z-empty", 0), group("b", 10)],
      [
        { name: "first", percent: 10 },
        { name: "rest", percent: 100 },
      ],
    );
    expect(plan.waves[0]?.groups).toEqual(["a", "z-empty"]);
  });

  it("gives empty groups to the 100% wave when every group is empty", () => {
    const plan = planWaves([group("a", 0), group("b", 0)], DEFAULT_WAVES);
    expect(plan.waves.map((w) => w.groups)).toEqual([[], [], ["a", "b"]]);
  });

  it("counts ring waves towards the cumulative percentage", () => {
    const plan = planWaves(
      [group("c", 30, "canary"), group("a", 10), group("b", 10)],
      [
        { name: "canary", ring: "canary" },
        { name: "early", percent: 25 },
        { name: "rest", percent: 100 },
      ],
    );
    expect(plan.waves[1]?.groups).toEqual([]);
    expect(plan.waves[2]?.groups).toEqual(["a", "b"]);
  });
});

const names = fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,7}$/), { minLength: 0, maxLength: 25 });
const rings = ["canary", "pilot", "other"] as const;

const groupsArb = names.chain((ns) =>
  fc
    .tuple(
      ...ns.map((name) =>
        fc.record({
          name: fc.constant(name),
          instances: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 200 })),
          ring: fc.option(fc.constantFrom(...rings), { nil: undefined }),
        }),
      ),
    )
    .map((gs) => gs.map((g) => group(g.name, g.instances, g.ring))),
);

const wavesArb: fc.Arbitrary<WaveSpec[]> = fc
  .record({
    percents: fc.uniqueArray(fc.integer({ min: 1, max: 100 }), { maxLength: 4 }),
    ringWaves: fc.array(fc.record({ ring: fc.constantFrom("canary", "pilot", "nobody"), at: fc.nat(5) }), {
      maxLength: 3,
    }),
  })
  .map(({ percents, ringWaves }) => {
    const waves: WaveSpec[] = [...percents]
      .sort((a, b) => a - b)
      .map((percent) => ({ name: `p${percent}`, percent }));
    ringWaves.forEach(({ ring, at }, i) => {
      waves.splice(Math.min(at, waves.length), 0, { name: `r${i}-${ring}`, ring });
    });
    return waves;
  });

describe("planWaves properties", () => {
  it("places every group exactly once across waves and unplanned", () => {
    fc.assert(
      fc.property(groupsArb, wavesArb, (groups, waves) => {
        const plan = planWaves(groups, waves);
        const placed = [...plan.waves.flatMap((w) => w.groups), ...plan.unplanned].sort();
        expect(placed).toEqual(groups.map((g) => g.name).sort());
        expect(plan.waves.map((w) => w.name)).toEqual(waves.map((w) => w.name));
      }),
    );
  });

  it("does not depend on the order of the groups", () => {
    fc.assert(
      fc.property(
        groupsArb.chain((gs) => fc.tuple(fc.constant(gs), fc.shuffledSubarray(gs, { minLength: gs.length }))),
        wavesArb,
        ([groups, shuffled], waves) => {
          expect(planWaves(shuffled, waves)).toEqual(planWaves(groups, waves));
        },
      ),
    );
  });

  it("honours cumulative percentages: reaches each target without overshooting by more than one group", () => {
    fc.assert(
      fc.property(groupsArb, wavesArb, (groups, waves) => {
        const plan = planWaves(groups, waves);
        const total = groups.reduce((s, g) => s + g.instances, 0);
        const size = new Map(groups.map((g) => [g.name, g.instances]));
        const reservedRings = new Set(waves.flatMap((w) => (w.ring === undefined ? [] : [w.ring])));
        const assigned = new Set<string>();
        let cumulative = 0;
        waves.forEach((wave, i) => {
          const planned = plan.waves[i];
          if (planned === undefined) throw new Error("missing wave");
          expect(planned.instances).toBe(planned.groups.reduce((s, n) => s + (size.get(n) ?? 0), 0));
          const before = cumulative;
          cumulative += planned.instances;
          for (const n of planned.groups) assigned.add(n);
          if (wave.percent === undefined || wave.percent === 100) return;
          const target = Math.ceil((total * wave.percent) / 100);
          const positive = planned.groups.map((n) => size.get(n) ?? 0).filter((n) => n > 0);
          if (before >= target) expect(planned.groups).toEqual([]);
          else if (positive.length > 0) {
            // The last group taken was taken while the running total was still below the target.
            expect(cumulative - (positive[positive.length - 1] ?? 0)).toBeLessThan(target);
          }
          // Short of the target only when no free group with instances is left.
          const freeLeft = groups.filter(
            (g) =>
              !assigned.has(g.name) && g.instances > 0 && !reservedRings.has(g.tags[RING_TAG] ?? "\u0000"),
          );
          if (cumulative < target) expect(freeLeft).toEqual([]);
        });
      }),
    );
  });

  it("puts a group with a requested ring only in the first wave of that ring", () => {
    fc.assert(
      fc.property(groupsArb, wavesArb, (groups, waves) => {
        const plan = planWaves(groups, waves);
        for (const g of groups) {
          const ring = g.tags[RING_TAG];
          const index = waves.findIndex((w) => w.ring !== undefined && w.ring === ring);
          const where = plan.waves.findIndex((w) => w.groups.includes(g.name));
          if (index >= 0) expect(where).toBe(index);
          else expect(where === -1 || waves[where]?.percent !== undefined).toBe(true);
        }
      }),
    );
  });

  it("gives every free empty group to the first percent wave that is below its target, or the 100% wave", () => {
    fc.assert(
      fc.property(groupsArb, wavesArb, (groups, waves) => {
        const plan = planWaves(groups, waves);
        const total = groups.reduce((s, g) => s + g.instances, 0);
        const rings = new Set(waves.flatMap((w) => (w.ring === undefined ? [] : [w.ring])));
        let before = 0;
        let expected = -1;
        waves.forEach((wave, i) => {
          const below = wave.percent !== undefined && before < Math.ceil((total * wave.percent) / 100);
          if (expected === -1 && (wave.percent === 100 || below)) expected = i;
          before += plan.waves[i]?.instances ?? 0;
        });
        for (const g of groups) {
          if (g.instances !== 0 || rings.has(g.tags[RING_TAG] ?? "\u0000")) continue;
          expect(plan.waves.findIndex((w) => w.groups.includes(g.name))).toBe(expected);
        }
      }),
    );
  });

  it("leaves nothing unplanned when the last wave is 100%", () => {
    fc.assert(
      fc.property(groupsArb, wavesArb, (groups, waves) => {
        const plan = planWaves(groups, [...waves, { name: "all", percent: 100 }]);
        expect(plan.unplanned).toEqual([]);
      }),
    );
  });
});
