import { describe, expect, it } from "vitest";
import {
  type ComplianceExpectation,
  type HealthSignals,
  judgeCompliance,
  judgeHealth,
} from "../../src/health";

const ALL_CHECKS = { targetGroups: true, ssmOnline: true };

const healthy = (): HealthSignals => ({
  alarms: { "web-5xx": "OK", "web-latency": "INSUFFICIENT_DATA" },
  targets: { "i-1": "healthy", "i-2": "healthy" },
  instanceHealth: { "i-1": true, "i-2": true },
  ping: { "i-1": "Online", "i-2": "Online" },
});

describe("judgeHealth", () => {
  it("finds a group healthy when every signal is good", () => {
    expect(judgeHealth(healthy(), ALL_CHECKS)).toEqual({ healthy: true, verdict: null });
  });

  it("finds a group healthy with no signals at all", () => {
    expect(judgeHealth({ alarms: {}, targets: {}, instanceHealth: {}, ping: {} }, ALL_CHECKS)).toEqual({
      healthy: true,
      verdict: null,
    });
  });

  it("names the alarm in ALARM", () => {
    const signals = { ...healthy(), alarms: { "web-5xx": "ALARM" } };
    expect(judgeHealth(signals, ALL_CHECKS)).toEqual({ healthy: false, verdict: "alarm web-5xx is ALARM" });
  });

  it("fails closed on a watched alarm that does not exist, naming it", () => {
    const signals = { ...healthy(), alarms: { "web-5xx": "OK" }, missingAlarms: ["web-latency"] };
    const verdict = judgeHealth(signals, ALL_CHECKS);
    expect(verdict.healthy).toBe(false);
    expect(verdict.verdict).toMatch(/^alarm web-latency does not exist in CloudWatch/);
  });

  it("does not count an alarm without data as a regression", () => {
    const signals = { ...healthy(), alarms: { "web-5xx": "INSUFFICIENT_DATA" } };
    expect(judgeHealth(signals, ALL_CHECKS).healthy).toBe(true);
  });

  it("names the first alarm in ALARM by name, whatever order they were read in", () => {
    const signals = { ...healthy(), alarms: { "web-z": "ALARM", "web-a": "ALARM", "web-m": "OK" } };
    expect(judgeHealth(signals, ALL_CHECKS).verdict).toBe("alarm web-a is ALARM");
  });

  it.each(["unhealthy", "unavailable"])("names the target that is %s in its target group", (state) => {
    const signals = { ...healthy(), targets: { "i-1": "healthy", "i-2": state } };
    expect(judgeHealth(signals, ALL_CHECKS)).toEqual({
      healthy: false,
      verdict: `target i-2 is ${state} in its target group`,
    });
  });

  it.each(["initial", "draining", "unused"])(
    "does not count a target that is %s as a regression",
    (state) => {
      const signals = { ...healthy(), targets: { "i-1": state } };
      expect(judgeHealth(signals, ALL_CHECKS).healthy).toBe(true);
    },
  );

  it("names the instance Auto Scaling finds Unhealthy", () => {
    const signals = { ...healthy(), instanceHealth: { "i-1": true, "i-2": false } };
    expect(judgeHealth(signals, ALL_CHECKS)).toEqual({
      healthy: false,
      verdict: "instance i-2 is Unhealthy in Auto Scaling",
    });
  });

  it.each(["ConnectionLost", "Inactive"])("names the instance whose SSM ping is %s", (status) => {
    const signals = { ...healthy(), ping: { "i-1": "Online", "i-2": status } };
    expect(judgeHealth(signals, ALL_CHECKS)).toEqual({
      healthy: false,
      verdict: `instance i-2 is ${status} in SSM`,
    });
  });

  it("judges alarms before targets, targets before instance health, instance health before SSM", () => {
    const allBad: HealthSignals = {
      alarms: { "web-5xx": "ALARM" },
      targets: { "i-1": "unhealthy" },
      instanceHealth: { "i-1": false },
      ping: { "i-1": "ConnectionLost" },
    };
    expect(judgeHealth(allBad, ALL_CHECKS).verdict).toBe("alarm web-5xx is ALARM");
    expect(judgeHealth({ ...allBad, alarms: {} }, ALL_CHECKS).verdict).toBe(
      "target i-1 is unhealthy in its target group",
    );
    expect(judgeHealth({ ...allBad, alarms: {}, targets: {} }, ALL_CHECKS).verdict).toBe(
      "instance i-1 is Unhealthy in Auto Scaling",
    );
    expect(judgeHealth({ ...allBad, alarms: {}, targets: {}, instanceHealth: {} }, ALL_CHECKS).verdict).toBe(
      "instance i-1 is ConnectionLost in SSM",
    );
  });

  it("ignores target health when the target group check is off", () => {
    const signals = { ...healthy(), targets: { "i-1": "unhealthy" } };
    expect(judgeHealth(signals, { targetGroups: false, ssmOnline: true }).healthy).toBe(true);
  });

  it("ignores SSM pings when the SSM check is off", () => {
    const signals = { ...healthy(), ping: { "i-1": "ConnectionLost" } };
    expect(judgeHealth(signals, { targetGroups: true, ssmOnline: false }).healthy).toBe(true);
  });

  it("still judges alarms and Auto Scaling health with both optional checks off", () => {
    const off = { targetGroups: false, ssmOnline: false };
    expect(judgeHealth({ ...healthy(), alarms: { a: "ALARM" } }, off).healthy).toBe(false);
    expect(judgeHealth({ ...healthy(), instanceHealth: { "i-1": false } }, off).healthy).toBe(false);
  });
});

const report = (over: Record<string, unknown> = {}) =>
  JSON.stringify({ fips_enabled: true, kernel: "6.1.158-180.294.amzn2023.x86_64", stig: "high", ...over });

const EXPECT_ALL: ComplianceExpectation = { fips: true, stig: true, kernelTrack: "6.1" };

describe("judgeCompliance", () => {
  it("passes a report that shows FIPS, the STIG marker and a kernel on the track, and returns the kernel", () => {
    expect(judgeCompliance(EXPECT_ALL, report())).toEqual({
      problem: null,
      kernel: "6.1.158-180.294.amzn2023.x86_64",
    });
  });

  it("finds FIPS off when FIPS was asked for", () => {
    expect(judgeCompliance(EXPECT_ALL, report({ fips_enabled: false }))).toEqual({
      problem: "FIPS mode is not enabled",
      kernel: "6.1.158-180.294.amzn2023.x86_64",
    });
  });

  it("accepts FIPS off when FIPS was not asked for", () => {
    expect(
      judgeCompliance({ ...EXPECT_ALL, fips: false }, report({ fips_enabled: false })).problem,
    ).toBeNull();
  });

  it("finds the STIG marker missing when STIG was asked for", () => {
    expect(judgeCompliance(EXPECT_ALL, report({ stig: null })).problem).toBe("the STIG marker is missing");
  });

  it("accepts a missing STIG marker when STIG was not asked for", () => {
    expect(judgeCompliance({ ...EXPECT_ALL, stig: false }, report({ stig: null })).problem).toBeNull();
  });

  it("names the kernel and the track when the kernel is off track", () => {
    expect(judgeCompliance(EXPECT_ALL, report({ kernel: "6.12.40-63.114.amzn2023.x86_64" }))).toEqual({
      problem: "kernel 6.12.40-63.114.amzn2023.x86_64 is not on track 6.1",
      kernel: "6.12.40-63.114.amzn2023.x86_64",
    });
  });

  it("keeps track 6.1 apart from 6.12 and the other way round", () => {
    expect(judgeCompliance({ ...EXPECT_ALL, kernelTrack: "6.12" }, report()).problem).toBe(
      "kernel 6.1.158-180.294.amzn2023.x86_64 is not on track 6.12",
    );
    expect(
      judgeCompliance({ ...EXPECT_ALL, kernelTrack: "6.12" }, report({ kernel: "6.12.40-63.114.amzn2023" }))
        .problem,
    ).toBeNull();
  });

  it("accepts any kernel on the default track", () => {
    const expected = { ...EXPECT_ALL, kernelTrack: "default" };
    expect(judgeCompliance(expected, report({ kernel: "6.12.40-63.114.amzn2023" })).problem).toBeNull();
    expect(judgeCompliance(expected, report({ kernel: "5.10.1" })).problem).toBeNull();
  });

  it("names the output when it holds no report", () => {
    expect(judgeCompliance(EXPECT_ALL, "sh: verify: command not found\n")).toEqual({
      problem: 'the verify document printed no report: "sh: verify: command not found"',
      kernel: null,
    });
  });

  it("finds no report in JSON of the wrong shape or in empty output", () => {
    expect(judgeCompliance(EXPECT_ALL, '{"fips_enabled":"yes"}').problem).toBe(
      'the verify document printed no report: "{\\"fips_enabled\\":\\"yes\\"}"',
    );
    expect(judgeCompliance(EXPECT_ALL, "").problem).toBe('the verify document printed no report: ""');
  });

  it("quotes at most 120 characters of the output", () => {
    const problem = judgeCompliance(EXPECT_ALL, "x".repeat(500)).problem;
    expect(problem).toBe(`the verify document printed no report: "${"x".repeat(120)}"`);
  });

  it("reads only the last line as the report", () => {
    const stdout = `checking FIPS...\n${report({ fips_enabled: false })}\n${report()}\n`;
    expect(judgeCompliance(EXPECT_ALL, stdout).problem).toBeNull();
    const earlierReport = `${report()}\ndone`;
    expect(judgeCompliance(EXPECT_ALL, earlierReport).problem).toBe(
      'the verify document printed no report: "done"',
    );
  });
});
