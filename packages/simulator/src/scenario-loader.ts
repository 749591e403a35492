import { readFileSync } from "node:fs";
import { basename, extname } from "node:path";
import { fileURLToPath } from "node:url";
import { InvalidScenarioError, type Problem, parseScenarioObject, type Scenario } from "@fleet-upgrade/core";
import { LineCounter, parseDocument } from "yaml";

/** The bundled example scenario (`examples/mixed-fleet.yaml` at the repository root). */
export const EXAMPLE_SCENARIO_PATH = fileURLToPath(
  new URL("../../../examples/mixed-fleet.yaml", import.meta.url),
);

/**
 * Reads and validates a scenario file (YAML or JSON); without a path, the bundled example.
 * Throws `InvalidScenarioError` naming every problem (a missing file, a syntax error with its line,
 * each invalid field with its value).
 */
export function loadScenario(path: string = EXAMPLE_SCENARIO_PATH): Scenario {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === "ENOENT" ? "an existing file" : "a readable file";
    throw new InvalidScenarioError([
      { field: "(file)", value: path, expected: `${reason} (${(error as Error).message})` },
    ]);
  }
  return parseScenarioText(text, path);
}

/** Parses scenario text: JSON for `.json`, YAML for `.yaml`/`.yml`, otherwise JSON then YAML. */
export function parseScenarioText(text: string, fileName: string): Scenario {
  const extension = extname(fileName).toLowerCase();
  let value: unknown;
  if (extension === ".json") {
    value = parseJson(text, fileName);
  } else if (extension === ".yaml" || extension === ".yml") {
    value = parseYaml(text, fileName);
  } else {
    try {
      value = JSON.parse(text);
    } catch {
      value = parseYaml(text, fileName);
    }
  }
  const result = parseScenarioObject(value);
  if (!result.ok) throw new InvalidScenarioError(result.problems);
  return result.scenario;
}

function parseJson(text: string, fileName: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message);
    const line =
      position?.[1] === undefined ? undefined : text.slice(0, Number(position[1])).split("\n").length;
    throw new InvalidScenarioError([syntaxProblem(fileName, "JSON", message, line, text)]);
  }
}

function parseYaml(text: string, fileName: string): unknown {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  const error = document.errors[0];
  if (error !== undefined) {
    const line = error.linePos?.[0]?.line ?? lineCounter.linePos(error.pos[0]).line;
    throw new InvalidScenarioError([syntaxProblem(fileName, "YAML", error.message, line, text)]);
  }
  return document.toJS({ maxAliasCount: 100 });
}

function syntaxProblem(
  fileName: string,
  format: string,
  message: string,
  line: number | undefined,
  text: string,
): Problem {
  const where = line === undefined ? basename(fileName) : `${basename(fileName)} line ${line}`;
  const source = line === undefined ? undefined : text.split("\n")[line - 1]?.trim();
  return {
    field: `(syntax) ${where}`,
    value: source,
    expected: `valid ${format}: ${message.split("\n")[0] ?? message}`,
  };
}
