import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VerifyReportSchema } from "@fleet-upgrade/core";
import { describe, expect, it } from "vitest";
import { loadDocumentContent } from "../../src/documents";

/** The shell script of the document's single aws:runShellScript step (the `- |` block, dedented). */
function scriptOf(content: string): string {
  const lines = content.split("\n");
  const start = lines.findIndex((line) => /^\s+- \|\s*$/.test(line));
  const body = lines.slice(start + 1);
  const indent = (body[0]?.match(/^\s*/) ?? [""])[0].length;
  return body
    .filter((line, i) => line.trim() === "" || line.length - line.trimStart().length >= indent || i === 0)
    .map((line) => line.slice(indent))
    .join("\n");
}

function runVerify(recordLevel: string, stigRecordPath: string): string {
  const script = scriptOf(loadDocumentContent("verify")).replace("{{ RecordStigLevel }}", recordLevel);
  return execFileSync("bash", ["-c", script], {
    env: { ...process.env, FLEET_UPGRADE_STIG_RECORD: stigRecordPath },
    encoding: "utf8",
  });
}

describe("loadDocumentContent", () => {
  it.each(["enable-fips", "verify"] as const)(
    "loads the %s document: schema 2.2, one aws:runShellScript step",
    (name) => {
      const content = loadDocumentContent(name);

      expect(content).toMatch(/^schemaVersion: "2\.2"$/m);
      expect(content.match(/- action: aws:runShellScript/g)).toHaveLength(1);
      expect(content).not.toMatch(/\t/);
    },
  );

  it("gives shell scripts that bash can parse", () => {
    for (const name of ["enable-fips", "verify"] as const) {
      expect(() => execFileSync("bash", ["-n", "-c", scriptOf(loadDocumentContent(name))])).not.toThrow();
    }
  });
});

describe("enable-fips document", () => {
  const script = scriptOf(loadDocumentContent("enable-fips"));

  it("installs crypto-policies, enables FIPS mode, prefers the certified OpenSSL provider, and asks for a reboot with exit 194", () => {
    expect(script).toContain("dnf -y install crypto-policies crypto-policies-scripts");
    expect(script).toContain("fips-mode-setup --enable");
    expect(script).toContain("dnf -y swap openssl-fips-provider-latest openssl-fips-provider-certified");
    expect(script).toMatch(/exit 194\s*$/);
  });

  it("exits 0 before changing anything when fips-mode-setup --check already says enabled", () => {
    const check = script.indexOf("if command -v fips-mode-setup >/dev/null 2>&1 && fips_is_enabled; then");
    expect(check).toBeGreaterThan(-1);
    expect(check).toBeLessThan(script.indexOf("fips-mode-setup --enable"));
    expect(script).toContain("FIPS mode is enabled.");
  });
});

describe("verify document", () => {
  it("prints one JSON line with fips_enabled, the running kernel and a null STIG level when none was recorded", () => {
    const dir = mkdtempSync(join(tmpdir(), "verify-"));

    const stdout = runVerify("None", join(dir, "stig-level"));

    expect(stdout.trimEnd().split("\n")).toHaveLength(1);
    const report = VerifyReportSchema.parse(JSON.parse(stdout));
    expect(report.kernel).toBe(execFileSync("uname", ["-r"], { encoding: "utf8" }).trim());
    expect(report.fips_enabled).toBe(readFipsFlag());
    expect(report.stig).toBeNull();
  });

  it("records the STIG level it is given and reports it on later runs without the parameter", () => {
    const record = join(mkdtempSync(join(tmpdir(), "verify-")), "fleet-upgrade", "stig-level");

    const first = VerifyReportSchema.parse(JSON.parse(runVerify("Medium", record)));
    const later = VerifyReportSchema.parse(JSON.parse(runVerify("None", record)));

    expect(first.stig).toBe("Medium");
    expect(later.stig).toBe("Medium");
    expect(readFileSync(record, "utf8")).toBe("Medium\n");
  });

  it("keeps its output valid JSON whatever the record file holds", () => {
    const record = join(mkdtempSync(join(tmpdir(), "verify-")), "stig-level");
    writeFileSync(record, 'High"}, "x": "\n');

    expect(VerifyReportSchema.parse(JSON.parse(runVerify("None", record))).stig).toBe("Highx");
  });
});

function readFipsFlag(): boolean {
  try {
    return readFileSync("/proc/sys/crypto/fips_enabled", "utf8").trim() === "1";
  } catch {
    return false;
  }
}
