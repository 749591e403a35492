import { VerifyReportSchema } from "./fleet";

/** Signals about a group's new instances, gathered from CloudWatch, ELB, Auto Scaling and SSM. */
export interface HealthSignals {
  /** Alarm name -> state (OK, ALARM, INSUFFICIENT_DATA). */
  alarms: Record<string, string>;
  /** New instance -> target health state, over every target group of the group. */
  targets: Record<string, string>;
  /** New in-service instance -> Auto Scaling health (true: Healthy). */
  instanceHealth: Record<string, boolean>;
  /** New in-service instance -> SSM ping status; absent: SSM does not know it. */
  ping: Record<string, string>;
  /** Alarms the run watches that CloudWatch does not know: a watch that cannot fire is no watch. */
  missingAlarms?: string[];
}

export interface HealthChecks {
  targetGroups: boolean;
  ssmOnline: boolean;
}

/** A verdict names the check, the resource and the value, or is healthy. */
export interface HealthVerdict {
  healthy: boolean;
  verdict: string | null;
}

const UNHEALTHY_TARGET = new Set(["unhealthy", "unavailable"]);

/**
 * Judges a group from its signals; the first failing check, in a fixed order (missing alarms,
 * alarms, targets, instance health, SSM), becomes the verdict. It fails closed: an alarm that does
 * not exist is a failing check, never a quiet one.
 *
 * @example
 * judgeHealth({ alarms: { "web-5xx": "ALARM" }, targets: {}, instanceHealth: {}, ping: {} }, checks)
 * // { healthy: false, verdict: "alarm web-5xx is ALARM" }
 */
export function judgeHealth(signals: HealthSignals, checks: HealthChecks): HealthVerdict {
  const missing = [...(signals.missingAlarms ?? [])].sort();
  if (missing.length > 0) {
    return {
      healthy: false,
      verdict: `alarm ${missing.join(", ")} does not exist in CloudWatch, so it cannot report a regression: create it or remove it from the request and the group's fleet-upgrade:alarms tag`,
    };
  }
  for (const [name, state] of Object.entries(signals.alarms).sort()) {
    if (state === "ALARM") return { healthy: false, verdict: `alarm ${name} is ALARM` };
  }
  if (checks.targetGroups) {
    for (const [id, state] of Object.entries(signals.targets).sort()) {
      if (UNHEALTHY_TARGET.has(state))
        return { healthy: false, verdict: `target ${id} is ${state} in its target group` };
    }
  }
  for (const [id, healthy] of Object.entries(signals.instanceHealth).sort()) {
    if (!healthy) return { healthy: false, verdict: `instance ${id} is Unhealthy in Auto Scaling` };
  }
  if (checks.ssmOnline) {
    for (const [id, status] of Object.entries(signals.ping).sort()) {
      if (status !== "Online") return { healthy: false, verdict: `instance ${id} is ${status} in SSM` };
    }
  }
  return { healthy: true, verdict: null };
}

/** What the verify document's report must show. */
export interface ComplianceExpectation {
  fips: boolean;
  stig: boolean;
  /** Kernel track asked for ("6.1"); "default" accepts any kernel. */
  kernelTrack: string;
}

/**
 * Judges the verify document's output (its last line is the JSON report): FIPS as asked, the STIG
 * marker when asked, the kernel on the requested track. Returns the first problem, or null.
 */
export function judgeCompliance(
  expected: ComplianceExpectation,
  stdout: string,
): { problem: string | null; kernel: string | null } {
  const line = stdout.trim().split("\n").at(-1) ?? "";
  const parsed = VerifyReportSchema.safeParse(safeJson(line));
  if (!parsed.success)
    return {
      problem: `the verify document printed no report: ${JSON.stringify(line.slice(0, 120))}`,
      kernel: null,
    };
  const report = parsed.data;
  if (expected.fips && !report.fips_enabled)
    return { problem: "FIPS mode is not enabled", kernel: report.kernel };
  if (expected.stig && report.stig === null)
    return { problem: "the STIG marker is missing", kernel: report.kernel };
  if (expected.kernelTrack !== "default" && !report.kernel.startsWith(`${expected.kernelTrack}.`)) {
    return {
      problem: `kernel ${report.kernel} is not on track ${expected.kernelTrack}`,
      kernel: report.kernel,
    };
  }
  return { problem: null, kernel: report.kernel };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
