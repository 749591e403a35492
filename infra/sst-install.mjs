// Builds .sst/platform (the types of $config, sst.* and aws.*) offline, so tsc can check
// sst.config.ts, stacks/ and infra/. Skipped when the platform was built by this SST version from
// this sst.config.ts already: a clean clone (CI) always builds it, a second local run does not.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

// sst's exports map hides package.json: read the file itself.
const version = JSON.parse(readFileSync("node_modules/sst/package.json", "utf8")).version;
const stamp = ".sst/platform/.fleet-upgrade-install";
const wanted = `${version} ${createHash("sha256").update(readFileSync("sst.config.ts")).digest("hex")}`;

if (existsSync(".sst/platform/config.d.ts") && existsSync(stamp) && readFileSync(stamp, "utf8") === wanted) {
  process.exit(0);
}
const started = Date.now();
const result = spawnSync("npx", ["sst", "install", "--stage", "ci"], {
  stdio: "inherit",
  env: {
    ...process.env,
    // Offline: no Pulumi or Bun download, no telemetry; providers come from the npm registry.
    SST_SKIP_DEPENDENCY_CHECK: "1",
    SST_NO_BUN: "1",
    SST_TELEMETRY_DISABLED: "1",
  },
});
if (result.status !== 0) {
  console.error(`sst install failed (exit ${result.status ?? result.signal})`);
  process.exit(result.status ?? 1);
}
writeFileSync(stamp, wanted);
console.error(`sst install: .sst/platform built in ${Math.round((Date.now() - started) / 1000)} s`);
