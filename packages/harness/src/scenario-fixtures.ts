import { parseScenarioObject, type Scenario } from "@fleet-upgrade/core/scenario";

/**
 * Scenario pieces that tests and the bench share: the two images of a typical upgrade (Amazon
 * Linux 2 to Amazon Linux 2023 on kernel 6.1, as the public releases name them) and a parser that
 * throws on a bad fixture. Imports `core` only, so any package's tests may use it.
 */

export const AL2_PARAM = "/aws/service/ami-amazon-linux-latest/amzn2-ami-kernel-5.10-hvm-x86_64-gp2";
export const AL2023_PARAM = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64";

/** The Amazon Linux 2 image a fleet runs before the upgrade (no SSM parameter points at it). */
export const AL2_IMAGE = {
  imageId: "ami-al2",
  name: "amzn2-ami-kernel-5.10-hvm-2.0.20260101-x86_64-gp2",
  platform: "Amazon Linux",
  platformVersion: "2",
  kernelVersion: "5.10.245-245.983.amzn2",
  architecture: "x86_64",
} as const;

/** The Amazon Linux 2023 (kernel 6.1) image the upgrade moves to (no SSM parameter points at it). */
export const AL2023_IMAGE = {
  imageId: "ami-2023-61",
  name: "al2023-ami-2023.9.20261110.0-kernel-6.1-x86_64",
  platform: "Amazon Linux",
  platformVersion: "2023",
  kernelVersion: "6.1.158-180.294.amzn2023",
  architecture: "x86_64",
} as const;

/** The scenario the object describes; throws with every problem when it is not one. */
export function scenarioOf(input: Record<string, unknown>): Scenario {
  const parsed = parseScenarioObject(input);
  if (!parsed.ok) throw new Error(`invalid scenario fixture: ${JSON.stringify(parsed.problems)}`);
  return parsed.scenario;
}
