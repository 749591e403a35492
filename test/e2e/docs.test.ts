import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { jsonSchemas, referenceDocs, SCHEMA_DIR } from "@fleet-upgrade/cli";
import { describe, expect, it } from "vitest";
import { runCli } from "./support";

const ROOT = join(import.meta.dirname, "../..");
const README = readFileSync(join(ROOT, "README.md"), "utf8");

/** A shell command line as words: quotes respected, stops at an unquoted pipe or comment. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line.charAt(i);
    if (quote) {
      if (c === quote) quote = null;
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= "";
    } else if (c === " " || c === "\t") {
      if (word !== null) words.push(word);
      word = null;
    } else if ((c === "|" || c === "#") && word === null) {
      break;
    } else {
      word = (word ?? "") + c;
    }
  }
  if (quote) throw new Error(`unbalanced quote in: ${line}`);
  if (word !== null) words.push(word);
  return words;
}

/** The README's fenced code blocks. */
const blocks = [...README.matchAll(/^```[a-z]*\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? "");
const PREFIX = "npx fleet-upgrade simulate";
const examples = blocks.flatMap((block) =>
  block
    .split("\n")
    .filter((line) => line.startsWith(PREFIX))
    // my-fleet.yaml is what `plan --scenario` writes from a real account: plan-scenario.test.ts covers it.
    .filter((line) => !line.includes("my-fleet.yaml"))
    .map((line) => ({ line, args: shellWords(line).slice(2) })),
);
/** Blocks that show a session: `$ npx fleet-upgrade simulate ...` then what it prints. */
const sessions = blocks
  .filter((block) => block.startsWith(`$ ${PREFIX}`))
  .map((block) => {
    const [command = "", ...output] = block.trimEnd().split("\n");
    return { line: command, args: shellWords(command.slice(2)).slice(2), output };
  });

describe("the README", () => {
  it("has simulate examples to run", () => {
    expect(examples.length).toBeGreaterThanOrEqual(3);
    expect(sessions.length).toBeGreaterThanOrEqual(1);
  });

  it.each(examples)("runs `$line` on the bundled scenario, exit 0", async ({ args }) => {
    const run = await runCli(args);
    expect(run.stderr.split("\n").filter((l) => l.startsWith("fleet-upgrade:"))).toEqual([]);
    expect(run.code).toBe(0);
    if (args.includes("--json")) expect(() => JSON.parse(run.stdout)).not.toThrow();
  });

  it.each(sessions)("prints what it shows for `$line`", async ({ args, output }) => {
    const run = await runCli(args);
    expect(run.code).not.toBe(0);
    for (const line of output) expect(`${run.stdout}\n${run.stderr}`).toContain(line);
  });

  it("refers to no CONTRACTS.md, which the repository does not have", () => {
    expect(README).not.toMatch(/CONTRACTS/);
    for (const file of readdirSync(join(ROOT, "examples")))
      expect(readFileSync(join(ROOT, "examples", file), "utf8")).not.toMatch(/CONTRACTS/);
    for (const file of ["openapi.yaml", "request.md", "result.md", "scenario.md"])
      expect(readFileSync(join(ROOT, "docs", file), "utf8")).not.toMatch(/CONTRACTS/);
  });
});

describe("the reference docs", () => {
  it("commit JSON Schemas and field tables that match the zod schemas (npm run schemas)", () => {
    for (const { file, text } of jsonSchemas())
      expect(
        readFileSync(join(SCHEMA_DIR, file), "utf8"),
        `docs/schemas/${file} is stale: npm run schemas`,
      ).toBe(text);
    for (const { file, text } of referenceDocs())
      expect(readFileSync(join(ROOT, "docs", file), "utf8"), `docs/${file} is stale: npm run schemas`).toBe(
        text,
      );
  });

  it("start every example scenario with the schema line editors read", () => {
    for (const file of readdirSync(join(ROOT, "examples")).filter((f) => f.endsWith(".yaml")))
      expect(readFileSync(join(ROOT, "examples", file), "utf8").split("\n")[0]).toBe(
        "# yaml-language-server: $schema=../docs/schemas/scenario.schema.json",
      );
  });

  it("splits command lines as a shell does", () => {
    expect(shellWords(`npx a --request '{"x": 1}' b.yaml --json | jq '.x' # note`)).toEqual([
      "npx",
      "a",
      "--request",
      '{"x": 1}',
      "b.yaml",
      "--json",
    ]);
  });
});
