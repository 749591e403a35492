import type { Architecture } from "./fleet";
import type { ImageFlavor, KernelTrack, RunRequest } from "./run-request";

const PARAMETER_PREFIX = "/aws/service/ami-amazon-linux-latest/";

/**
 * The public SSM parameter that points at the latest AL2023 image of a kernel track, flavour and
 * architecture.
 *
 * @example
 * imageParameterName("6.1", "standard", "x86_64")
 * // "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64"
 * imageParameterName("6.1", "minimal", "arm64")
 * // "/aws/service/ami-amazon-linux-latest/al2023-ami-minimal-kernel-6.1-arm64"
 */
export function imageParameterName(
  kernel: KernelTrack,
  flavor: ImageFlavor,
  architecture: Architecture,
): string {
  const minimal = flavor === "minimal" ? "minimal-" : "";
  return `${PARAMETER_PREFIX}al2023-ami-${minimal}kernel-${kernel}-${architecture}`;
}

const AL2023_KERNEL = /^al2023-ami-.*?kernel-(default|[0-9]+\.[0-9]+)-/;

/**
 * The kernel track in an AL2023 image name, or null when the name is not an AL2023 image name or
 * names no track. The track may be newer than the ones a request can ask for.
 *
 * @example
 * kernelTrackOf("al2023-ami-2023.9.20261110.0-kernel-6.1-x86_64") // "6.1"
 * kernelTrackOf("amzn2-ami-kernel-5.10-hvm-2.0.20260101-x86_64-gp2") // null
 */
export function kernelTrackOf(imageName: string): string | null {
  return AL2023_KERNEL.exec(imageName)?.[1] ?? null;
}

type HardeningSettings = { hardening: Pick<RunRequest["hardening"], "stig" | "fips"> };

/**
 * A short stable key of the settings a hardened image was baked with, to tag it and to find it
 * again: a request with the same source image and key reuses the image.
 *
 * @example
 * hardeningSettingsKey({ hardening: { stig: "high", fips: true } }) // "stig-high.fips-on"
 */
export function hardeningSettingsKey(request: HardeningSettings): string {
  return `stig-${request.hardening.stig}.fips-${request.hardening.fips ? "on" : "off"}`;
}

/** Whether the request needs a hardened image at all (false: the public image is rolled out as is). */
export function needsHardening(request: HardeningSettings): boolean {
  return request.hardening.stig !== "off" || request.hardening.fips;
}
