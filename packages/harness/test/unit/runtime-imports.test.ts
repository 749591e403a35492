import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const TEST_ONLY = ["vitest", "aws-sdk-client-mock", "aws-sdk-client-mock-vitest", "fast-check"];
const SRC = new URL("../../src/", import.meta.url);

describe("the harness on the CLI's runtime path", () => {
  it("imports no test-only library, since `simulate` and `serve` load it", () => {
    const offending: string[] = [];
    for (const file of readdirSync(SRC).filter((f) => f.endsWith(".ts"))) {
      const text = readFileSync(new URL(file, SRC), "utf8");
      for (const library of TEST_ONLY) {
        if (text.includes(`from "${library}`) || text.includes(`import("${library}`))
          offending.push(`${file}: ${library}`);
      }
    }
    expect(offending).toEqual([]);
  });

  it("declares no test-only library among its dependencies", () => {
    const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      dependencies: Record<string, string>;
    };
    expect(Object.keys(manifest.dependencies).filter((name) => TEST_ONLY.includes(name))).toEqual([]);
  });
});
