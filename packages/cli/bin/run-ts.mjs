#!/usr/bin/env node
// Runs a TypeScript file of the repo (the benchmark) with tsx, no build step.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { register } from "tsx/esm/api";

register();
const [file, ...rest] = process.argv.slice(2);
if (!file) {
  console.error("usage: run-ts.mjs FILE.ts [ARGS...]");
  process.exit(2);
}
process.argv = [process.argv[0], file, ...rest];
await import(pathToFileURL(resolve(file)).href);
