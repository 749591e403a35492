import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { formatProblems, type Problem, type Scenario } from "@fleet-upgrade/core";
import { DEFAULT_SETTINGS } from "@fleet-upgrade/functions";
import { EXAMPLE_SCENARIO_PATH, loadScenario } from "@fleet-upgrade/simulator";
import { progressLine, summary } from "./format";
import { planCommand } from "./plan-command";
import { REMOTE_COMMANDS, type RemoteCommand, RemoteUsageError, remoteCommand } from "./remote";
import { renderHtmlReport } from "./report";
import { readRequestFlag } from "./request-flag";
import { DEFAULT_PORT, DEFAULT_SPEED, serveCommand } from "./serve";
import { effectiveRequest, simulate } from "./simulation";

const USAGE = `usage: fleet-upgrade <command> [options]

commands:
  simulate [SCENARIO] [--request FILE|JSON] [--json] [--report FILE.html]
      upgrade a simulated account end to end with the real state machine and Lambda code;
      without SCENARIO, the bundled example (examples/mixed-fleet.yaml)
  plan [--request FILE|JSON] [--region R] [--profile P]
      read-only plan against a real account: inventory, target image, waves
  serve [SCENARIO] [--port 8787] [--speed N]
      the status API on 127.0.0.1 over a simulated account advancing N virtual seconds per
      real second (default 60); POST /runs starts a simulated run
  start [--request FILE|JSON] --api URL
  status [RUN_ID] --api URL [--watch] [--json]
  approve RUN_ID --api URL
  abort RUN_ID --api URL [--reason TEXT]
      talk to a deployed status API (SigV4-signed with your AWS credentials; --region when the
      URL does not tell it; FLEET_UPGRADE_API may stand in for --api)

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

async function simulateCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      request: { type: "string" },
      json: { type: "boolean", default: false },
      report: { type: "string" },
    },
  });
  if (values.report !== undefined && !values.report.endsWith(".html")) {
    throw new UsageError(
      `--report: ${JSON.stringify(values.report)} is not an .html file name; expected e.g. run.html`,
    );
  }
  if (positionals.length > 1)
    throw new UsageError(`simulate takes one SCENARIO, got ${positionals.length}: ${positionals.join(" ")}`);
  const path = positionals[0] ?? EXAMPLE_SCENARIO_PATH;
  const scenario = loadScenarioOrRefuse(path);
  const request =
    values.request === undefined
      ? undefined
      : readRequestFlag(values.request, (message) => new UsageError(message));
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
  const lines: string[] = [];
  const outcome = await simulate(scenario, {
    ...(request !== undefined ? { request } : {}),
    onEvent: (event) => {
      const line = progressLine(event, startMs);
      if (!line) return;
      lines.push(line);
      if (!values.json) io.stderr(line);
    },
  });
  const result = outcome.result;
  if (values.report !== undefined) {
    try {
      writeFileSync(values.report, renderHtmlReport(result, lines));
      if (!values.json) io.stderr(`report written to ${values.report}`);
    } catch (error) {
      io.stderr(`fleet-upgrade: --report: cannot write ${values.report}: ${(error as Error).message}`);
    }
  }
  if (values.json) io.stdout(JSON.stringify(result, null, 2));
  else {
    io.stdout(summary(result));
    if (outcome.stalled)
      io.stderr("\nthe run is WAITING for an approval that no scripted operator action gives");
  }
  return !outcome.stalled && (result.status === "SUCCEEDED" || result.status === "PLANNED") ? 0 : 1;
}

function loadScenarioOrRefuse(path: string): Scenario {
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

function numberFlag(
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

async function serve(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { port: { type: "string" }, speed: { type: "string" } },
  });
  if (positionals.length > 1)
    throw new UsageError(`serve takes one SCENARIO, got ${positionals.length}: ${positionals.join(" ")}`);
  const scenario = loadScenarioOrRefuse(positionals[0] ?? EXAMPLE_SCENARIO_PATH);
  const port = numberFlag("port", values.port, DEFAULT_PORT, 0, 65535);
  if (!Number.isInteger(port))
    throw new UsageError(`--port: got ${values.port}, expected an integer 0-65535`);
  const speed = numberFlag("speed", values.speed, DEFAULT_SPEED, 0.001, 1_000_000);
  return serveCommand(scenario, { port, speed }, io);
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "simulate":
        return await simulateCommand(rest, io);
      case "plan":
        return await planCommand(rest, io);
      case "serve":
        return await serve(rest, io);
      case "start":
      case "status":
      case "approve":
      case "abort":
        return await remoteCommand(command as RemoteCommand, rest, io);
      case undefined:
      case "help":
      case "--help":
      case "-h":
        io.stdout(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(
          `unknown command ${JSON.stringify(command)}; expected one of: simulate, plan, serve, ${REMOTE_COMMANDS.join(", ")}`,
        );
    }
  } catch (error) {
    if (
      error instanceof UsageError ||
      error instanceof RemoteUsageError ||
      (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")
    ) {
      io.stderr(`fleet-upgrade: ${(error as Error).message}`);
      if (!(error instanceof UsageError || error instanceof RemoteUsageError)) io.stderr(USAGE);
      return 2;
    }
    io.stderr(`fleet-upgrade: ${(error as Error).stack ?? String(error)}`);
    return 1;
  }
}
