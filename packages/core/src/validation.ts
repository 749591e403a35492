// Over 300 lines on purpose: one vocabulary, how every input problem is found and phrased (zod helpers and their messages).
import { z } from "zod";
import { LIMITS } from "./limits";

/** One thing wrong with an input: where, what it was, what was expected. */
export interface Problem {
  /** Dotted path with indexes, e.g. `rollout.waves[1].percent`; `(root)` for the whole value. */
  field: string;
  /** The offending value as given (undefined when the field is missing). */
  value: unknown;
  /** What would have been accepted, phrased to follow "expected": `an integer 1-99`. */
  expected: string;
}

/** Formats a path the way users write it: `rollout.waves[1].percent`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out === "" ? "(root)" : out;
}

function valueAt(input: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let current: unknown = input;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    if (!Object.hasOwn(current, key)) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** True for `{...}` values: not arrays, not null, not class instances such as Date. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

// The message of an unknown-key issue lists the known keys after this marker, so that
// problemsFromZod can split it into one problem per key, each with its own suggestion.
const KNOWN_FIELDS = "one of the known fields: ";

/** Optimal string alignment distance: edits plus adjacent transpositions ("cuont" is 1 from "count"). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    const row = d[i] ?? [];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, at(i - 2, j - 2) + 1);
      row[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** The known name closest to `name`, if it is close enough to be a likely typo. */
export function closestName(name: string, known: ReadonlyArray<string>): string | null {
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const distance =
      candidate.toLowerCase() === name.toLowerCase()
        ? 0
        : editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const tolerance = Math.max(1, Math.min(3, Math.floor(name.length / 3)));
  return bestDistance <= tolerance ? best : null;
}

function unknownKeyExpectation(key: string, message: string): string {
  if (!message.startsWith(KNOWN_FIELDS)) return message;
  const known = message.slice(KNOWN_FIELDS.length).split(", ");
  const suggestion = closestName(key, known);
  return suggestion === null ? message : `a known field (did you mean "${suggestion}"?)`;
}

/**
 * Turns every zod issue into a Problem that names the field, the value given and what was expected.
 * An unknown-key issue becomes one problem per key, suggesting the closest known field.
 */
export function problemsFromZod(
  error: z.ZodError,
  input: unknown,
  prefix: ReadonlyArray<PropertyKey> = [],
): Problem[] {
  return error.issues.flatMap((issue): Problem[] => {
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({
        field: formatPath([...prefix, ...issue.path, key]),
        value: valueAt(input, [...issue.path, key]),
        expected: unknownKeyExpectation(key, issue.message),
      }));
    }
    return [
      {
        field: formatPath([...prefix, ...issue.path]),
        value: valueAt(input, issue.path),
        expected: issue.message,
      },
    ];
  });
}

/**
 * Deepest nesting any input may have (objects and lists inside each other). A run request is four
 * levels deep and a scenario five; far deeper JSON only serves to exhaust the stack of whatever walks
 * it (JSON.stringify, a merge, a schema), so it is refused before anything walks it.
 */
export const MAX_NESTING_DEPTH = 32;

/** Stands in, in a problem, for a value too deeply nested to show. */
export const TOO_DEEP_TO_SHOW = `(nested more than ${MAX_NESTING_DEPTH} levels deep)`;

/**
 * The path to the first object or list nested more than `max` levels deep, or null when there is none.
 * Walks without recursion, so no depth of input can overflow the stack here.
 */
export function pathTooDeep(value: unknown, max: number = MAX_NESTING_DEPTH): PropertyKey[] | null {
  const pending: { value: unknown; path: PropertyKey[] }[] = [{ value, path: [] }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const current = next.value;
    if (current === null || typeof current !== "object") continue;
    if (next.path.length >= max) return next.path;
    const path = next.path;
    const children: [PropertyKey, unknown][] = Array.isArray(current)
      ? current.map((item, i) => [i, item])
      : Object.entries(current);
    for (const [key, item] of children) pending.push({ value: item, path: [...path, key] });
  }
  return null;
}

/** The problem of a value nested too deeply, or none: check before walking any input. */
export function nestingProblems(value: unknown, prefix: ReadonlyArray<PropertyKey> = []): Problem[] {
  const path = pathTooDeep(value);
  if (path === null) return [];
  return [
    {
      field: formatPath([...prefix, ...path]),
      value: TOO_DEEP_TO_SHOW,
      expected: `a value nested at most ${MAX_NESTING_DEPTH} levels deep`,
    },
  ];
}

/** Renders a value for a message: JSON, strings quoted, missing values named as such; never throws. */
export function renderValue(value: unknown): string {
  if (value === undefined) return "(missing)";
  if (value === TOO_DEEP_TO_SHOW) return value;
  let text: string;
  try {
    text = pathTooDeep(value) === null ? (JSON.stringify(value) ?? String(value)) : TOO_DEEP_TO_SHOW;
  } catch {
    // A BigInt or a cycle: not from JSON or YAML, but a message must still come out.
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Longest `reason` accepted from any source (CONTRACTS section 1): REST, Slack, console, scenario. */
export const MAX_REASON_LENGTH = LIMITS.reasonLength;

/** One line per problem: `rollout.checkpoints[0]: got 0, expected an integer 1-99`. */
export function formatProblems(problems: ReadonlyArray<Problem>): string {
  return problems.map((p) => `${p.field}: got ${renderValue(p.value)}, expected ${p.expected}`).join("\n");
}

/** `one of "a", "b", "c"`: the phrase for a closed set of values. */
export function oneOfPhrase(values: ReadonlyArray<unknown>): string {
  return `one of ${values.map((v) => JSON.stringify(v)).join(", ")}`;
}

const ARTICLES: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "true or false",
  object: "an object",
  record: "an object",
  array: "a list",
  null: "null",
  undefined: "nothing",
  bigint: "an integer",
  date: "a date",
};

/**
 * A zod error map that phrases issues the way a Problem's `expected` reads. Schemas in this package
 * carry their own messages; this is the fallback passed to `safeParse` for anything they miss.
 */
export function naturalError(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case "invalid_type":
      return ARTICLES[issue.expected] ?? `a value of type ${issue.expected}`;
    case "invalid_value":
      return oneOfPhrase(issue.values);
    case "too_small":
      return issue.origin === "array"
        ? `a list of at least ${issue.minimum} item(s)`
        : issue.origin === "string"
          ? issue.minimum === 1
            ? "a non-empty string"
            : `a string of at least ${issue.minimum} characters`
          : `a number ${issue.inclusive === false ? ">" : ">="} ${issue.minimum}`;
    case "too_big":
      return issue.origin === "array"
        ? `a list of at most ${issue.maximum} item(s)`
        : issue.origin === "string"
          ? `a string of at most ${issue.maximum} characters`
          : `a number ${issue.inclusive === false ? "<" : "<="} ${issue.maximum}`;
    case "unrecognized_keys":
      return issue.inst instanceof z.ZodObject
        ? `${KNOWN_FIELDS}${Object.keys(issue.inst.shape).join(", ")}`
        : "no unknown fields";
    case "invalid_format":
      return `a string in ${issue.format} format`;
    case "invalid_union":
      return "a value of one of the accepted shapes";
    default:
      return undefined;
  }
}

// Building blocks for schemas whose messages read naturally after "expected".

/** An object that rejects unknown keys, naming the known ones (typos get a suggestion). */
export function strictObject<T extends z.core.$ZodLooseShape>(shape: T) {
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys" ? `${KNOWN_FIELDS}${Object.keys(shape).join(", ")}` : "an object",
  });
}

/** An integer in `[min, max]`, with the message `an integer 1-99` (or `an integer >= 0`). */
export function integerIn(min: number, max: number = Number.MAX_SAFE_INTEGER) {
  const message = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer ${min}-${max}`;
  return z
    .number({ error: message })
    .int({ error: message })
    .min(min, { error: message })
    .max(max, { error: message });
}

/** A finite number in `[min, max]`, with the message `a number 0-1` (or `a number >= 0`). */
export function numberIn(min: number, max: number = Number.POSITIVE_INFINITY) {
  const message = max === Number.POSITIVE_INFINITY ? `a number >= ${min}` : `a number ${min}-${max}`;
  const schema = z.number({ error: message }).min(min, { error: message });
  return max === Number.POSITIVE_INFINITY ? schema : schema.max(max, { error: message });
}

/** One of a closed set of strings, with the message `one of "a", "b"`. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: oneOfPhrase(values) });
}

/** A string of at least one character. */
export function nonEmptyString(message = "a non-empty string") {
  return z.string({ error: message }).min(1, { error: message });
}

/** true or false. */
export function flag() {
  return z.boolean({ error: "true or false" });
}

/** A list of non-empty strings; with `maxItems`, of at most that many, each at most `maxLength` long. */
export function stringList(what = "strings", maxItems?: number, maxLength?: number) {
  const item =
    maxLength === undefined
      ? nonEmptyString()
      : nonEmptyString(`a non-empty string of at most ${maxLength} characters`).max(maxLength, {
          error: `a non-empty string of at most ${maxLength} characters`,
        });
  const list = z.array(item, { error: `a list of ${what}` });
  return maxItems === undefined
    ? list
    : list.max(maxItems, { error: `a list of at most ${maxItems} ${what}` });
}

/** An object of string values: `{ "fleet-upgrade:managed": "true" }`; tag-sized by default. */
export function stringMap(
  maxEntries: number = LIMITS.tags,
  maxKeyLength: number = LIMITS.tagKeyLength,
  maxValueLength: number = LIMITS.tagValueLength,
) {
  const entries = `an object of at most ${maxEntries} string values`;
  return z
    .record(
      z.string().max(maxKeyLength, { error: `a key of at most ${maxKeyLength} characters` }),
      z
        .string({ error: "a string" })
        .max(maxValueLength, { error: `a string of at most ${maxValueLength} characters` }),
      { error: "an object of string values" },
    )
    .refine((value) => Object.keys(value).length <= maxEntries, { error: entries });
}

/** A free-text reason: at most {@link MAX_REASON_LENGTH} characters (CONTRACTS section 1). */
export function reasonString() {
  const message = `a string of at most ${MAX_REASON_LENGTH} characters`;
  return z.string({ error: message }).max(MAX_REASON_LENGTH, { error: message });
}
