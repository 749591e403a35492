import { describe, expect, it } from "vitest";
import { estimateLine } from "../../src/format";

describe("the estimate line of a run's summary", () => {
  it("is the expected duration of a dry run", () => {
    expect(estimateLine("PLANNED", 10_140)).toBe("estimated duration: 02:49:00");
  });

  it("is the time left of a live run", () => {
    expect(estimateLine("RUNNING", 600)).toBe("estimated time left: 00:10:00");
    expect(estimateLine("WAITING", 60)).toBe("estimated time left: 00:01:00");
  });

  it("never reads as time left once the run has ended", () => {
    for (const status of ["SUCCEEDED", "ROLLED_BACK", "FAILED", "ABORTED"] as const) {
      expect(estimateLine(status, 10_230)).toBe("estimated duration when planned: 02:50:30");
    }
  });
});
