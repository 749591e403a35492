/**
 * The operators' CloudWatch dashboard: groups upgraded and rolled back, and how long refreshes
 * took, from the EMF metrics the functions write (packages/functions/src/runtime/metrics.ts). The
 * body follows "Dashboard Body Structure and Syntax"
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html).
 */

import { SERVICE_NAME } from "@fleet-upgrade/functions/environment";
import { type FleetMetric, METRICS_NAMESPACE, STAGE_DIMENSION } from "@fleet-upgrade/functions/metrics";
import * as aws from "@pulumi/aws";

interface Widget {
  type: "metric";
  x: number;
  y: number;
  width: number;
  height: number;
  properties: Record<string, unknown>;
}

/** One metric of the stage, as a dashboard metric array (Powertools adds the `service` dimension). */
function metricOf(stage: string, metric: FleetMetric, stat: string, label: string) {
  return [METRICS_NAMESPACE, metric, "service", SERVICE_NAME, STAGE_DIMENSION, stage, { stat, label }];
}

/** The dashboard body of one stage: pure, so tests can read it. */
export function dashboardBody(args: { region: string; stage: string }): { widgets: Widget[] } {
  const widget = (x: number, title: string, metrics: unknown[][], extra: object = {}): Widget => ({
    type: "metric",
    x,
    y: 0,
    width: 12,
    height: 6,
    properties: { title, region: args.region, view: "timeSeries", period: 3600, metrics, ...extra },
  });
  return {
    widgets: [
      widget(0, "Groups upgraded and rolled back (per hour)", [
        metricOf(args.stage, "GroupsUpgraded", "Sum", "upgraded"),
        metricOf(args.stage, "GroupsRolledBack", "Sum", "rolled back"),
      ]),
      widget(
        12,
        "Refresh minutes per group",
        [
          metricOf(args.stage, "RefreshMinutes", "Average", "average"),
          metricOf(args.stage, "RefreshMinutes", "Maximum", "longest"),
        ],
        { yAxis: { left: { label: "minutes", min: 0 } } },
      ),
    ],
  };
}

/** The dashboard resource of a stage. */
export function createDashboard(args: { name: string; region: string; stage: string }) {
  return new aws.cloudwatch.Dashboard("FleetUpgradeDashboard", {
    dashboardName: args.name,
    dashboardBody: JSON.stringify(dashboardBody(args)),
  });
}
