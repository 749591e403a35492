import type { Scenario } from "@fleet-upgrade/core";
import {
  AL2_IMAGE,
  AL2_PARAM,
  AL2023_IMAGE,
  AL2023_PARAM,
  scenarioOf,
} from "@fleet-upgrade/harness/scenario-fixtures";

export { AL2_PARAM, AL2023_PARAM };

/** A small valid scenario; `overrides` replace top-level keys. */
export function scenario(overrides: Record<string, unknown> = {}): Scenario {
  return scenarioOf({
    name: "unit",
    seed: 7,
    region: "us-east-1",
    start: "2026-11-21T09:00:00Z",
    images: [
      { ...AL2_IMAGE, params: [AL2_PARAM] },
      { ...AL2023_IMAGE, params: [AL2023_PARAM] },
    ],
    groups: [
      {
        name: "web",
        desired: 10,
        max: 20,
        launchTemplate: { name: "web-lt", version: 3, imageId: "ami-al2" },
        tags: { "fleet-upgrade:managed": "true", "fleet-upgrade:ring": "canary" },
        targetGroup: true,
      },
    ],
    ...overrides,
  });
}
