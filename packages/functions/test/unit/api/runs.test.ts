import { describe, expect, it } from "vitest";
import { newRunId } from "../../../src/api/runs";

describe("newRunId", () => {
  it("names runs by time with a random tail, as a valid execution name", () => {
    const id = newRunId(new Date("2026-11-21T09:00:00.123Z"));
    expect(id).toMatch(/^run-20261121T090000Z-[0-9a-f]{6}$/);
    expect(newRunId()).not.toBe(newRunId());
  });
});
