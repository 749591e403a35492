import { defineConfig } from "vitest/config";
import base from "./vitest.config";

// `npm run mutate` (scripts/mutate.mjs) runs only the unit tests of the target it mutates: the
// target's test folder arrives in MUTATE_TESTS, so Stryker never starts the e2e or fault-matrix files.
const include = (process.env.MUTATE_TESTS ?? "packages/*/test/unit/**/*.test.ts").split(",");

export default defineConfig({ ...base, test: { ...base.test, include } });
