import { describe, expect, it } from "vitest";
import { Random } from "../../src/random";
import { VirtualClock } from "../../src/virtual-clock";

describe("VirtualClock", () => {
  it("runs callbacks in time order, then insertion order, jumping now to each instant", () => {
    const clock = new VirtualClock(1_000);
    const seen: string[] = [];
    clock.schedule(3_000, () => seen.push(`c@${clock.now()}`));
    clock.schedule(2_000, () => seen.push(`a@${clock.now()}`));
    clock.schedule(2_000, () => seen.push(`b@${clock.now()}`));
    expect(clock.nextAt()).toBe(2_000);
    expect(clock.advance()).toBe(true);
    expect(seen).toEqual(["a@2000", "b@2000"]);
    expect(clock.advance()).toBe(true);
    expect(seen).toEqual(["a@2000", "b@2000", "c@3000"]);
    expect(clock.advance()).toBe(false);
    expect(clock.now()).toBe(3_000);
  });

  it("runs callbacks scheduled at the current instant by other callbacks before advance returns", () => {
    const clock = new VirtualClock(0);
    const seen: string[] = [];
    clock.schedule(10, () => {
      seen.push("first");
      clock.schedule(10, () => seen.push("same instant"));
      clock.schedule(5, () => seen.push("past, clamped to now"));
      clock.schedule(20, () => seen.push("later"));
    });
    clock.advance();
    expect(seen).toEqual(["first", "same instant", "past, clamped to now"]);
    expect(clock.pending()).toBe(1);
    clock.advance();
    expect(seen.at(-1)).toBe("later");
  });

  it("forgets cancelled callbacks", () => {
    const clock = new VirtualClock(0);
    const seen: number[] = [];
    const a = clock.schedule(5, () => seen.push(5));
    clock.schedule(7, () => seen.push(7));
    expect(clock.cancel(a)).toBe(true);
    expect(clock.cancel(a)).toBe(false);
    expect(clock.pending()).toBe(1);
    expect(clock.nextAt()).toBe(7);
    clock.runUntilIdle();
    expect(seen).toEqual([7]);
  });

  it("advanceTo runs what is due and stops at the target instant", () => {
    const clock = new VirtualClock(0);
    const seen: number[] = [];
    for (const t of [50, 10, 30]) clock.schedule(t, () => seen.push(t));
    clock.advanceTo(40);
    expect(seen).toEqual([10, 30]);
    expect(clock.now()).toBe(40);
  });

  it("keeps order over 100,000 random events", () => {
    const clock = new VirtualClock(0);
    const rng = new Random(3);
    let last = -1;
    let ordered = true;
    for (let i = 0; i < 100_000; i++) {
      clock.schedule(rng.int(1_000_000), () => {
        if (clock.now() < last) ordered = false;
        last = clock.now();
      });
    }
    clock.runUntilIdle();
    expect(ordered).toBe(true);
    expect(clock.pending()).toBe(0);
  });
});

describe("Random", () => {
  it("gives the same sequence for the same seed and a different one for another seed", () => {
    const a = new Random(42);
    const b = new Random(42);
    const c = new Random(43);
    const draw = (r: Random) => Array.from({ length: 5 }, () => r.hex(17));
    const first = draw(a);
    expect(draw(b)).toEqual(first);
    expect(draw(c)).not.toEqual(first);
    expect(first[0]).toMatch(/^[0-9a-f]{17}$/);
    expect(new Random(1).uuid()).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});
