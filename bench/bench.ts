/**
 * The benchmark (not a test): a generated fleet of 200 groups and 10,000 instances upgraded end to
 * end in simulation. Prints real seconds, peak RSS, virtual/lower-bound ratio, inventory calls
 * against the page minimum, state transitions per group, and the run's footprint: the most AWS calls
 * one Lambda invocation made, the largest state payload and the largest ledger item (issue 11).
 * Times are of this machine under whatever else runs; counts and bytes are deterministic.
 *
 *   npm run bench                 # the default fleet
 *   npm run bench -- 50 2000      # GROUPS INSTANCES
 *   npm run bench -- --large      # adds 1,000 groups / 50,000 instances (a few minutes)
 */
import { parseArgs } from "node:util";
import { groupLowerBoundSeconds, RunRequestSchema } from "@fleet-upgrade/core";
import { type RunFootprint, simulate } from "@fleet-upgrade/harness";
import { generateFleetScenario } from "@fleet-upgrade/simulator";

const USAGE =
  "usage: npm run bench [-- GROUPS INSTANCES] [-- --large]   (default 200 groups, 10000 instances)";
let parsed: ReturnType<
  typeof parseArgs<{
    options: { large: { type: "boolean" }; help: { type: "boolean" } };
    allowPositionals: true;
  }>
>;
try {
  parsed = parseArgs({
    options: { large: { type: "boolean", default: false }, help: { type: "boolean", default: false } },
    allowPositionals: true,
  });
} catch (error) {
  console.error(`bench: ${(error as Error).message.split(".")[0]}\n${USAGE}`);
  process.exit(2);
}
const { values: flags, positionals } = parsed;
if (flags.help) {
  console.log(USAGE);
  process.exit(0);
}
/** A fleet size from the command line: a whole number of at least `min`, or an error naming it. */
function sizeArg(index: number, name: string, fallback: number, min: number): number {
  const raw = positionals[index];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    console.error(`bench: ${name}: got ${JSON.stringify(raw)}, expected a whole number >= ${min}\n${USAGE}`);
    process.exit(2);
  }
  return value;
}
const groups = sizeArg(0, "GROUPS", 200, 1);
const instances = sizeArg(1, "INSTANCES", 10_000, groups);
/** Issue 11's goals: no invocation unbounded, no payload or item near its service's limit. */
const GOALS = { callsPerInvocation: 50, statePayloadBytes: 32 * 1024, ledgerItemBytes: 64 * 1024 };
const scenario = generateFleetScenario({ groups, instances, seed: 1 });

function row(name: string, value: string, target = "") {
  console.log(`${name.padEnd(44)} ${value.padStart(14)}  ${target}`);
}

/** "goal <= N", marked when the figure misses it. */
function goalNote(value: number, goal: number): string {
  return `goal <= ${goal}${value <= goal ? "" : "  (NOT MET)"}`;
}

function footprintRows(prefix: string, footprint: RunFootprint) {
  row(
    `${prefix}AWS calls, largest invocation`,
    `${footprint.maxCallsPerInvocation}`,
    `${goalNote(footprint.maxCallsPerInvocation, GOALS.callsPerInvocation)} (${footprint.maxCallsFunction})`,
  );
  row(
    `${prefix}state payload, largest, bytes`,
    `${footprint.maxStatePayloadBytes}`,
    `${goalNote(footprint.maxStatePayloadBytes, GOALS.statePayloadBytes)} (${footprint.maxStatePayloadState})`,
  );
  row(
    `${prefix}ledger item, largest, bytes`,
    `${footprint.maxLedgerItemBytes}`,
    `${goalNote(footprint.maxLedgerItemBytes, GOALS.ledgerItemBytes)} (${footprint.maxLedgerItemKey})`,
  );
}

console.log(`fleet-upgrade benchmark: ${groups} groups, ${instances} instances (node ${process.version})\n`);

// Inventory calls, measured on a dry run (later health checks also call DescribeInstanceInformation).
const dry = await simulate(scenario, { request: { ...scenario.request, dryRun: true } });
const pageMinimum = Math.ceil(instances / 50);
const describe = dry.result.metrics.apiCalls["ssm:DescribeInstanceInformation"] ?? 0;
const inventory = dry.result.metrics.apiCalls["ssm:GetInventory"] ?? 0;

const started = performance.now();
const run = await simulate(scenario);
const realSeconds = (performance.now() - started) / 1000;
const peakRssMiB = process.resourceUsage().maxRSS / 1024;
const { virtualSeconds, lowerBoundSeconds, stateTransitions, apiCalls } = run.result.metrics;
const ratio = (virtualSeconds ?? 0) / (lowerBoundSeconds || 1);
const upgraded = run.result.groups.filter((g) => g.outcome === "UPGRADED").length;

// The contract's wave bound spreads the groups' total over the lanes as if groups could be split.
// Whole groups cannot: this is the same bound with each group kept on one lane, longest first.
const request = RunRequestSchema.parse(scenario.request ?? {});
let wholeGroupBound =
  (lowerBoundSeconds ?? 0) -
  run.result.waves.reduce((sum, wave) => {
    const bounds = wave.groups.map((name) => {
      const g = scenario.groups.find((x) => x.name === name);
      return g ? groupLowerBoundSeconds(g, request.rollout) : 0;
    });
    return (
      sum + Math.max(0, ...bounds, bounds.reduce((a, b) => a + b, 0) / request.rollout.maxParallelGroups)
    );
  }, 0);
for (const wave of run.result.waves) {
  const lanes = new Array<number>(request.rollout.maxParallelGroups).fill(0);
  const bounds = wave.groups
    .map((name) =>
      groupLowerBoundSeconds(
        scenario.groups.find((x) => x.name === name) ?? { desired: 0, launchSeconds: 0, warmupSeconds: 0 },
        request.rollout,
      ),
    )
    .sort((a, b) => b - a);
  for (const bound of bounds) {
    const lane = lanes.indexOf(Math.min(...lanes));
    lanes[lane] = (lanes[lane] ?? 0) + bound;
  }
  wholeGroupBound += Math.max(...lanes);
}

row("run status", `${run.result.status} (${upgraded}/${groups})`);
// The time goal is for the default fleet only.
const defaultFleet = groups === 200 && instances === 10_000;
row("real seconds (full run)", realSeconds.toFixed(2), defaultFleet ? goalNote(realSeconds, 12) : "");
row("peak RSS, MiB", peakRssMiB.toFixed(0));
row("virtual seconds", String(virtualSeconds));
row("lower bound seconds", String(lowerBoundSeconds));
row("virtualSeconds / lowerBoundSeconds", ratio.toFixed(4), "target <= 1.02");
row("whole-group bound (groups not split over lanes)", String(wholeGroupBound));
row("virtualSeconds / whole-group bound", ((virtualSeconds ?? 0) / wholeGroupBound).toFixed(4));
row(
  "ssm:DescribeInstanceInformation (inventory)",
  `${describe} / ${pageMinimum}`,
  `${(describe / pageMinimum).toFixed(2)}x, target <= 1.1x`,
);
row(
  "ssm:GetInventory (inventory)",
  `${inventory} / ${pageMinimum}`,
  `${(inventory / pageMinimum).toFixed(2)}x, target <= 1.1x`,
);
row("state transitions", String(stateTransitions));
row("state transitions per group", (stateTransitions / groups).toFixed(1));
row("API calls (all services)", String(Object.values(apiCalls).reduce((a, b) => a + b, 0)));
footprintRows("", run.footprint);

// The backstop: the same fleet with every instance-refresh event lost; only polls finish the waits.
const lost = await simulate({ ...scenario, faults: { ...scenario.faults, dropEvents: 1 } });
const lostMetrics = lost.result.metrics;
const lostRatio = (lostMetrics.virtualSeconds ?? 0) / (lostMetrics.lowerBoundSeconds || 1);
console.log("");
row("every event lost: run status", lost.result.status);
row("every event lost: virtualSeconds / lowerBound", lostRatio.toFixed(4), goalNote(lostRatio, 1.08));
row(
  "every event lost: virtual overhead vs events",
  `${(((lostMetrics.virtualSeconds ?? 0) / (virtualSeconds || 1) - 1) * 100).toFixed(1)}%`,
);
row("state transitions per group, with events", (stateTransitions / groups).toFixed(1));
row("state transitions per group, every event lost", (lostMetrics.stateTransitions / groups).toFixed(1));

if (flags.large) {
  const large = generateFleetScenario({ groups: 1_000, instances: 50_000, seed: 1 });
  const startedLarge = performance.now();
  const big = await simulate(large);
  const largeSeconds = (performance.now() - startedLarge) / 1000;
  const bigMetrics = big.result.metrics;
  console.log("");
  row("1,000 groups / 50,000 instances: run status", big.result.status);
  row("50,000 instances: real seconds", largeSeconds.toFixed(1), goalNote(largeSeconds, 60));
  row(
    "time(1,000 groups) / time(200 groups)",
    (largeSeconds / realSeconds).toFixed(2),
    goalNote(largeSeconds / realSeconds, 5.5),
  );
  const largeRssMiB = process.resourceUsage().maxRSS / 1024;
  row("peak RSS of this process, MiB", largeRssMiB.toFixed(0), goalNote(largeRssMiB, 512));
  row(
    "50,000 instances: virtualSeconds / lowerBound",
    ((bigMetrics.virtualSeconds ?? 0) / (bigMetrics.lowerBoundSeconds || 1)).toFixed(4),
  );
  footprintRows("50,000 instances: ", big.footprint);
}

// Lambda bundles as SST deploys them, and the cold import of the small functions (bench/bundles.ts).
console.log("");
const { bundleRows } = await import("./bundles");
await bundleRows(row);
