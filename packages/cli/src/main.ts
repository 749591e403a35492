import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { formatProblems, type Problem, type Scenario } from "@fleet-upgrade/core";
import { DEFAULT_SETTINGS } from "@fleet-upgrade/functions";
import { EXAMPLE_SCENARIO_PATH, loadScenario } from "@fleet-upgrade/simulator";
import { parse as parseYaml } from "yaml";
import { progressLine, summary } from "./format";
import { effectiveRequest, simulate } from "./simulation";

const USAGE = `usage: fleet-upgrade <command> [options]

commands:
  simulate [SCENARIO] [--request FILE|JSON] [--json]
      upgrade a simulated account end to end with the real state machine and Lambda code;
      without SCENARIO, the bundled example (examples/mixed-fleet.yaml)

exit codes: 0 the run SUCCEEDED (or PLANNED), 1 it ended otherwise or was left WAITING, 2 invalid input`;

/** Invalid input: exit code 2, the message on stderr, nothing run. */
class UsageError extends Error {
  override readonly name = "UsageError";
}

interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const processIo: Io = {
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
};

function problemsOf(error: unknown): Problem[] | null {
  const problems = (error as { problems?: unknown }).problems;
  return Array.isArray(problems) ? (problems as Problem[]) : null;
}

/** A request from `--request`: inline JSON, or a JSON or YAML file. */
export function readRequest(value: string): unknown {
  const text = value.trim().startsWith("{") ? value : readText(value, "--request");
  try {
    return value.trim().startsWith("{") || value.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new UsageError(
      `--request: ${JSON.stringify(value.slice(0, 80))} is not valid JSON or YAML: ${(error as Error).message}`,
    );
  }
}

function readText(path: string, flag: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    throw new UsageError(
      `${flag}: cannot read file ${JSON.stringify(path)}; expected a readable JSON or YAML file`,
    );
  }
}

async function simulateCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { request: { type: "string" }, json: { type: "boolean", default: false } },
  });
  if (positionals.length > 1)
    throw new UsageError(`simulate takes one SCENARIO, got ${positionals.length}: ${positionals.join(" ")}`);
  const path = positionals[0] ?? EXAMPLE_SCENARIO_PATH;
  let scenario: Scenario;
  try {
    scenario = loadScenario(path);
  } catch (error) {
    const problems = problemsOf(error);
    throw new UsageError(
      problems
        ? `scenario ${path} is invalid:\n${formatProblems(problems)}`
        : `scenario ${path}: ${(error as Error).message}`,
    );
  }
  const request = values.request === undefined ? undefined : readRequest(values.request);
  try {
    effectiveRequest(scenario, request, DEFAULT_SETTINGS);
  } catch (error) {
    const problems = problemsOf(error);
    if (!problems) throw error;
    throw new UsageError(`the run request is invalid:\n${formatProblems(problems)}`);
  }
  const startMs = Date.parse(scenario.start);
  if (!values.json)
    io.stderr(
      `simulating ${scenario.name} (seed ${scenario.seed}, ${scenario.groups.length} groups, from ${scenario.start})`,
    );
  const outcome = await simulate(scenario, {
    ...(request !== undefined ? { request } : {}),
    onEvent: values.json
      ? undefined
      : (event) => {
          const line = progressLine(event, startMs);
          if (line) io.stderr(line);
        },
  });
  const result = outcome.result;
  if (values.json) io.stdout(JSON.stringify(result, null, 2));
  else {
    io.stdout(summary(result));
    if (outcome.stalled)
      io.stderr("\nthe run is WAITING for an approval that no scripted operator action gives");
  }
  return !outcome.stalled && (result.status === "SUCCEEDED" || result.status === "PLANNED") ? 0 : 1;
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "simulate":
        return await simulateCommand(rest, io);
      case undefined:
      case "help":
      case "--help":
      case "-h":
        io.stdout(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}; expected one of: simulate`);
    }
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      io.stderr(`fleet-upgrade: ${(error as Error).message}`);
      if (!(error instanceof UsageError)) io.stderr(USAGE);
      return 2;
    }
    io.stderr(`fleet-upgrade: ${(error as Error).stack ?? String(error)}`);
    return 1;
  }
}
