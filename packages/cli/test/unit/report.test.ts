import { simulate } from "@fleet-upgrade/harness";
import { loadScenario } from "@fleet-upgrade/simulator";
import { describe, expect, it } from "vitest";
import { renderHtmlReport } from "../../src/report";

describe("the HTML report of a run", () => {
  it("shows the status, every group with its outcome, and the progress lines", async () => {
    const { result } = await simulate(loadScenario(), { request: { dryRun: true } });
    const html = renderHtmlReport(result, ["T+00:00:00  validating the run request"]);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain(`Run <code>${result.runId}</code>`);
    expect(html).toContain(">PLANNED<");
    for (const group of result.groups) expect(html).toContain(`<td>${group.name}</td>`);
    expect(html).toContain("validating the run request");
  });

  it("escapes what comes from the run, so a reason cannot inject markup", async () => {
    const { result } = await simulate(loadScenario(), {
      request: { dryRun: true, reason: "<script>alert(1)</script>" },
    });
    const html = renderHtmlReport(result);
    expect(html).not.toContain("<script>alert(1)</script>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
  });
});
