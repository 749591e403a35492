#!/usr/bin/env node
// Runs the TypeScript CLI directly (no build step): tsx compiles it on the fly.
import { register } from "tsx/esm/api";

// The SDK warns on Node 20 that its 2027 releases need Node 22; Lambda runs 22 and the CLI works on 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
register();
const { main } = await import("../src/main.ts");
process.exitCode = await main(process.argv.slice(2));
