import { accessSync, constants, existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Scenario } from "@fleet-upgrade/core/scenario";
import { formatProblems, type Problem } from "@fleet-upgrade/core/validation";

// What the local commands do with their input before they run: usage errors, the scenario, number flags, paths.

/** Invalid input: exit code 2, the message on stderr, nothing run. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export const processIo: Io = {
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
};

export function problemsOf(error: unknown): Problem[] | null {
  const problems = (error as { problems?: unknown }).problems;
  return Array.isArray(problems) ? (problems as Problem[]) : null;
}

/** Refuses (exit 2, before the run) a report path whose folder is missing or that cannot be written. */
export function checkWritable(path: string): void {
  const folder = dirname(resolve(path));
  if (!existsSync(folder) || !statSync(folder).isDirectory())
    throw new UsageError(
      `--report: folder ${JSON.stringify(folder)} does not exist; expected a path in an existing folder (mkdir -p it first)`,
    );
  try {
    accessSync(folder, constants.W_OK);
    if (existsSync(path)) {
      if (statSync(path).isDirectory()) throw new Error("it is a folder");
      accessSync(path, constants.W_OK);
    }
  } catch (error) {
    throw new UsageError(
      `--report: cannot write ${JSON.stringify(path)} (${(error as Error).message}); expected a writable file path`,
    );
  }
}

/** The scenario file at `given` (the bundled example when absent); invalid: a usage error. */
export async function loadScenarioOrRefuse(given: string | undefined): Promise<Scenario> {
  const { EXAMPLE_SCENARIO_PATH, loadScenario } = await import("@fleet-upgrade/simulator");
  const path = given ?? EXAMPLE_SCENARIO_PATH;
  try {
    return loadScenario(path);
  } catch (error) {
    const problems = problemsOf(error);
    throw new UsageError(
      problems
        ? `scenario ${path} is invalid:\n${formatProblems(problems)}`
        : `scenario ${path}: ${(error as Error).message}`,
    );
  }
}

/** A number flag within [min, max], `fallback` when absent; anything else is a usage error. */
export function numberFlag(
  name: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < min || n > max)
    throw new UsageError(`--${name}: got ${JSON.stringify(value)}, expected a number ${min}-${max}`);
  return n;
}
