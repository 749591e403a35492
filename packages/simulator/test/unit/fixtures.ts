import { parseScenarioObject, type Scenario } from "@fleet-upgrade/core";

export const AL2_PARAM = "/aws/service/ami-amazon-linux-latest/amzn2-ami-kernel-5.10-hvm-x86_64-gp2";
export const AL2023_PARAM = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64";

/** A small valid scenario; `overrides` replace top-level keys. */
export function scenario(overrides: Record<string, unknown> = {}): Scenario {
  const result = parseScenarioObject({
    name: "unit",
    seed: 7,
    region: "us-east-1",
    start: "2026-11-21T09:00:00Z",
    images: [
      {
        imageId: "ami-al2",
        name: "amzn2-ami-kernel-5.10-hvm-2.0.20260101-x86_64-gp2",
        platform: "Amazon Linux",
        platformVersion: "2",
        kernelVersion: "5.10.245-245.983.amzn2",
        architecture: "x86_64",
        params: [AL2_PARAM],
      },
      {
        imageId: "ami-2023-61",
        name: "al2023-ami-2023.9.20261110.0-kernel-6.1-x86_64",
        platform: "Amazon Linux",
        platformVersion: "2023",
        kernelVersion: "6.1.158-180.294.amzn2023",
        architecture: "x86_64",
        params: [AL2023_PARAM],
      },
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
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.scenario;
}
