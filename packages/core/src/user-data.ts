import { Buffer } from "node:buffer";
import { gunzipSync } from "node:zlib";

/**
 * What an AL2 launch template's user data does that AL2023 cannot (readiness code `USER_DATA_AL2`,
 * CONTRACTS.md section 2). The rules live in one table, each with the AWS page it rests on:
 *
 * - [AL2-PREP] https://docs.aws.amazon.com/linux/al2/ug/prepare-for-al2023.html
 *   "AL2023 doesn't include amazon-linux-extras"; Python 2.7 scripts need Python 3.
 * - [AL2023-PY] https://docs.aws.amazon.com/linux/al2023/ug/python.html
 *   "AL2023 removed Python 2.7"; Python 3 is `/usr/bin/python3`.
 * - [AL2023-EPEL] https://docs.aws.amazon.com/linux/al2023/ug/epel.html and
 *   https://docs.aws.amazon.com/linux/al2023/ug/configure-spal-repository.html
 *   EPEL is not compatible with AL2023; many of its packages are in AL2023 itself or in the
 *   Supplementary Packages for Amazon Linux (SPAL) repository.
 * - [AL2-EXTRAS] https://docs.aws.amazon.com/linux/al2/ug/al2-extras.html
 *   the `epel` extra enables EPEL7, unmaintained since 2024-06-30.
 * - [AL2023-REMOVED] https://docs.aws.amazon.com/linux/al2023/release-notes/removed.html
 *   "Packages in Amazon Linux 2 not in Amazon Linux 2023" (ntp, yum-utils' yum-config-manager, ...);
 *   AL2023's package manager is dnf, its time service chronyd.
 */

export interface UserDataRule {
  /** Short name, stable: tests and findings use it. */
  id: string;
  /** Matches one line of a shell script (comments are skipped before matching). */
  pattern: RegExp;
  /** What AL2023 lacks, to follow "uses ...". */
  what: string;
  /** The AL2023 replacement, to follow "use ...". */
  replacement: string;
  /** The AWS pages the rule rests on (see the module comment). */
  sources: string[];
}

const PREP = "https://docs.aws.amazon.com/linux/al2/ug/prepare-for-al2023.html";
const PY = "https://docs.aws.amazon.com/linux/al2023/ug/python.html";
const EPEL = "https://docs.aws.amazon.com/linux/al2023/ug/epel.html";
const SPAL = "https://docs.aws.amazon.com/linux/al2023/ug/configure-spal-repository.html";
const EXTRAS = "https://docs.aws.amazon.com/linux/al2/ug/al2-extras.html";
const REMOVED = "https://docs.aws.amazon.com/linux/al2023/release-notes/removed.html";

/** The rules, in the order findings list them. */
export const USER_DATA_RULES: ReadonlyArray<UserDataRule> = [
  {
    id: "amazon-linux-extras",
    pattern: /\bamazon-linux-extras\b/,
    what: "amazon-linux-extras (not in AL2023)",
    replacement:
      "`dnf install <package>`: AL2023 ships the extras topics as namespaced packages (e.g. `dnf install nginx`, `dnf install php8.2`)",
    sources: [PREP, EXTRAS],
  },
  {
    id: "epel",
    pattern: /\b(epel-release|epel7?\b)|fedoraproject\.org\/pub\/epel/,
    what: "EPEL (EPEL7 is unmaintained and not compatible with AL2023)",
    replacement:
      "the package from AL2023 itself (`dnf install <package>`) or from the Supplementary Packages for Amazon Linux repository (SPAL): `dnf install spal-release && dnf install <package>`",
    sources: [EPEL, SPAL, EXTRAS],
  },
  {
    id: "yum-config-manager",
    pattern: /\byum-config-manager\b/,
    what: "yum-config-manager (yum-utils, not in AL2023)",
    replacement: "`dnf config-manager` (e.g. `dnf config-manager --set-enabled <repo>`)",
    sources: [REMOVED],
  },
  {
    id: "python2",
    pattern:
      /(^#!\s*\/usr\/bin\/(env\s+)?python(2(\.7)?)?\s*$)|\bpython2(\.7)?\b|\bpip2(\.7)?\b|(^|[;&|]\s*|\bsudo\s+)python(\s|$)/,
    what: "Python 2 (AL2023 has no Python 2.7)",
    replacement: "`python3` (`/usr/bin/python3`, Python 3.9) and `pip3`; port the script to Python 3",
    sources: [PY, PREP],
  },
  {
    id: "ntp",
    pattern: /\bntpd\b|\bntpdate\b|\bntp\.conf\b|\b(yum|dnf)\s+(-y\s+)?install\b.*\bntp\b/,
    what: "ntp/ntpd/ntpdate (not in AL2023)",
    replacement:
      "`chronyd` (package `chrony`, on by default in AL2023; settings in `/etc/chrony.conf`, one-off sync `chronyc makestep`)",
    sources: [REMOVED],
  },
  {
    id: "yum",
    pattern:
      /(^|[;&|]\s*|\bsudo\s+)yum\s+(-\S+\s+)*(install|update|upgrade|remove|erase|groupinstall|localinstall)\b/,
    what: "yum (AL2023's package manager is dnf)",
    replacement: "`dnf` (same verbs: `dnf install -y <package>`); check each package name exists in AL2023",
    sources: [REMOVED, PREP],
  },
];

/** One user data line a rule matched. */
export interface UserDataHit {
  /** The ids of every rule the line matches, in table order. */
  rules: string[];
  /** 1-based line number within the script it came from (MIME part: within that part). */
  line: number;
  text: string;
  /** The MIME part's index (0-based) for multipart user data; null for a plain script. */
  part: number | null;
}

/** Decodes a launch template's `UserData` (base64, maybe gzip) to text; null when absent or not text. */
export function decodeUserData(base64: string | null | undefined): string | null {
  if (base64 === null || base64 === undefined || base64.trim() === "") return null;
  let bytes: Buffer = Buffer.from(base64.trim(), "base64");
  // cloud-init accepts gzip-compressed user data (magic 1f 8b).
  if (bytes.length > 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch {
      return null;
    }
  }
  const text = bytes.toString("utf8");
  return text.includes("\u0000") ? null : text;
}

/** The parts of MIME multipart user data (cloud-init), each a text body; the whole text otherwise. */
export function userDataParts(text: string): Array<{ part: number | null; body: string }> {
  const boundary = /^content-type:\s*multipart\/[a-z]+;[^\n]*?\bboundary="?([^"\s;]+)"?/im.exec(text)?.[1];
  if (boundary === undefined) return [{ part: null, body: text }];
  const parts: Array<{ part: number | null; body: string }> = [];
  const chunks = text.split(`--${boundary}`).slice(1);
  chunks.forEach((chunk, index) => {
    if (chunk.startsWith("--")) return; // the closing boundary
    const normalized = chunk.replace(/\r\n/g, "\n").replace(/^\n/, "");
    const split = normalized.indexOf("\n\n");
    const headers = split < 0 ? normalized : normalized.slice(0, split);
    let body = split < 0 ? "" : normalized.slice(split + 2);
    if (/content-transfer-encoding:\s*base64/i.test(headers)) {
      body = Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
    }
    parts.push({ part: index, body });
  });
  return parts;
}

/**
 * The AL2-only lines of user data as a template stores it (base64), each with every rule of
 * {@link USER_DATA_RULES} it matches. Comment lines (`#`, except a shebang) are skipped.
 *
 * @example
 * scanUserData(Buffer.from("#!/bin/bash\namazon-linux-extras install nginx1\n").toString("base64"))
 * // [{ rules: ["amazon-linux-extras"], line: 2, text: "amazon-linux-extras install nginx1", part: null }]
 */
export function scanUserData(base64: string | null | undefined): UserDataHit[] {
  const text = decodeUserData(base64);
  if (text === null) return [];
  const hits: UserDataHit[] = [];
  for (const { part, body } of userDataParts(text)) {
    body.split(/\r?\n/).forEach((raw, index) => {
      const line = raw.trim();
      if (line === "") return;
      if (line.startsWith("#") && !(index === 0 && line.startsWith("#!"))) return;
      const rules = USER_DATA_RULES.filter((r) => r.pattern.test(line)).map((r) => r.id);
      if (rules.length > 0) hits.push({ rules, line: index + 1, text: line, part });
    });
  }
  return hits;
}

/** The rule of a hit. */
export function userDataRule(id: string): UserDataRule | undefined {
  return USER_DATA_RULES.find((r) => r.id === id);
}
