/**
 * The functions' Lambda bundles as SST deploys them (infra/bundle-options.ts): bytes per function,
 * the SDK clients each one carries, the packages that weigh most, and the time a fresh `node` takes
 * to import a bundle. Used by the bench (bench.ts) and the bundle test (test/infra/bundles.test.ts).
 *
 *   node packages/cli/bin/run-ts.mjs bench/bundles.ts      # every function, heaviest packages
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { FUNCTION_KEYS, FUNCTION_TABLE, type FunctionKey } from "@fleet-upgrade/workflow";
import { build, type Metafile } from "esbuild";
import { SST_BUNDLE_OPTIONS } from "../infra/bundle-options";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));

export interface FunctionBundle {
  key: FunctionKey;
  /** The bundle's size in bytes, as Lambda unpacks it. */
  bytes: number;
  /** The `@aws-sdk/client-*` packages with code in the bundle, by their short name (`sfn`). */
  clients: string[];
  /** Bytes in the bundle per package (`@aws-sdk/client-ec2`, `zod`) or `(own code)`. */
  packages: Record<string, number>;
  /** The bundle itself, for a cold import. */
  code: string;
}

/** The package a metafile input belongs to: its name under the last node_modules, or the app's own. */
export function packageOf(input: string): string {
  const at = input.lastIndexOf("node_modules/");
  if (at < 0) return "(own code)";
  const [scope, name] = input.slice(at + "node_modules/".length).split("/");
  return scope?.startsWith("@") ? `${scope}/${name}` : (scope ?? input);
}

const CLIENT_PREFIX = "@aws-sdk/client-";

function summarize(
  key: FunctionKey,
  inputs: Metafile["outputs"][string]["inputs"],
  code: string,
): FunctionBundle {
  const packages: Record<string, number> = {};
  for (const [input, { bytesInOutput }] of Object.entries(inputs)) {
    if (bytesInOutput === 0) continue;
    const name = packageOf(input);
    packages[name] = (packages[name] ?? 0) + bytesInOutput;
  }
  const clients = Object.keys(packages)
    .filter((name) => name.startsWith(CLIENT_PREFIX))
    .map((name) => name.slice(CLIENT_PREFIX.length))
    .sort();
  return { key, bytes: Buffer.byteLength(code), clients, packages, code };
}

/**
 * Bundles the given functions (all by default) with SST's options, in memory, in one esbuild build:
 * each entry point gets its own output (no splitting, as deployed), and the sources are parsed once.
 */
export async function bundleFunctions(
  keys: readonly FunctionKey[] = FUNCTION_KEYS,
): Promise<FunctionBundle[]> {
  const outdir = join(ROOT, ".bundles");
  const result = await build({
    ...SST_BUNDLE_OPTIONS,
    entryPoints: keys.map((key) => ({
      in: join(ROOT, "packages/functions/src", `${FUNCTION_TABLE[key].entry}.ts`),
      out: key,
    })),
    outdir,
    outExtension: { ".js": ".mjs" },
    absWorkingDir: ROOT,
    metafile: true,
    write: false,
    logLevel: "silent",
  });
  return keys.map((key) => {
    const path = join(outdir, `${key}.mjs`);
    const code = result.outputFiles.find((file) => file.path === path)?.text;
    const output = Object.entries(result.metafile.outputs).find(
      ([file]) => resolve(ROOT, file) === path,
    )?.[1];
    if (code === undefined || output === undefined) throw new Error(`esbuild wrote no bundle for ${key}`);
    return summarize(key, output.inputs, code);
  });
}

/**
 * Milliseconds a fresh `node` process takes to `import()` the bundle, the median of `runs`: what a
 * cold start pays before the handler runs, without building any client.
 */
export function coldImportMs(bundle: FunctionBundle, runs = 5): number {
  const dir = mkdtempSync(join(tmpdir(), "fleet-upgrade-bundle-"));
  try {
    const file = join(dir, `${bundle.key}.mjs`);
    writeFileSync(file, bundle.code);
    const script = `const t = performance.now(); await import(${JSON.stringify(file)}); console.log(performance.now() - t);`;
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
      if (child.status !== 0) throw new Error(`importing the ${bundle.key} bundle failed: ${child.stderr}`);
      times.push(Number(child.stdout.trim()));
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)] ?? Number.NaN;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Issue 11's goals for the bundles and the cold import of a small function. */
export const BUNDLE_GOALS = { largestBytes: 900_000, smallestBytes: 300_000, coldImportMs: 80 } as const;

/** The functions whose cold import the bench times: the small, frequent ones. */
export const SMALL_FUNCTIONS = ["refreshEvents", "statusApi"] as const satisfies readonly FunctionKey[];

const kb = (bytes: number) => `${(bytes / 1000).toFixed(0)} KB`;

/** The bench rows: largest and smallest bundle, and the cold import of the small functions. */
export async function bundleRows(row: (name: string, value: string, target?: string) => void) {
  const bundles = (await bundleFunctions()).sort((a, b) => b.bytes - a.bytes);
  const largest = bundles[0];
  const smallest = bundles.at(-1);
  if (!largest || !smallest) return;
  const within = (value: number, goal: number, unit: string) =>
    `goal <= ${goal}${unit}${value <= goal ? "" : "  (NOT MET)"}`;
  row(`bundle, largest (${largest.key})`, kb(largest.bytes), within(largest.bytes / 1000, 900, " KB"));
  row(`bundle, smallest (${smallest.key})`, kb(smallest.bytes), within(smallest.bytes / 1000, 300, " KB"));
  for (const key of SMALL_FUNCTIONS) {
    const bundle = bundles.find((each) => each.key === key);
    if (!bundle) continue;
    const ms = coldImportMs(bundle);
    row(
      `cold import of ${key}, ms (${kb(bundle.bytes)})`,
      ms.toFixed(0),
      within(ms, BUNDLE_GOALS.coldImportMs, ""),
    );
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const bundles = await bundleFunctions();
  for (const bundle of bundles.sort((a, b) => b.bytes - a.bytes)) {
    const heaviest = Object.entries(bundle.packages)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([name, bytes]) => `${name} ${kb(bytes)}`)
      .join(", ");
    console.log(
      `${bundle.key.padEnd(15)} ${kb(bundle.bytes).padStart(8)}  [${bundle.clients.join(" ")}]  ${heaviest}`,
    );
  }
  for (const key of SMALL_FUNCTIONS) {
    const bundle = bundles.find((each) => each.key === key);
    if (bundle) console.log(`cold import ${key}: ${coldImportMs(bundle).toFixed(0)} ms`);
  }
}
