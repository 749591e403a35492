/**
 * Status API latency through `fleet-upgrade serve`: the bundled example on loopback with a run in
 * progress (advancing live at the default 60 virtual seconds per real second), then a steady 200
 * requests per second for 20 seconds, alternating GET /runs/{runId} (the live run result) and
 * GET /runs. Prints p50 and p99 latency per route; the target is p99 under 50 ms.
 *
 *   node packages/cli/bin/run-ts.mjs bench/status-api.ts [--rate 200] [--seconds 20]
 */
import { parseArgs } from "node:util";
import { DEFAULT_SPEED, startServe } from "@fleet-upgrade/cli";
import { loadScenario } from "@fleet-upgrade/simulator";

const { values } = parseArgs({
  options: { rate: { type: "string", default: "200" }, seconds: { type: "string", default: "20" } },
});
// Bounded on purpose: loopback only, at most 1,000 requests per second for at most a minute.
const rate = Math.min(1000, Math.max(1, Number(values.rate)));
const seconds = Math.min(60, Math.max(1, Number(values.seconds)));

const serve = await startServe({ scenario: loadScenario(), port: 0, speed: DEFAULT_SPEED });
const started = await fetch(`${serve.url}/runs`, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: "{}",
});
const { runId } = (await started.json()) as { runId: string };
// Let the run get past inventory so the answers carry waves and groups.
await new Promise((resolve) => setTimeout(resolve, 1500));

const routes = [`/runs/${runId}`, "/runs"] as const;
const latencies: Record<string, number[]> = { [routes[0]]: [], [routes[1]]: [] };
let failures = 0;
const total = rate * seconds;
const intervalMs = 1000 / rate;
const inFlight: Promise<void>[] = [];
const begin = performance.now();

for (let i = 0; i < total; i++) {
  const due = begin + i * intervalMs;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  const route = routes[i % 2] as (typeof routes)[number];
  inFlight.push(
    (async () => {
      const t0 = performance.now();
      try {
        const response = await fetch(serve.url + route);
        await response.arrayBuffer();
        if (response.status !== 200) failures++;
      } catch {
        failures++;
      }
      latencies[route]?.push(performance.now() - t0);
    })(),
  );
}
await Promise.all(inFlight);
const elapsedS = (performance.now() - begin) / 1000;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
const ms = (n: number) => `${n.toFixed(1)} ms`;

const state = (await (await fetch(`${serve.url}/runs/${runId}`)).json()) as { status: string };
console.log(
  `status API through serve (loopback, example fleet, run ${runId} ${state.status} at ${DEFAULT_SPEED}x): ` +
    `${total} requests in ${elapsedS.toFixed(1)} s (${(total / elapsedS).toFixed(0)}/s), ${failures} failed`,
);
let worstP99 = 0;
for (const route of routes) {
  const sorted = [...(latencies[route] ?? [])].sort((a, b) => a - b);
  const p99 = percentile(sorted, 99);
  worstP99 = Math.max(worstP99, p99);
  console.log(
    `  GET ${route.startsWith("/runs/") ? "/runs/{runId}" : route}: p50 ${ms(percentile(sorted, 50))}, ` +
      `p99 ${ms(p99)}, max ${ms(sorted.at(-1) ?? Number.NaN)} (${sorted.length} requests)`,
  );
}
console.log(`  target p99 < 50 ms: ${worstP99 < 50 ? "met" : "MISSED"}`);
await serve.close();
// The simulated run is cut short: do not wait for it to unwind.
process.exit(failures > 0 ? 1 : 0);
