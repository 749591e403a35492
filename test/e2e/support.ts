import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "@fleet-upgrade/cli";
import { parseScenarioObject, type Scenario } from "@fleet-upgrade/core";
import { loadScenario } from "@fleet-upgrade/simulator";

/** Runs the CLI in process and captures what it prints. */
export async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

/** Writes a file into a fresh temporary directory and returns its path. */
export function tempFile(name: string, content: string): string {
  const dir = mkdtempSync(join(tmpdir(), "fleet-upgrade-"));
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** Operations that change something in an account. */
export const MUTATING_OPERATIONS = [
  "autoscaling:StartInstanceRefresh",
  "autoscaling:RollbackInstanceRefresh",
  "autoscaling:CancelInstanceRefresh",
  "autoscaling:UpdateAutoScalingGroup",
  "ec2:CreateLaunchTemplateVersion",
  "ec2:RunInstances",
  "ec2:CreateImage",
  "ec2:TerminateInstances",
  "ec2:CreateTags",
  "ssm:SendCommand",
];

/** The bundled example with changes applied, validated like a scenario file. */
export function exampleWith(change: (scenario: Record<string, unknown> & Scenario) => void): Scenario {
  const copy = structuredClone(loadScenario()) as Record<string, unknown> & Scenario;
  change(copy);
  const parsed = parseScenarioObject(copy);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.scenario;
}

/** The bundled example whose first wave names a ring no group carries ("canry" for "canary"). */
export function mistypedRingScenario(): Scenario {
  return exampleWith((s) => {
    const request = s.request as { rollout?: { waves?: { name: string; ring?: string }[] } };
    request.rollout = {
      ...request.rollout,
      waves: [{ name: "canary", ring: "canry" }, { name: "rest", percent: 100 } as { name: string }],
    };
  });
}

/** The group of a scenario by name; throws when absent. */
export function groupSpec(scenario: Scenario, name: string) {
  const group = scenario.groups.find((g) => g.name === name);
  if (!group) throw new Error(`no group ${name}`);
  return group;
}
