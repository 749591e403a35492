import { parseScenarioObject, type Scenario } from "@fleet-upgrade/core/scenario";
import { Random } from "./random";

export interface GenerateFleetOptions {
  /** Number of Auto Scaling groups (default 200). */
  groups?: number;
  /** Total instances across the groups, exactly (default 10,000). */
  instances?: number;
  seed?: number;
  name?: string;
}

const PARAM_PREFIX = "/aws/service/ami-amazon-linux-latest";
const ARCHITECTURES = ["x86_64", "arm64"] as const;

type ImageFields = { imageId: string; name: string; platformVersion: "2" | "2023"; kernelVersion: string };

/** One Amazon Linux image of the generated account, with the public parameters that point at it. */
function amazonLinux(image: ImageFields, architecture: string, params: string[]) {
  return { ...image, platform: "Amazon Linux", architecture, params };
}

/**
 * A large synthetic fleet for the benchmark: AL2 groups over both architectures, sizes summing
 * exactly to `instances`, ring tags (2 canary groups, 10% early, the rest "rest"), and the AL2023
 * kernel-6.1 and kernel-default images with their public parameters for both architectures.
 */
export function generateFleetScenario(options: GenerateFleetOptions = {}): Scenario {
  const groupCount = options.groups ?? 200;
  const total = options.instances ?? 10_000;
  const seed = options.seed ?? 1;
  if (!Number.isSafeInteger(groupCount) || groupCount < 1)
    throw new RangeError(`groups must be >= 1, got ${groupCount}`);
  if (!Number.isSafeInteger(total) || total < 0) throw new RangeError(`instances must be >= 0, got ${total}`);
  const rng = Random.derive(seed, "generate");

  const images: Record<string, unknown>[] = [];
  for (const arch of ARCHITECTURES) {
    const short = arch === "x86_64" ? "x86" : "arm";
    images.push(
      amazonLinux(
        {
          imageId: `ami-al2-${short}`,
          name: `amzn2-ami-kernel-5.10-hvm-2.0.20260101.0-${arch}-gp2`,
          platformVersion: "2",
          kernelVersion: "5.10.245-245.983.amzn2",
        },
        arch,
        [`${PARAM_PREFIX}/amzn2-ami-kernel-5.10-hvm-${arch}-gp2`],
      ),
      amazonLinux(
        {
          imageId: `ami-2023-61-${short}`,
          name: `al2023-ami-2023.9.20261110.0-kernel-6.1-${arch}`,
          platformVersion: "2023",
          kernelVersion: "6.1.158-180.294.amzn2023",
        },
        arch,
        [`${PARAM_PREFIX}/al2023-ami-kernel-6.1-${arch}`],
      ),
      amazonLinux(
        {
          imageId: `ami-2023-618-${short}`,
          name: `al2023-ami-2023.9.20261110.0-kernel-6.18-${arch}`,
          platformVersion: "2023",
          kernelVersion: "6.18.4-12.88.amzn2023",
        },
        arch,
        [
          `${PARAM_PREFIX}/al2023-ami-kernel-default-${arch}`,
          `${PARAM_PREFIX}/al2023-ami-kernel-6.18-${arch}`,
        ],
      ),
    );
  }

  // Sizes: random weights, floors, then the remainder one by one, so they sum exactly to `total`.
  const weights = Array.from({ length: groupCount }, () => 0.5 + rng.next());
  const weightSum = weights.reduce((a, b) => a + b, 0);
  const sizes = weights.map((w) => Math.floor((w / weightSum) * total));
  let remainder = total - sizes.reduce((a, b) => a + b, 0);
  for (let i = 0; remainder > 0; i = (i + 1) % groupCount, remainder--) sizes[i] = (sizes[i] ?? 0) + 1;

  const earlyCount = Math.max(1, Math.floor(groupCount / 10));
  const groups = sizes.map((desired, i) => {
    const arch = i % 3 === 2 ? "arm64" : "x86_64";
    const name = `svc-${String(i + 1).padStart(4, "0")}`;
    const ring = i < 2 ? "canary" : i < 2 + earlyCount ? "early" : "rest";
    return {
      name,
      desired,
      min: desired,
      max: desired * 2,
      launchTemplate: {
        name: `${name}-lt`,
        version: 1 + rng.int(3),
        imageId: arch === "arm64" ? "ami-al2-arm" : "ami-al2-x86",
      },
      tags: { "fleet-upgrade:managed": "true", "fleet-upgrade:ring": ring, team: `team-${1 + (i % 7)}` },
      targetGroup: i % 2 === 0,
      launchSeconds: 60,
      warmupSeconds: 120,
    };
  });

  const result = parseScenarioObject({
    name: options.name ?? `generated-${groupCount}-groups-${total}-instances`,
    seed,
    region: "us-east-1",
    start: "2026-11-21T09:00:00Z",
    images,
    groups,
    standalone: 0,
  });
  if (!result.ok) {
    throw new Error(`generateFleetScenario built an invalid scenario: ${JSON.stringify(result.problems)}`);
  }
  return result.scenario;
}
