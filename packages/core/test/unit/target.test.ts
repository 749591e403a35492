import { describe, expect, it } from "vitest";
import { hardeningSettingsKey, imageParameterName, kernelTrackOf, needsHardening } from "../../src/target";

describe("imageParameterName", () => {
  it("names the public parameter of a standard image", () => {
    expect(imageParameterName("6.1", "standard", "x86_64")).toBe(
      "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64",
    );
  });

  it("names the public parameter of a minimal image", () => {
    expect(imageParameterName("6.1", "minimal", "arm64")).toBe(
      "/aws/service/ami-amazon-linux-latest/al2023-ami-minimal-kernel-6.1-arm64",
    );
  });

  it("names the default-kernel parameter", () => {
    expect(imageParameterName("default", "standard", "arm64")).toBe(
      "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
    );
  });
});

describe("kernelTrackOf", () => {
  it("reads the track from AL2023 image names, standard and minimal", () => {
    expect(kernelTrackOf("al2023-ami-2023.9.20261110.0-kernel-6.1-x86_64")).toBe("6.1");
    expect(kernelTrackOf("al2023-ami-minimal-2023.9.20261110.0-kernel-6.12-arm64")).toBe("6.12");
    expect(kernelTrackOf("al2023-ami-2023.9.20261110.0-kernel-6.18-arm64")).toBe("6.18");
  });

  it("returns null for names that are not AL2023 or carry no track", () => {
    expect(kernelTrackOf("amzn2-ami-kernel-5.10-hvm-2.0.20260101-x86_64-gp2")).toBeNull();
    expect(kernelTrackOf("al2023-ami-ecs-hvm-2023.0.20260101-x86_64")).toBeNull();
    expect(kernelTrackOf("fleet-upgrade-hardened-abc")).toBeNull();
  });
});

describe("hardening settings", () => {
  it("keys hardened images by STIG level and FIPS", () => {
    expect(hardeningSettingsKey({ hardening: { stig: "high", fips: true } })).toBe("stig-high.fips-on");
    expect(hardeningSettingsKey({ hardening: { stig: "off", fips: false } })).toBe("stig-off.fips-off");
  });

  it("hardens unless STIG is off and FIPS is false", () => {
    expect(needsHardening({ hardening: { stig: "off", fips: false } })).toBe(false);
    expect(needsHardening({ hardening: { stig: "off", fips: true } })).toBe(true);
    expect(needsHardening({ hardening: { stig: "low", fips: false } })).toBe(true);
  });
});
