import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as barrel from "../../src/index";
import * as errors from "../../src/subpaths/errors";
import * as health from "../../src/subpaths/health";
import * as ledger from "../../src/subpaths/ledger";
import * as limits from "../../src/subpaths/limits";
import * as plan from "../../src/subpaths/plan";
import * as ports from "../../src/subpaths/ports";
import * as readiness from "../../src/subpaths/readiness";
import * as request from "../../src/subpaths/request";
import * as result from "../../src/subpaths/result";
import * as scenario from "../../src/subpaths/scenario";
import * as validation from "../../src/subpaths/validation";

const SUBPATHS: Record<string, Record<string, unknown>> = {
  errors,
  health,
  ledger,
  limits,
  plan,
  ports,
  readiness,
  request,
  result,
  scenario,
  validation,
};

describe("core's subpath exports", () => {
  it("give every name of the barrel in exactly one subpath, and nothing the barrel lacks", () => {
    const owners = new Map<string, string[]>();
    for (const [area, names] of Object.entries(SUBPATHS)) {
      for (const name of Object.keys(names)) owners.set(name, [...(owners.get(name) ?? []), area]);
    }
    const missing = Object.keys(barrel).filter((name) => !owners.has(name));
    const twice = [...owners].filter(([, areas]) => areas.length > 1).map(([name]) => name);
    expect(missing).toEqual([]);
    expect(twice).toEqual([]);
    expect([...owners.keys()].sort()).toEqual(Object.keys(barrel).sort());
  });

  it("are the package's exports, each pointing at its index file", () => {
    const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      exports: Record<string, string>;
    };
    const expected = Object.fromEntries(
      Object.keys(SUBPATHS).map((area) => [`./${area}`, `./src/subpaths/${area}.ts`]),
    );
    expect(manifest.exports).toEqual({ ".": "./src/index.ts", ...expected });
  });
});
