import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { decodeUserData, scanUserData, USER_DATA_RULES, userDataParts } from "../../src/user-data";

const b64 = (text: string): string => Buffer.from(text).toString("base64");
const rulesOf = (script: string): string[] => scanUserData(b64(script)).flatMap((h) => h.rules);

describe("scanUserData: the AL2-only lines of a template's user data", () => {
  it("finds each AL2-only construct with its line number", () => {
    const script = [
      "#!/bin/bash", // 1
      "set -euo pipefail", // 2
      "amazon-linux-extras install -y nginx1", // 3
      "yum-config-manager --enable epel", // 4
      "yum install -y epel-release", // 5
      "python2 /opt/app/setup.py", // 6
      "systemctl enable ntpd", // 7
      "ntpdate -u pool.ntp.org", // 8
      "sudo yum install -y httpd", // 9
      "dnf install -y chrony", // 10: fine on AL2023
      "python3 /opt/app/run.py", // 11: fine
    ].join("\n");
    expect(scanUserData(b64(script)).map((h) => [h.line, h.rules])).toEqual([
      [3, ["amazon-linux-extras"]],
      [4, ["epel", "yum-config-manager"]],
      [5, ["epel", "yum"]],
      [6, ["python2"]],
      [7, ["ntp"]],
      [8, ["ntp"]],
      [9, ["yum"]],
    ]);
  });

  it("a python shebang without 3 is Python 2; python3 is not", () => {
    expect(rulesOf("#!/usr/bin/python\nprint 'hi'\n")).toEqual(["python2"]);
    expect(rulesOf("#!/usr/bin/env python\nprint('hi')\n")).toEqual(["python2"]);
    expect(rulesOf("#!/usr/bin/python3\nprint('hi')\n")).toEqual([]);
    expect(rulesOf("#!/bin/bash\npip2.7 install boto\n")).toEqual(["python2"]);
  });

  it("skips comments and leaves AL2023-clean scripts alone", () => {
    expect(rulesOf("#!/bin/bash\n# we used amazon-linux-extras here once\ndnf install -y nginx\n")).toEqual(
      [],
    );
    expect(rulesOf("#!/bin/bash\nsystemctl enable --now chronyd\n")).toEqual([]);
  });

  it("reads gzip-compressed user data", () => {
    const gz = gzipSync(Buffer.from("#!/bin/bash\namazon-linux-extras enable php8.0\n")).toString("base64");
    expect(scanUserData(gz)).toEqual([
      { rules: ["amazon-linux-extras"], line: 2, text: "amazon-linux-extras enable php8.0", part: null },
    ]);
  });

  it("reads MIME multipart (cloud-init) user data, part by part, base64 parts included", () => {
    const inner = Buffer.from("#!/bin/bash\nyum-config-manager --enable foo\n").toString("base64");
    const mime = [
      'Content-Type: multipart/mixed; boundary="==BOUNDARY=="',
      "MIME-Version: 1.0",
      "",
      "--==BOUNDARY==",
      'Content-Type: text/cloud-config; charset="us-ascii"',
      "",
      "packages: [nginx]",
      "",
      "--==BOUNDARY==",
      'Content-Type: text/x-shellscript; charset="us-ascii"',
      "",
      "#!/bin/bash",
      "amazon-linux-extras install docker",
      "",
      "--==BOUNDARY==",
      "Content-Type: text/x-shellscript",
      "Content-Transfer-Encoding: base64",
      "",
      inner,
      "--==BOUNDARY==--",
    ].join("\n");
    expect(userDataParts(mime)).toHaveLength(3);
    expect(scanUserData(b64(mime)).map((h) => [h.part, h.line, h.rules])).toEqual([
      [1, 2, ["amazon-linux-extras"]],
      [2, 2, ["yum-config-manager"]],
    ]);
  });

  it("absent, empty or binary user data has nothing to report", () => {
    expect(scanUserData(null)).toEqual([]);
    expect(scanUserData("")).toEqual([]);
    expect(decodeUserData(Buffer.from([0, 1, 2, 0]).toString("base64"))).toBeNull();
  });

  it("every rule cites an AWS documentation page and names its replacement", () => {
    for (const rule of USER_DATA_RULES) {
      expect(rule.sources.length).toBeGreaterThan(0);
      for (const source of rule.sources) expect(source).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
      expect(rule.replacement).not.toBe("");
    }
  });
});
