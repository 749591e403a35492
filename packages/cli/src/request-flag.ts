import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";

/**
 * A run request given as `--request FILE|JSON`: inline JSON (it starts with `{`), or a JSON or YAML
 * file. A file that cannot be read or parsed is refused through `refuse`, naming the flag and value,
 * so each command raises its own usage error (exit code 2).
 */
export function readRequestFlag(value: string, refuse: (message: string) => Error): unknown {
  const inline = value.trim().startsWith("{");
  let text = value;
  if (!inline) {
    try {
      text = readFileSync(value, "utf8");
    } catch {
      throw refuse(
        `--request: cannot read file ${JSON.stringify(value)}; expected a readable JSON or YAML file`,
      );
    }
  }
  try {
    return inline || value.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw refuse(
      `--request: ${JSON.stringify(value.slice(0, 80))} is not valid JSON or YAML: ${(error as Error).message}`,
    );
  }
}
