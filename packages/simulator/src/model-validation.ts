// Over 300 lines on purpose: one walker over the Smithy shapes (structures, lists, maps, enums,
// ranges, lengths, patterns) whose cases recurse into each other; split, each part would need the rest.
import { readFileSync } from "node:fs";

/**
 * Checks a request against AWS's own API model before the simulator answers it, the way the service's
 * front door does: the operation exists, every member is one the model names, required members are
 * present, enums, ranges, lengths and patterns hold. The models are the trimmed Smithy JSON copies in
 * `packages/simulator/models/` (from aws/api-models-aws, Apache-2.0; see models/README.md), and a
 * hand-written one for EC2 from its API reference.
 *
 * Messages follow AWS's wording for constraint violations, e.g.
 * `1 validation error detected: Value '101' at 'maxRecords' failed to satisfy constraint: Member must
 * have value less than or equal to 100`.
 */

interface ShapeRef {
  target: string;
  traits?: Record<string, unknown>;
}

interface Shape {
  type: string;
  members?: Record<string, ShapeRef>;
  member?: ShapeRef;
  key?: ShapeRef;
  value?: ShapeRef;
  input?: ShapeRef;
  traits?: Record<string, unknown>;
}

interface SmithyModel {
  shapes: Record<string, Shape>;
}

/** The model files, by the prefix of the simulator's `service:Operation` keys (and the SDK's for the rest). */
export const MODEL_FILES = {
  autoscaling: "auto-scaling-2011-01-01.json",
  ec2: "ec2-2016-11-15.hand-written.json",
  ssm: "ssm-2014-11-06.json",
  cloudwatch: "cloudwatch-2010-08-01.json",
  elasticloadbalancing: "elastic-load-balancing-v2-2015-12-01.json",
  sns: "sns-2010-03-31.json",
  states: "sfn-2016-11-23.json",
  dynamodb: "dynamodb-2012-08-10.json",
  iam: "iam-2010-05-08.hand-written.json",
} as const;
export type ModelledService = keyof typeof MODEL_FILES;

/** One request that broke its model: what AWS would refuse. */
export interface ModelViolation {
  /** `service:Operation`. */
  call: string;
  /** AWS's error code for it (ValidationError, ValidationException, InvalidAction, ...). */
  code: string;
  message: string;
}

/** AWS's error code for a constraint violation, per service and protocol. */
const VALIDATION_ERROR_CODE: Record<ModelledService, string> = {
  // Query protocol services answer ValidationError.
  autoscaling: "ValidationError",
  cloudwatch: "ValidationError",
  elasticloadbalancing: "ValidationError",
  sns: "ValidationError",
  // JSON protocol services answer ValidationException.
  ssm: "ValidationException",
  states: "ValidationException",
  dynamodb: "ValidationException",
  iam: "ValidationError",
  // EC2 names the bad parameter's problem (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html).
  ec2: "InvalidParameterValue",
};

/** AWS's error code for an operation the service does not have. */
const UNKNOWN_OPERATION_CODE: Record<ModelledService, string> = {
  autoscaling: "InvalidAction",
  cloudwatch: "InvalidAction",
  elasticloadbalancing: "InvalidAction",
  sns: "InvalidAction",
  ec2: "InvalidAction",
  iam: "InvalidAction",
  ssm: "UnknownOperationException",
  states: "UnknownOperationException",
  dynamodb: "UnknownOperationException",
};

const MODELS_DIR = new URL("../models/", import.meta.url);

export class ApiModel {
  private readonly operations = new Map<string, string>();

  constructor(
    readonly service: ModelledService,
    private readonly model: SmithyModel,
  ) {
    for (const [id, shape] of Object.entries(model.shapes)) {
      if (shape.type === "operation" && shape.input !== undefined) {
        this.operations.set(id.slice(id.indexOf("#") + 1), shape.input.target);
      }
    }
  }

  static load(service: ModelledService): ApiModel {
    const text = readFileSync(new URL(MODEL_FILES[service], MODELS_DIR), "utf8");
    return new ApiModel(service, JSON.parse(text) as SmithyModel);
  }

  hasOperation(operation: string): boolean {
    return this.operations.has(operation);
  }

  /** The violation a request commits, or null when the model accepts it. */
  check(operation: string, input: unknown): ModelViolation | null {
    const call = `${this.service}:${operation}`;
    const inputShape = this.operations.get(operation);
    if (inputShape === undefined) {
      return {
        call,
        code: UNKNOWN_OPERATION_CODE[this.service],
        message: `The action ${operation} is not valid for this web service.`,
      };
    }
    const problems: string[] = [];
    this.checkValue(inputShape, {}, input ?? {}, "", problems);
    if (problems.length === 0) return null;
    const n = problems.length;
    return {
      call,
      code: VALIDATION_ERROR_CODE[this.service],
      message: `${n} validation error${n === 1 ? "" : "s"} detected: ${problems.join("; ")}`,
    };
  }

  private shape(id: string): Shape {
    if (id.startsWith("smithy.api#")) return { type: id.slice("smithy.api#".length).toLowerCase() };
    const shape = this.model.shapes[id];
    if (shape === undefined) throw new Error(`${MODEL_FILES[this.service]} has no shape ${id}`);
    return shape;
  }

  private checkValue(
    target: string,
    memberTraits: Record<string, unknown>,
    value: unknown,
    path: string,
    problems: string[],
  ): void {
    const shape = this.shape(target);
    const traits = { ...(shape.traits ?? {}), ...memberTraits };
    const fail = (constraint: string) =>
      problems.push(`Value ${render(value)} at '${path}' failed to satisfy constraint: ${constraint}`);
    switch (shape.type) {
      case "structure":
      case "union": {
        if (!isRecord(value)) return void fail("Member must be a structure");
        const members = shape.members ?? {};
        let set = 0;
        for (const [name, member] of Object.entries(members)) {
          const memberValue = value[name];
          const memberPath = path === "" ? lowerFirst(name) : `${path}.${lowerFirst(name)}`;
          if (memberValue === undefined || memberValue === null) {
            if (member.traits?.["smithy.api#required"] !== undefined) {
              problems.push(
                `Value null at '${memberPath}' failed to satisfy constraint: Member must not be null`,
              );
            }
            continue;
          }
          set++;
          this.checkValue(member.target, member.traits ?? {}, memberValue, memberPath, problems);
        }
        for (const [name, memberValue] of Object.entries(value)) {
          if (memberValue === undefined || name in members) continue;
          const memberPath = path === "" ? lowerFirst(name) : `${path}.${lowerFirst(name)}`;
          problems.push(
            `Value ${render(memberValue)} at '${memberPath}' failed to satisfy constraint: Member must be one the API model names (${name} is unknown; the SDK would drop it unsent)`,
          );
        }
        if (shape.type === "union" && set !== 1) fail("Member must set exactly one union member");
        return;
      }
      case "list":
      case "set": {
        if (!Array.isArray(value)) return void fail("Member must be a list");
        checkLength(traits, value.length, fail);
        const member = shape.member as ShapeRef;
        value.forEach((item, i) => {
          this.checkValue(member.target, member.traits ?? {}, item, `${path}.${i + 1}.member`, problems);
        });
        return;
      }
      case "map": {
        if (!isRecord(value)) return void fail("Member must be a map");
        const entries = Object.entries(value).filter(([, v]) => v !== undefined);
        checkLength(traits, entries.length, fail);
        for (const [key, item] of entries) {
          this.checkValue((shape.key as ShapeRef).target, {}, key, `${path}.${key}`, problems);
          const member = shape.value as ShapeRef;
          this.checkValue(member.target, member.traits ?? {}, item, `${path}.${key}.member`, problems);
        }
        return;
      }
      case "string":
      case "enum": {
        if (typeof value !== "string") return void fail("Member must be a string");
        checkLength(traits, [...value].length, fail);
        const pattern = traits["smithy.api#pattern"];
        if (typeof pattern === "string" && !patternOf(pattern).test(value)) {
          fail(`Member must satisfy regular expression pattern: ${pattern}`);
        }
        const values = enumValues(shape, traits);
        if (values !== null && !values.includes(value)) {
          fail(`Member must satisfy enum value set: [${values.join(", ")}]`);
        }
        return;
      }
      case "integer":
      case "long":
      case "short":
      case "byte":
      case "intenum":
        if (typeof value !== "number" || !Number.isInteger(value))
          return void fail("Member must be an integer");
        checkRange(traits, value, fail);
        return;
      case "float":
      case "double":
      case "bigdecimal":
      case "biginteger":
        if (typeof value !== "number" || Number.isNaN(value)) return void fail("Member must be a number");
        checkRange(traits, value, fail);
        return;
      case "boolean":
        if (typeof value !== "boolean") fail("Member must be a boolean");
        return;
      case "timestamp":
        if (!(value instanceof Date) && typeof value !== "string" && typeof value !== "number") {
          fail("Member must be a timestamp");
        }
        return;
      case "blob":
        if (!(value instanceof Uint8Array) && typeof value !== "string") fail("Member must be a blob");
        return;
      default:
        // document, unit: anything goes.
        return;
    }
  }
}

function checkLength(traits: Record<string, unknown>, length: number, fail: (c: string) => void): void {
  const bounds = traits["smithy.api#length"] as { min?: number; max?: number } | undefined;
  if (bounds?.min !== undefined && length < bounds.min) {
    fail(`Member must have length greater than or equal to ${bounds.min}`);
  }
  if (bounds?.max !== undefined && length > bounds.max) {
    fail(`Member must have length less than or equal to ${bounds.max}`);
  }
}

function checkRange(traits: Record<string, unknown>, value: number, fail: (c: string) => void): void {
  const bounds = traits["smithy.api#range"] as { min?: number; max?: number } | undefined;
  if (bounds?.min !== undefined && value < bounds.min) {
    fail(`Member must have value greater than or equal to ${bounds.min}`);
  }
  if (bounds?.max !== undefined && value > bounds.max) {
    fail(`Member must have value less than or equal to ${bounds.max}`);
  }
}

function enumValues(shape: Shape, traits: Record<string, unknown>): string[] | null {
  if (shape.type === "enum") {
    return Object.entries(shape.members ?? {}).map(([name, member]) => {
      const value = member.traits?.["smithy.api#enumValue"];
      return typeof value === "string" ? value : name;
    });
  }
  const legacy = traits["smithy.api#enum"] as { value: string }[] | undefined;
  return legacy === undefined ? null : legacy.map((entry) => entry.value);
}

const patterns = new Map<string, RegExp>();

/** Smithy patterns are ECMA 262 regular expressions, not anchored unless they say so. */
function patternOf(source: string): RegExp {
  let regex = patterns.get(source);
  if (regex === undefined) {
    try {
      regex = new RegExp(source, "u");
    } catch {
      // Patterns written for UTF-16 code units (surrogate ranges) compile without the u flag.
      regex = new RegExp(source);
    }
    patterns.set(source, regex);
  }
  return regex;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** How AWS prints the offending value: quoted scalars, bracketed lists, null. */
function render(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value))
    return `'[${value.map((v) => (typeof v === "object" ? JSON.stringify(v) : String(v))).join(", ")}]'`;
  if (value instanceof Date) return `'${value.toISOString()}'`;
  if (typeof value === "object") return `'${JSON.stringify(value)}'`;
  return `'${String(value)}'`;
}

const loaded = new Map<ModelledService, ApiModel>();

/** The model of a service, loaded once. */
export function apiModel(service: ModelledService): ApiModel {
  let model = loaded.get(service);
  if (model === undefined) {
    model = ApiModel.load(service);
    loaded.set(service, model);
  }
  return model;
}
