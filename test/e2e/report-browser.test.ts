/**
 * The HTML report as a browser shows it: Debian's chromium, driven by playwright-core (Playwright's
 * own browser download cannot be reached from here, so .ci/run installs the Debian package).
 * Without a browser the test says so and skips; in CI (CI=true) it fails instead.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { RunResult } from "@fleet-upgrade/core";
import { chromium } from "playwright-core";
import { describe, expect, it } from "vitest";
import { runCli } from "./support";

const ROOT = join(import.meta.dirname, "../..");
const SCREENSHOT_DIR = join(ROOT, "test-results");

function findChromium(): string | null {
  const given = process.env.CHROMIUM_PATH;
  if (given) return existsSync(given) ? given : null;
  for (const name of ["chromium", "chromium-browser", "google-chrome"]) {
    try {
      const path = execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim();
      if (path) return path;
    } catch {
      // not on PATH
    }
  }
  return null;
}

const browserPath = findChromium();
const inCi = process.env.CI === "true";
if (!browserPath && !inCi)
  console.warn(
    "report-browser.test.ts: no chromium found (apt-get install -y chromium, or set CHROMIUM_PATH): skipped",
  );

describe.skipIf(!browserPath && !inCi)("the HTML report in a headless browser", () => {
  it("shows the canary-alarm rehearsal's timeline: one bar per group that ran, the regression marked", async () => {
    if (!browserPath) throw new Error("CI=true but no chromium: .ci/run installs it with apt-get");
    const report = join(mkdtempSync(join(tmpdir(), "fleet-upgrade-")), "canary-alarm.html");
    const run = await runCli(["simulate", join(ROOT, "examples/canary-alarm.yaml"), "--report", report]);
    expect(run.code).toBe(1);
    const json = await runCli(["simulate", join(ROOT, "examples/canary-alarm.yaml"), "--json"]);
    const result = JSON.parse(json.stdout) as RunResult;
    const ran = result.groups.filter((g) => g.instanceRefreshIds.length > 0).map((g) => g.name);
    expect(ran.length).toBeGreaterThan(0);
    expect(readFileSync(report, "utf8")).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);

    const browser = await chromium.launch({ executablePath: browserPath, args: ["--no-sandbox"] });
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const outside: string[] = [];
      page.on("request", (request) => {
        if (!request.url().startsWith("file:")) outside.push(request.url());
      });
      await page.goto(pathToFileURL(report).href);
      const timeline = page.locator("#timeline svg");
      await expect.poll(() => timeline.count()).toBe(1);
      expect(await timeline.boundingBox()).toMatchObject({ width: expect.any(Number) });
      expect((await timeline.boundingBox())?.width ?? 0).toBeGreaterThan(300);
      expect(await page.locator("#timeline g.group-bars > path").count()).toBe(ran.length);
      // Every group of the result has its row, run or not.
      const labels = await page.locator("#timeline").textContent();
      for (const g of result.groups) expect(labels).toContain(g.name);
      expect(
        await page
          .locator("#timeline g.regression-rules > line, #timeline g.regression-rules > path")
          .count(),
      ).toBe(1);
      expect(await page.locator("#timeline g.regression-labels").textContent()).toContain(
        "web-canary regressed at 25%",
      );
      expect(await page.locator("p.regression").textContent()).toContain("web-5xx");
      expect(await page.locator("#timeline g.checkpoint-marks > path").count()).toBeGreaterThan(0);
      expect(await page.locator("#fleet g.fleet-lines").count()).toBe(2);
      expect(outside).toEqual([]);
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOT_DIR, "report-canary-alarm.png"), fullPage: true });
    } finally {
      await browser.close();
    }
  }, 120_000);
});
