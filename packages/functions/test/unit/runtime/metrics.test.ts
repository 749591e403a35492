import { afterEach, describe, expect, it, vi } from "vitest";
import { EmfMetricsSink } from "../../../src/runtime/metrics";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the EMF sink", () => {
  it("writes one embedded-metric line in FleetUpgrade by stage, and nothing when nothing was recorded", () => {
    const written: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    const sink = new EmfMetricsSink("prod");
    sink.flush();
    expect(written).toEqual([]);
    sink.record("GroupsUpgraded", 1);
    sink.record("RefreshMinutes", 12.5);
    sink.flush();
    expect(written).toHaveLength(1);
    const emf = JSON.parse(written[0] ?? "");
    expect(emf._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: "FleetUpgrade",
        Dimensions: [["service", "stage"]],
        Metrics: [
          { Name: "GroupsUpgraded", Unit: "Count" },
          { Name: "RefreshMinutes", Unit: "None" },
        ],
      },
    ]);
    expect(emf).toMatchObject({
      stage: "prod",
      service: "fleet-upgrade",
      GroupsUpgraded: 1,
      RefreshMinutes: 12.5,
    });
  });
});
