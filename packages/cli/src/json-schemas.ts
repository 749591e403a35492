/**
 * JSON Schemas of the run request, the run result and the scenario file, generated from their zod
 * schemas (`z.toJSONSchema`, zod 4), so editors validate and complete scenario and request files.
 * `npm run schemas` rewrites docs/schemas/ and the field tables of docs/{request,result,scenario}.md;
 * test/e2e/docs.test.ts fails when the committed files are stale.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { RunRequestSchema, RunResultSchema, ScenarioSchema } from "@fleet-upgrade/core";
import { z } from "zod";

export const SCHEMA_DIR = fileURLToPath(new URL("../../../docs/schemas/", import.meta.url));

const SCHEMAS = [
  {
    file: "run-request.schema.json",
    title: "fleet-upgrade run request",
    description: "The state machine's input (docs/request.md). {} is valid: every field has a default.",
    schema: RunRequestSchema,
    // What a person writes: defaults make fields optional.
    io: "input",
  },
  {
    file: "run-result.schema.json",
    title: "fleet-upgrade run result",
    description: "What simulate --json prints and GET /runs/{runId} answers (docs/result.md).",
    schema: RunResultSchema,
    io: "output",
  },
  {
    file: "scenario.schema.json",
    title: "fleet-upgrade scenario",
    description: "A simulated account, YAML or JSON (docs/scenario.md).",
    schema: ScenarioSchema,
    io: "input",
  },
] as const;

/** Each schema file's name and its text, as committed. */
export function jsonSchemas(): { file: string; text: string }[] {
  return SCHEMAS.map(({ file, title, description, schema, io }) => {
    // Refinements across fields (a FIPS kernel, image references) cannot be said in JSON Schema:
    // they are left out ("any" for what zod cannot represent) and still checked by the CLI.
    const generated = z.toJSONSchema(schema as z.ZodType, {
      io,
      unrepresentable: "any",
      target: "draft-2020-12",
    });
    const { $schema, ...rest } = generated as Record<string, unknown>;
    return { file, text: `${JSON.stringify({ $schema, title, description, ...rest }, null, 2)}\n` };
  });
}

type Json = Record<string, unknown>;

/** `string`, `integer 1-99`, `"a" | "b"`, `list of string`, `ami-… or null`, in a few words. */
function typeOf(node: Json): string {
  if (Array.isArray(node.enum)) return node.enum.map((v) => `\`${JSON.stringify(v)}\``).join(" \\| ");
  if (Array.isArray(node.anyOf)) return (node.anyOf as Json[]).map(typeOf).join(" or ");
  const type = Array.isArray(node.type) ? node.type.join(" or ") : String(node.type ?? "any");
  if (type === "array") return `list of ${typeOf((node.items as Json) ?? {})}`;
  if (type === "object" && node.additionalProperties && typeof node.additionalProperties === "object")
    return `map of ${typeOf(node.additionalProperties as Json)}`;
  const range =
    node.minimum !== undefined && node.maximum !== undefined && Number(node.maximum) < 2 ** 53 - 1
      ? ` ${node.minimum}-${node.maximum}`
      : node.minimum !== undefined
        ? ` ≥ ${node.minimum}`
        : "";
  const pattern = typeof node.pattern === "string" && node.pattern.length < 30 ? ` \`${node.pattern}\`` : "";
  return `${type}${range}${pattern}`;
}

/** Every field of a JSON Schema as a Markdown table: path, type, required or default. */
export function fieldTable(schema: Json): string {
  const rows: string[] = [];
  const walk = (node: Json, path: string, required: boolean) => {
    if (path) {
      const given =
        node.default !== undefined
          ? `default \`${JSON.stringify(node.default)}\``
          : required
            ? "required"
            : "optional";
      rows.push(`| \`${path}\` | ${typeOf(node)} | ${given.replace(/\|/g, "\\|")} |`);
    }
    const object =
      node.type === "object"
        ? node
        : (node.items as Json | undefined)?.type === "object"
          ? (node.items as Json)
          : null;
    if (!object?.properties) return;
    const needed = new Set((object.required as string[] | undefined) ?? []);
    const prefix = object === node ? path : `${path}[]`;
    for (const [key, child] of Object.entries(object.properties as Record<string, Json>))
      walk(child, prefix ? `${prefix}.${key}` : key, needed.has(key));
  };
  walk(schema, "", true);
  // Aligned as Biome formats Markdown tables, so `npm run lint` accepts the generated file.
  const cells = [["field", "type", "given"], ...rows.map((r) => r.slice(2, -2).split(" | "))];
  const widths = [0, 1, 2].map((c) => Math.max(3, ...cells.map((r) => (r[c] ?? "").length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join(" | ")} |`;
  const [head = [], ...body] = cells;
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

const START = "<!-- fields: generated from the zod schema by `npm run schemas`; do not edit -->";
const END = "<!-- end of fields -->";

/** The reference docs with their field tables regenerated: each file's name and text. */
export function referenceDocs(docsDir = join(SCHEMA_DIR, "..")): { file: string; text: string }[] {
  const docs = [
    { file: "request.md", schema: "run-request.schema.json" },
    { file: "result.md", schema: "run-result.schema.json" },
    { file: "scenario.md", schema: "scenario.schema.json" },
  ];
  const schemas = new Map(jsonSchemas().map((s) => [s.file, JSON.parse(s.text) as Json]));
  return docs.map(({ file, schema }) => {
    const text = readFileSync(join(docsDir, file), "utf8");
    const at = text.indexOf(START);
    const end = text.indexOf(END);
    if (at < 0 || end < at) throw new Error(`docs/${file}: expected the markers ${START} ... ${END}`);
    const table = fieldTable(schemas.get(schema) ?? {});
    return { file, text: `${text.slice(0, at + START.length)}\n\n${table}\n\n${text.slice(end)}` };
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  for (const { file, text } of jsonSchemas()) {
    writeFileSync(join(SCHEMA_DIR, file), text);
    console.log(`wrote docs/schemas/${file}`);
  }
  for (const { file, text } of referenceDocs()) {
    writeFileSync(join(SCHEMA_DIR, "..", file), text);
    console.log(`wrote docs/${file}`);
  }
}
