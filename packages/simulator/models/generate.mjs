#!/usr/bin/env node
/**
 * Regenerates the trimmed AWS API models next to this script from AWS's own Smithy JSON models
 * (repository aws/api-models-aws, Apache-2.0; a copy sits in ../shared/aws-models of the project).
 * Keeps only the operations the product calls (and the simulator answers), the shapes their input,
 * output and errors reach, and the traits that constrain a request. Documentation is dropped.
 *
 *   node packages/simulator/models/generate.mjs [SOURCE_DIR]
 *
 * SOURCE_DIR defaults to ../shared/aws-models from the repository root. Same source, same output.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const source = resolve(process.argv[2] ?? join(here, "../../../../shared/aws-models"));

/** Model file -> the operations kept (what the product calls, plus what the simulator answers). */
export const OPERATIONS = {
  "auto-scaling-2011-01-01.json": [
    "CancelInstanceRefresh",
    "DescribeAutoScalingGroups",
    "DescribeInstanceRefreshes",
    "EnableMetricsCollection",
    "RollbackInstanceRefresh",
    "StartInstanceRefresh",
    "UpdateAutoScalingGroup",
  ],
  "ssm-2014-11-06.json": [
    "DescribeInstanceInformation",
    "GetCommandInvocation",
    "GetInventory",
    "GetParameter",
    "GetParameters",
    "GetParametersByPath",
    "ListCommandInvocations",
    "ListCommands",
    "SendCommand",
  ],
  "cloudwatch-2010-08-01.json": ["DescribeAlarms", "GetMetricData", "GetMetricStatistics"],
  "elastic-load-balancing-v2-2015-12-01.json": ["DescribeTargetHealth"],
  "sns-2010-03-31.json": ["Publish"],
  "sfn-2016-11-23.json": [
    "DescribeExecution",
    "SendTaskFailure",
    "SendTaskSuccess",
    "StartExecution",
    "StopExecution",
  ],
  "dynamodb-2012-08-10.json": [
    "BatchWriteItem",
    "CreateTable",
    "DeleteItem",
    "DescribeTable",
    "GetItem",
    "PutItem",
    "Query",
    "UpdateItem",
  ],
};

/** Traits that say what a request may hold (or how it is named on the wire). */
const KEPT_TRAITS = new Set([
  "smithy.api#required",
  "smithy.api#range",
  "smithy.api#length",
  "smithy.api#pattern",
  "smithy.api#enum",
  "smithy.api#enumValue",
  "smithy.api#default",
  "smithy.api#idempotencyToken",
  "smithy.api#sparse",
  "smithy.api#xmlName",
  "smithy.api#jsonName",
  "smithy.api#timestampFormat",
  "smithy.api#error",
  "smithy.api#httpError",
  "smithy.api#input",
  "smithy.api#output",
  "aws.protocols#awsQueryError",
  "aws.protocols#ec2QueryName",
]);

function trimTraits(traits) {
  if (traits === undefined) return undefined;
  const kept = Object.fromEntries(Object.entries(traits).filter(([name]) => KEPT_TRAITS.has(name)));
  return Object.keys(kept).length > 0 ? kept : undefined;
}

function trimShape(shape) {
  const out = { type: shape.type };
  for (const key of ["input", "output", "errors", "member", "key", "value"]) {
    if (shape[key] !== undefined) {
      out[key] = Array.isArray(shape[key])
        ? shape[key].map((ref) => ({ target: ref.target }))
        : {
            target: shape[key].target,
            ...(trimTraits(shape[key].traits) && { traits: trimTraits(shape[key].traits) }),
          };
    }
  }
  if (shape.members !== undefined) {
    out.members = {};
    for (const [name, member] of Object.entries(shape.members)) {
      const traits = trimTraits(member.traits);
      out.members[name] = { target: member.target, ...(traits && { traits }) };
    }
  }
  const traits = trimTraits(shape.traits);
  if (traits) out.traits = traits;
  return out;
}

function trim(file, operations) {
  const model = JSON.parse(readFileSync(join(source, file), "utf8"));
  const shapes = model.shapes;
  const service = Object.entries(shapes).find(([, shape]) => shape.type === "service");
  if (service === undefined) throw new Error(`${file}: no service shape`);
  const namespace = service[0].split("#")[0];
  const kept = {};
  const visit = (id) => {
    if (id.startsWith("smithy.api#") || kept[id] !== undefined) return;
    const shape = shapes[id];
    if (shape === undefined) throw new Error(`${file}: ${id} is not in the model`);
    kept[id] = trimShape(shape);
    for (const key of ["input", "output", "member", "key", "value"]) if (shape[key]) visit(shape[key].target);
    for (const error of shape.errors ?? []) visit(error.target);
    for (const member of Object.values(shape.members ?? {})) visit(member.target);
  };
  for (const name of operations) {
    const id = `${namespace}#${name}`;
    if (shapes[id]?.type !== "operation") throw new Error(`${file}: ${name} is not an operation`);
    visit(id);
  }
  const [serviceId, serviceShape] = service;
  kept[serviceId] = {
    type: "service",
    version: serviceShape.version,
    operations: operations.map((name) => ({ target: `${namespace}#${name}` })),
    traits: Object.fromEntries(
      Object.entries(serviceShape.traits ?? {}).filter(([name]) =>
        [
          "aws.api#service",
          "aws.protocols#awsQuery",
          "aws.protocols#awsJson1_1",
          "aws.protocols#awsJson1_0",
          "aws.protocols#ec2Query",
        ].includes(name),
      ),
    ),
  };
  const sorted = Object.fromEntries(Object.entries(kept).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { smithy: model.smithy, shapes: sorted };
}

for (const [file, operations] of Object.entries(OPERATIONS)) {
  const trimmed = trim(file, operations);
  writeFileSync(join(here, file), `${JSON.stringify(trimmed, null, 2)}\n`);
  console.log(`${file}: ${operations.length} operations, ${Object.keys(trimmed.shapes).length} shapes`);
}
