/**
 * The `fleet-upgrade` command line, on commander (https://github.com/tj/commander.js).
 *
 * Why commander over yargs, citty and clipanion: it has no dependencies and no install script
 * (about 200 kB unpacked; yargs brings cliui, y18n, escalade and more), it suggests the nearest
 * command and option on a typo (`simulte`, `--jsn`) out of the box (citty does not; yargs only
 * for commands), and `exitOverride()` turns every exit into an error we map onto CONTRACTS
 * section 4's codes instead of letting the library call `process.exit` (0 for --help and
 * --version, 2 for any invalid flag). Version 14 is the last line that supports Node.js 20.
 *
 * Commander checks the flags and answers --help; each command function then reads its own raw
 * arguments as before, so their unit tests and messages stay as they are.
 *
 * A little over 300 lines: the command tree with its help texts, and how simulate and serve read
 * their flags (input checks shared by the commands live in command-input.ts).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { deepMerge } from "@fleet-upgrade/core/request";
import { formatProblems } from "@fleet-upgrade/core/validation";
import type { SimulationEvent } from "@fleet-upgrade/harness";
import { Command, CommanderError } from "commander";
import {
  checkWritable,
  type Io,
  loadScenarioOrRefuse,
  numberFlag,
  problemsOf,
  processIo,
  UsageError,
} from "./command-input";
import type { RemoteCommand } from "./remote";
import { readRequestFlag } from "./request-flag";

// Each command loads what it runs (the SDK, the simulator, Vega) when it runs: --help, --version and
// a mistyped command answer without loading them. The serve defaults are repeated here for --help;
// a unit test holds them to serve.ts.
const DEFAULT_PORT = 8787;
const DEFAULT_SPEED = 60;

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
  const scenario = await loadScenarioOrRefuse(positionals[0]);
  const { DEFAULT_SETTINGS } = await import("@fleet-upgrade/functions");
  const { effectiveRequest, simulate } = await import("@fleet-upgrade/harness");
  const { anyBlocked, progressLine, summary } = await import("./format");
  // One rule everywhere: --request merges over the defaults (here the scenario's request), as serve
  // and the status API do; objects merge key by key, arrays and values replace.
  const request =
    values.request === undefined
      ? undefined
      : deepMerge(
          scenario.request ?? {},
          readRequestFlag(values.request, (message) => new UsageError(message)),
        );
  try {
    effectiveRequest(scenario, request, DEFAULT_SETTINGS);
  } catch (error) {
    const problems = problemsOf(error);
    if (!problems) throw error;
    throw new UsageError(`the run request is invalid:\n${formatProblems(problems)}`);
  }
  if (values.report !== undefined) checkWritable(values.report);
  const startMs = Date.parse(scenario.start);
  if (!values.json)
    io.stderr(
      `simulating ${scenario.name} (seed ${scenario.seed}, ${scenario.groups.length} groups, from ${scenario.start})`,
    );
  const lines: string[] = [];
  const events: SimulationEvent[] = [];
  const outcome = await simulate(scenario, {
    ...(request !== undefined ? { request } : {}),
    onEvent: (event) => {
      if (values.report !== undefined) events.push(event);
      const line = progressLine(event, startMs);
      if (!line) return;
      lines.push(line);
      if (!values.json) io.stderr(line);
    },
  });
  const result = outcome.result;
  if (values.report !== undefined) {
    try {
      const { pictureOf } = await import("./run-picture");
      const { renderRunReport } = await import("./report");
      const picture = pictureOf(result, events, outcome.account);
      writeFileSync(values.report, await renderRunReport(result, lines, picture));
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
  // A dry run exits 1 when the preflight blocked something (CONTRACTS.md section 4).
  if (result.status === "PLANNED" && anyBlocked(result)) return 1;
  return !outcome.stalled && (result.status === "SUCCEEDED" || result.status === "PLANNED") ? 0 : 1;
}

async function serve(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { port: { type: "string" }, speed: { type: "string" } },
  });
  if (positionals.length > 1)
    throw new UsageError(`serve takes one SCENARIO, got ${positionals.length}: ${positionals.join(" ")}`);
  const scenario = await loadScenarioOrRefuse(positionals[0]);
  const port = numberFlag("port", values.port, DEFAULT_PORT, 0, 65535);
  if (!Number.isInteger(port))
    throw new UsageError(`--port: got ${values.port}, expected an integer 0-65535`);
  const speed = numberFlag("speed", values.speed, DEFAULT_SPEED, 0.001, 1_000_000);
  try {
    const { serveCommand } = await import("./serve");
    return await serveCommand(scenario, { port, speed }, io);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "EADDRINUSE")
      throw new UsageError(
        `--port ${port}: the port is in use on 127.0.0.1 (another serve?); expected a free port: pass --port N, or --port 0 for any free one`,
      );
    if (code === "EACCES")
      throw new UsageError(`--port ${port}: not allowed to listen there; expected a port above 1023`);
    throw error;
  }
}

const VERSION = (
  JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string }
).version;

const REQUEST_RULE =
  "--request FILE|JSON is inline JSON (it starts with {) or a JSON or YAML file; it is merged over\n" +
  "the defaults: objects key by key, arrays and values replaced. The defaults are the scenario's\n" +
  "`request` for simulate and serve, the stage's requestDefaults for start (the status API merges),\n" +
  "and none for plan (which always sets dryRun: true).";

const EXIT_CODES =
  "exit codes: 0 the run SUCCEEDED (or PLANNED), 1 it ended otherwise or was left WAITING,\n" +
  "2 invalid input (scenario, request, flags), with the error on stderr";

const REMOTE_HELP =
  "Talks to a deployed status API, each request SigV4-signed with your AWS credentials " +
  "(AWS_PROFILE, aws sso login, or environment variables); --region when the URL does not tell it. " +
  "FLEET_UPGRADE_API may stand in for --api. A local `fleet-upgrade serve` needs no credentials.";

/** The command tree. Each action receives the command's raw arguments and sets the exit code. */
function program(argv: string[], io: Io, setCode: (code: number) => void): Command {
  const strip = (text: string) => text.replace(/\n$/, "");
  const root = new Command("fleet-upgrade")
    .description(
      "Move fleets of EC2 Auto Scaling groups to a hardened Amazon Linux 2023 image in canary waves.",
    )
    .version(VERSION, "-V, --version", "print the version")
    .helpOption("-h, --help", "show help (fleet-upgrade COMMAND --help: a command's own)")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout(strip(text)),
      writeErr: (text) => io.stderr(strip(text)),
      outputError: (text, write) => write(`fleet-upgrade: ${text}`),
    })
    .showSuggestionAfterError(true)
    .showHelpAfterError("(add --help for usage)")
    .addHelpText("after", `\n${REQUEST_RULE}\n\n${EXIT_CODES}`);
  // The command's own arguments, as the command functions (and their unit tests) take them.
  const raw = () => argv.slice(1);

  root
    .command("simulate")
    .summary("upgrade a simulated account end to end")
    .description(
      "Upgrades a simulated account end to end with the real state machine and Lambda code on a " +
        "virtual clock. Without SCENARIO, the bundled example (examples/mixed-fleet.yaml). " +
        "Progress goes to stderr, the summary to stdout.",
    )
    .argument("[SCENARIO]", "a scenario file (YAML or JSON)")
    .option("--request <FILE|JSON>", "a run request merged over the scenario's request")
    .option("--json", "print the run result alone on stdout")
    .option("--report <FILE.html>", "write a self-contained HTML report of the run")
    .addHelpText("after", `\n${REQUEST_RULE}\n\n${EXIT_CODES}`)
    .action(async () => setCode(await simulateCommand(raw(), io)));

  root
    .command("plan")
    .summary("read-only dry run against a real account")
    .description(
      "Inventories a real account, chooses the target image and plans the waves, with read-only " +
        "calls and your AWS credentials; prints each group's readiness. Exits 1 when a group is " +
        "BLOCKED or the plan fails.",
    )
    .option("--request <FILE|JSON>", "a run request (dryRun is always true)")
    .option("--region <R>", "the account's region (default: AWS_REGION)")
    .option("--profile <P>", "a profile of ~/.aws/config (default: the SDK's credential chain)")
    .option(
      "--scenario <FILE.yaml>",
      "also write the account as a scenario file, to rehearse with `fleet-upgrade simulate FILE`",
    )
    .addHelpText("after", `\n${REQUEST_RULE}`)
    .action(async () => setCode(await (await import("./plan-command")).planCommand(raw(), io)));

  root
    .command("serve")
    .summary("the status API over a simulated account, on 127.0.0.1")
    .description(
      "Serves the status API on 127.0.0.1 over a simulated account that advances N virtual seconds " +
        "per real second; POST /runs starts a simulated run (its body merged over the scenario's " +
        "request). Ctrl-C stops.",
    )
    .argument("[SCENARIO]", "a scenario file (default: the bundled example)")
    .option("--port <PORT>", `the port, 0 for any free one (default: ${DEFAULT_PORT})`)
    .option("--speed <N>", `virtual seconds per real second (default: ${DEFAULT_SPEED})`)
    .action(async () => setCode(await serve(raw(), io)));

  const remote = (name: RemoteCommand) => async () =>
    setCode(await (await import("./remote")).remoteCommand(name, raw(), io));
  // Every remote command names the API and its region the same way.
  const withApi = (command: Command) =>
    command
      .option("--api <URL>", "the status API's URL")
      .option("--region <R>", "the API's region, when its URL does not tell it");
  withApi(
    root
      .command("start")
      .summary("start a run through a deployed status API")
      .description(`Starts a run; prints its id on stdout. ${REMOTE_HELP}`)
      .option("--request <FILE|JSON>", "a run request merged over the stage's requestDefaults")
      .option(
        "--idempotency-key <KEY>",
        "reuse a key to retry a start safely (the API answers with the run it started); a new one by default",
      ),
  )
    .addHelpText("after", `\n${REQUEST_RULE}`)
    .action(remote("start"));
  withApi(
    root
      .command("status")
      .summary("show a run, or the latest runs")
      .description(
        `Shows a run (exit code as for simulate), or the latest runs without RUN_ID. ${REMOTE_HELP}`,
      )
      .argument("[RUN_ID]", "the run"),
  )
    .option("--watch", "follow the run until it is no longer RUNNING")
    .option("--json", "print the run result as JSON")
    .addHelpText("after", `\n${EXIT_CODES}`)
    .action(remote("status"));
  withApi(
    root
      .command("approve")
      .summary("approve a run WAITING between waves")
      .description(`Approves a run WAITING between waves: the next wave starts. ${REMOTE_HELP}`)
      // Required, but checked by the command itself so its message stays "approve needs a RUN_ID".
      .argument("[RUN_ID]", "the run (required)")
      .usage("[options] RUN_ID"),
  ).action(remote("approve"));
  withApi(
    root
      .command("abort")
      .summary("abort a run: no new group starts, refreshes in progress roll back")
      .description(`Aborts a run: no new group starts, refreshes in progress roll back. ${REMOTE_HELP}`)
      // Required, but checked by the command itself so its message stays "approve needs a RUN_ID".
      .argument("[RUN_ID]", "the run (required)")
      .usage("[options] RUN_ID"),
  )
    .option("--reason <TEXT>", "why, for the run's record and notifications")
    .action(remote("abort"));
  return root;
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  let code = 0;
  const cli = program(argv, io, (c) => {
    code = c;
  });
  try {
    if (argv.length === 0) {
      // No command: the overview on stderr and exit 2, as any invalid invocation.
      io.stderr(cli.helpInformation().replace(/\n$/, ""));
      return 2;
    }
    await cli.parseAsync(argv, { from: "user" });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; every other refusal (unknown command or option, a missing
      // value, too many arguments) is invalid input: 2. Commander has already printed the message.
      const shown = error.code === "commander.helpDisplayed" || error.code === "commander.version";
      return shown || (error.code === "commander.help" && error.exitCode === 0) ? 0 : 2;
    }
    if (
      error instanceof UsageError ||
      (error as Error).name === "RemoteUsageError" ||
      (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")
    ) {
      io.stderr(`fleet-upgrade: ${(error as Error).message}`);
      return 2;
    }
    io.stderr(`fleet-upgrade: ${(error as Error).stack ?? String(error)}`);
    return 1;
  }
}
