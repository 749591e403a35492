import { createHash } from "node:crypto";
import { z } from "zod";
import { type Architecture, ArchitectureSchema } from "./fleet";
import type { LedgerStore } from "./ports";
import { ImageFlavorSchema, KernelTrackSchema } from "./run-request";
import { imageParameterName } from "./target";

/** Which public AL2023 parameters the new-AMI check watches. */
export const AmiWatchSchema = z.object({
  kernel: KernelTrackSchema,
  flavor: ImageFlavorSchema,
  architectures: z.array(ArchitectureSchema).min(1),
});
export type AmiWatch = z.infer<typeof AmiWatchSchema>;

/** The last release the check saw: parameter name -> AMI id, and the run it started for it. */
export const AmiReleaseRecordSchema = z.object({
  values: z.record(z.string(), z.string()),
  executionName: z.string().nullable(),
  seenAt: z.string(),
});
export type AmiReleaseRecord = z.infer<typeof AmiReleaseRecordSchema>;

/** Ledger key of the last release seen; the sort key names the watch, so changing it starts afresh. */
export const AMI_RELEASE_PK = "AMI#latest";

export function amiReleaseSortKey(watch: AmiWatch): string {
  return `${watch.kernel}#${watch.flavor}#${[...watch.architectures].sort().join(",")}`;
}

/** The public parameters of the watch, one per architecture. */
export function watchedParameters(watch: AmiWatch): string[] {
  return [...new Set(watch.architectures)]
    .sort()
    .map((a: Architecture) => imageParameterName(watch.kernel, watch.flavor, a));
}

/** One parameter whose image changed. */
export interface AmiChange {
  parameter: string;
  from: string | null;
  to: string;
}

/**
 * The parameters whose value differs from the last release seen. A parameter missing now (not
 * published in the region) is not a change: the run would find no image for it.
 *
 * @example
 * amiChanges({ "/p/x86_64": "ami-1" }, { "/p/x86_64": "ami-2" })
 * // [{ parameter: "/p/x86_64", from: "ami-1", to: "ami-2" }]
 */
export function amiChanges(
  previous: Readonly<Record<string, string>> | undefined,
  current: Readonly<Record<string, string>>,
): AmiChange[] {
  return Object.keys(current)
    .sort()
    .flatMap((parameter) => {
      const to = current[parameter] as string;
      const from = previous?.[parameter] ?? null;
      return from === to ? [] : [{ parameter, from, to }];
    });
}

/**
 * The execution name of the run for a release: the same values give the same name, so Step
 * Functions refuses a second run for a release whoever asks (schedule and SNS at once, a retry).
 *
 * @example
 * releaseExecutionName({ "/aws/service/...-x86_64": "ami-0abc" }) // "ami-3f2c..." (36 characters)
 */
export function releaseExecutionName(values: Readonly<Record<string, string>>): string {
  const canonical = Object.keys(values)
    .sort()
    .map((k) => `${k}=${values[k]}`)
    .join("\n");
  return `ami-${createHash("sha256").update(canonical).digest("hex").slice(0, 32)}`;
}

/** The reason of a run a release starts: which images are new. */
export function releaseReason(changes: readonly AmiChange[]): string {
  const images = changes.map((c) => `${c.parameter.split("/").at(-1)} -> ${c.to}`).join(", ");
  return `new Amazon Linux 2023 image: ${images}`.slice(0, 500);
}

/** The last release seen for the watch, from the ledger (undefined: never checked). */
export async function lastRelease(
  store: LedgerStore,
  watch: AmiWatch,
): Promise<AmiReleaseRecord | undefined> {
  const item = await store.get(AMI_RELEASE_PK, amiReleaseSortKey(watch));
  return item ? AmiReleaseRecordSchema.parse(item.data) : undefined;
}

export async function recordRelease(
  store: LedgerStore,
  watch: AmiWatch,
  record: AmiReleaseRecord,
): Promise<void> {
  await store.put({
    pk: AMI_RELEASE_PK,
    sk: amiReleaseSortKey(watch),
    data: AmiReleaseRecordSchema.parse(record),
  });
}
