/**
 * Bench rows of the regression judge (issue 10, item 6), not a test: simulated canary groups of 10
 * instances (CPUUtilization mean 30, cv 0.15) refreshed with checkpoints [20, 50, 100] and a 600 s
 * checkpoint delay, judged by `analyzeGroup` through CloudWatchMetricReader on the simulator's seeded
 * series. Each checkpoint is judged once, over its delay (new against old instances, same window);
 * after the refresh, a bake look judges the new instances over 900 s against the group's pre-upgrade
 * figures (the 10 minutes before the refresh). Prints each row against its goal.
 *
 *   node packages/cli/bin/run-ts.mjs bench/analysis.ts [RUNS]     # 200 runs per row by default
 */
import { StartInstanceRefreshCommand } from "@aws-sdk/client-auto-scaling";
import { CreateLaunchTemplateVersionCommand } from "@aws-sdk/client-ec2";
import { CloudWatchMetricReader } from "@fleet-upgrade/aws";
import { analyzeGroup } from "@fleet-upgrade/core/health";
import { type AnalysisSettings, RunRequestSchema } from "@fleet-upgrade/core/request";
import type { AnalysisVerdict } from "@fleet-upgrade/core/result";
import { AL2_IMAGE, AL2023_IMAGE, scenarioOf } from "@fleet-upgrade/harness/scenario-fixtures";
import { SimulatedAccount } from "@fleet-upgrade/simulator";

const RUNS = Number(process.argv[2] ?? 200);
const MINUTE = 60_000;
const CHECKPOINT_DELAY_S = 600;
const BAKE_S = 900;

interface Look {
  at: string;
  verdict: AnalysisVerdict | null;
  /** Virtual seconds from the first new instance in service to the end of the look's window. */
  delaySeconds: number;
}

function scenarioFor(seed: number, shift: number) {
  return scenarioOf({
    name: "analysis-bench",
    seed,
    images: [AL2_IMAGE, AL2023_IMAGE],
    groups: [
      {
        name: "canary",
        desired: 10,
        max: 20,
        launchTemplate: { name: "canary-lt", version: 1, imageId: "ami-al2" },
        tags: { "fleet-upgrade:managed": "true", "fleet-upgrade:ring": "canary" },
        metrics: { CPUUtilization: { mean: 30, cv: 0.15 } },
        onNewImage: { metrics: { CPUUtilization: { shift } } },
      },
    ],
  });
}

/** One simulated canary group: every look of the judge, in order. */
async function canaryRun(seed: number, shift: number, settings: AnalysisSettings): Promise<Look[]> {
  const sim = SimulatedAccount.create(scenarioFor(seed, shift));
  const clients = sim.createClients();
  const reader = new CloudWatchMetricReader(clients);
  const t0 = sim.clock.now();
  const original = [...(sim.world.groups.get("canary")?.members ?? [])];
  sim.clock.advanceTo(t0 + 10 * MINUTE);
  const preUpgrade = { from: new Date(t0), to: new Date(t0 + 10 * MINUTE) };

  const created = await clients.ec2.send(
    new CreateLaunchTemplateVersionCommand({
      LaunchTemplateName: "canary-lt",
      SourceVersion: "1",
      LaunchTemplateData: { ImageId: "ami-2023-61" },
    }),
  );
  const checkpoints: { percent: string; atMs: number; canary: string[]; baseline: string[] }[] = [];
  let endedAt: number | null = null;
  sim.onRefreshEvent((event) => {
    const members = [...(sim.world.groups.get("canary")?.members ?? [])];
    const isNew = (id: string) => sim.world.instances.get(id)?.newImage === true;
    if (event["detail-type"] === "EC2 Auto Scaling Instance Refresh Checkpoint Reached") {
      checkpoints.push({
        percent: String(event.detail.CheckpointPercentage),
        atMs: sim.clock.now(),
        canary: members.filter(isNew),
        baseline: members.filter((id) => !isNew(id)),
      });
    }
    if (event["detail-type"] === "EC2 Auto Scaling Instance Refresh Succeeded") endedAt = sim.clock.now();
  });
  await clients.autoscaling.send(
    new StartInstanceRefreshCommand({
      AutoScalingGroupName: "canary",
      DesiredConfiguration: {
        LaunchTemplate: {
          LaunchTemplateName: "canary-lt",
          Version: String(created.LaunchTemplateVersion?.VersionNumber),
        },
      },
      Preferences: {
        MinHealthyPercentage: 90,
        MaxHealthyPercentage: 110,
        CheckpointPercentages: [20, 50, 100],
        CheckpointDelay: CHECKPOINT_DELAY_S,
      },
    }),
  );
  sim.clock.runUntilIdle();
  const end = endedAt ?? sim.clock.now();
  sim.clock.advanceTo(end + BAKE_S * 1000);

  // The first checkpoint is reached when the first batch of new instances is in service.
  const firstInService = checkpoints[0]?.atMs ?? end;
  const looks: Look[] = [];
  for (const checkpoint of checkpoints) {
    if (checkpoint.baseline.length === 0) continue; // 100%: judged by the bake look
    const to = checkpoint.atMs + CHECKPOINT_DELAY_S * 1000;
    const result = await analyzeGroup(reader, {
      settings,
      at: `checkpoint ${checkpoint.percent}%`,
      baselineInstanceIds: checkpoint.baseline,
      canaryInstanceIds: checkpoint.canary,
      window: { from: new Date(checkpoint.atMs), to: new Date(to) },
    });
    looks.push({
      at: `checkpoint ${checkpoint.percent}%`,
      verdict: result.verdict,
      delaySeconds: (to - firstInService) / 1000,
    });
  }
  const finalMembers = [...(sim.world.groups.get("canary")?.members ?? [])];
  const bake = await analyzeGroup(reader, {
    settings,
    at: "bake",
    baselineInstanceIds: original,
    canaryInstanceIds: finalMembers,
    window: { from: new Date(end), to: new Date(end + BAKE_S * 1000) },
    baselineWindow: preUpgrade,
  });
  looks.push({
    at: "bake",
    verdict: bake.verdict,
    delaySeconds: (end + BAKE_S * 1000 - firstInService) / 1000,
  });
  return looks;
}

async function runs(shift: number, settings: AnalysisSettings): Promise<Look[][]> {
  const out: Look[][] = [];
  for (let seed = 1; seed <= RUNS; seed++) out.push(await canaryRun(seed, shift, settings));
  return out;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
function row(name: string, value: string, goal: string, met: boolean | null) {
  const mark = met === null ? "" : met ? "ok" : "MISSED";
  console.log(`${name.padEnd(62)} ${value.padStart(10)}  ${goal.padEnd(14)} ${mark}`);
}

const defaults = RunRequestSchema.parse({}).health.analysis;
const tight: AnalysisSettings = {
  ...defaults,
  metrics: defaults.metrics.map((m) => ({ ...m, tolerance: 0.1 })),
};
const started = performance.now();
console.log(
  `regression judge bench: ${RUNS} simulated canary groups per row, 10 instances, CPU 30 / cv 0.15, ` +
    `confidence ${defaults.confidence}, minInstances ${defaults.minInstances} (node ${process.version})\n`,
);

const none = await runs(0, defaults);
const anyFail = (looks: Look[]) => looks.some((l) => l.verdict === "FAIL");
const falseRuns = none.filter(anyFail).length / RUNS;
const falseLooks = none.flat().filter((l) => l.verdict === "FAIL").length / none.flat().length;
row("false-FAIL rate, no shift (runs with any FAIL)", pct(falseRuns), "<= 1%", falseRuns <= 0.01);
row(`  per look (${none.flat().length} looks: 20%, 50%, bake)`, pct(falseLooks), "<= 1%", falseLooks <= 0.01);

const forty = await runs(0.4, defaults);
const firstLook = forty.filter((looks) => looks[0]?.verdict === "FAIL").length / RUNS;
row("detection, 40% shift, first checkpoint (2 new of 10)", pct(firstLook), ">= 95%", firstLook >= 0.95);

const fifteen = await runs(0.15, tight);
const byEnd = fifteen.filter(anyFail).length / RUNS;
row("detection, 15% shift, tolerance 0.1, by the end of the canary", pct(byEnd), ">= 95%", byEnd >= 0.95);

const delay = (all: Look[][]) =>
  median(
    all.flatMap((looks) =>
      looks
        .filter((l) => l.verdict === "FAIL")
        .slice(0, 1)
        .map((l) => l.delaySeconds),
    ),
  );
const d40 = delay(forty);
const d15 = delay(fifteen);
row(
  "median detection delay, 40% shift (virtual s from first new in service)",
  d40 === null ? "-" : `${d40} s`,
  "",
  null,
);
row("median detection delay, 15% shift, tolerance 0.1", d15 === null ? "-" : `${d15} s`, "", null);
console.log(`\n${((performance.now() - started) / 1000).toFixed(1)} s real`);
