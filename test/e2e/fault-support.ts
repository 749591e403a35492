import { parseScenarioObject, type RunResult, type Scenario } from "@fleet-upgrade/core";
import type { SimulatedAccount } from "@fleet-upgrade/simulator";

const OLD = "ami-0a1b2c3d4e5f60001";
const NEW = "ami-0b2c3d4e5f6a70001";

/**
 * A small account for fault tests: three groups of two instances (a canary wave, then two groups),
 * seconds-long launches, one checkpoint, a short bake, a one-second hardening bake. Each run takes
 * well under a second of real time.
 */
export function smallScenario(change: (scenario: Record<string, unknown>) => void = () => {}): Scenario {
  const group = (name: string, ring: string) => ({
    name,
    desired: 2,
    min: 2,
    max: 4,
    launchTemplate: { name: `${name}-lt`, version: 1, imageId: OLD },
    tags: { "fleet-upgrade:managed": "true", "fleet-upgrade:ring": ring },
    targetGroup: true,
    launchSeconds: 10,
    warmupSeconds: 10,
  });
  const scenario: Record<string, unknown> = {
    name: "small",
    seed: 3,
    region: "us-east-1",
    start: "2026-11-21T09:00:00Z",
    images: [
      {
        imageId: OLD,
        name: "amzn2-ami-kernel-5.10-hvm-2.0.20260101.0-x86_64-gp2",
        platform: "Amazon Linux",
        platformVersion: "2",
        kernelVersion: "5.10.245-245.983.amzn2",
        architecture: "x86_64",
        params: ["/aws/service/ami-amazon-linux-latest/amzn2-ami-kernel-5.10-hvm-x86_64-gp2"],
      },
      {
        imageId: NEW,
        name: "al2023-ami-2023.9.20261110.0-kernel-6.1-x86_64",
        platform: "Amazon Linux",
        platformVersion: "2023",
        kernelVersion: "6.1.158-180.294.amzn2023",
        architecture: "x86_64",
        params: ["/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64"],
      },
    ],
    groups: [group("canary", "canary"), group("web", "rest"), group("api", "rest")],
    hardening: { builderLaunchSeconds: 1, stigSeconds: 1, fipsSeconds: 1, rebootSeconds: 1, imageSeconds: 1 },
    request: {
      rollout: {
        waves: [
          { name: "canary", ring: "canary" },
          { name: "rest", percent: 100 },
        ],
        checkpoints: [50],
        checkpointDelaySeconds: 10,
        bakeSeconds: 10,
      },
    },
  };
  change(scenario);
  const parsed = parseScenarioObject(scenario);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.scenario;
}

/** The fail-safe invariants (issue 8) a run must hold however it ended; the violations, in words. */
export function invariantViolations(
  result: RunResult,
  account: SimulatedAccount,
  expected: { executionStatus?: string } = {},
): string[] {
  const out: string[] = [];
  const end = result.metrics.endState;
  if (!end) return ["metrics.endState is missing"];
  const terminal = ["SUCCEEDED", "ROLLED_BACK", "FAILED", "ABORTED", "PLANNED"];
  if (!terminal.includes(result.status)) out.push(`record status ${result.status} is not terminal`);
  if (expected.executionStatus && end.executionStatus !== expected.executionStatus)
    out.push(`execution ended ${end.executionStatus}, expected ${expected.executionStatus}`);
  const matches: Record<string, string[]> = {
    SUCCEEDED: ["SUCCEEDED", "PLANNED"],
    ABORTED: ["ABORTED"],
    TIMED_OUT: ["FAILED", "ROLLED_BACK", "ABORTED"],
    FAILED: ["FAILED", "ROLLED_BACK", "ABORTED"],
  };
  if (!(matches[end.executionStatus] ?? []).includes(result.status))
    out.push(`record ${result.status} does not match the execution's ${end.executionStatus}`);
  if (end.refreshesInProgress.length > 0) out.push(`refreshes still running: ${end.refreshesInProgress}`);
  if (end.locksHeld.length > 0) out.push(`locks still held: ${end.locksHeld}`);
  for (const name of account.groupNames()) {
    const group = account.group(name);
    if (!group) continue;
    const minimum = 90;
    if (group.minHealthyPercentSeen < minimum)
      out.push(`${name} went down to ${group.minHealthyPercentSeen}% healthy (minimum ${minimum}%)`);
  }
  for (const g of result.groups) {
    if (g.outcome === "RUNNING") out.push(`${g.name} is still RUNNING in the record`);
    if (g.outcome !== "UPGRADED") continue;
    const last = g.instanceRefreshIds.at(-1);
    const refresh = account.group(g.name)?.refreshes.find((r) => r.instanceRefreshId === last);
    if (refresh?.status !== "Successful")
      out.push(`${g.name} is UPGRADED but its refresh ${last ?? "(none)"} is ${refresh?.status ?? "absent"}`);
  }
  return out;
}
