import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
    setupFiles: ["packages/workflow/src/polyfill.ts"],
    // Hang guards, not performance checks: a loaded 2-core machine runs the fault matrix and the e2e files slowly.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: "forks",
    // The SDK warns on Node 20 that later releases will need Node 22 (Lambda runs 22); tests need not say so.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
