import { FLEET_METRICS, METRICS_NAMESPACE } from "@fleet-upgrade/functions/metrics";
import { describe, expect, it } from "vitest";
import { dashboardBody } from "../../infra/dashboard";

describe("the operators' dashboard", () => {
  const body = dashboardBody({ region: "eu-west-1", stage: "prod" });
  const metrics = body.widgets.flatMap((w) => w.properties.metrics as unknown[][]);

  it("charts every metric the functions record, in their namespace and with the stage's dimensions", () => {
    expect(new Set(metrics.map((m) => m[1]))).toEqual(new Set(Object.keys(FLEET_METRICS)));
    for (const metric of metrics) {
      expect(metric.slice(0, 1)).toEqual([METRICS_NAMESPACE]);
      expect(metric.slice(2, 6)).toEqual(["service", "fleet-upgrade", "stage", "prod"]);
    }
  });

  it("places widgets on the 24-column grid in the stage's region, without overlap", () => {
    for (const widget of body.widgets) {
      expect(widget.x + widget.width).toBeLessThanOrEqual(24);
      expect(widget.properties.region).toBe("eu-west-1");
    }
    const [first, second] = body.widgets;
    expect((first?.x ?? 0) + (first?.width ?? 0)).toBeLessThanOrEqual(second?.x ?? 0);
  });
});
