import { describe, expect, it } from "vitest";
import { AnswerCache } from "../../../src/api/answer-cache";
import type { Answer } from "../../../src/api/context";

const answer = (text: string): Answer => ({ status: 200, json: { text }, text });

describe("AnswerCache", () => {
  it("shares one load between concurrent and recent reads, and loads again after its time", async () => {
    let now = 0;
    let loads = 0;
    const cache = new AnswerCache(500, () => now);
    const load = async () => answer(`load ${++loads}`);
    const [a, b] = await Promise.all([cache.get("k", load), cache.get("k", load)]);
    expect([a.text, b.text, loads]).toEqual(["load 1", "load 1", 1]);
    now = 499;
    expect((await cache.get("k", load)).text).toBe("load 1");
    now = 500;
    // Past its time: the last answer at once, a fresh one loading behind it.
    expect((await cache.get("k", load)).text).toBe("load 1");
    await Promise.resolve();
    expect((await cache.get("k", load)).text).toBe("load 2");
    expect(loads).toBe(2);
    cache.clear();
    expect((await cache.get("k", load)).text).toBe("load 3");
  });

  it("never gives an answer older than its staleness bound: it waits for a fresh one", async () => {
    let now = 0;
    let loads = 0;
    const cache = new AnswerCache(500, () => now, 5_000);
    const load = async () => answer(`load ${++loads}`);
    expect((await cache.get("k", load)).text).toBe("load 1");
    now = 6_000;
    expect((await cache.get("k", load)).text).toBe("load 2");
  });

  it("keeps no failure: the next read tries again", async () => {
    const cache = new AnswerCache(500, () => 0);
    await expect(cache.get("k", async () => Promise.reject(new Error("no run")))).rejects.toThrow("no run");
    expect((await cache.get("k", async () => answer("found"))).text).toBe("found");
  });
});
