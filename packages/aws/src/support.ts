/** Small helpers shared by the adapters. Not part of the package's public surface. */

/** Splits a list into consecutive batches of at most `size` items. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
  return batches;
}

/** Service errors are told apart by name: the one helper lives in core (no SDK import there). */
export { errorName, isErrorNamed } from "@fleet-upgrade/core";

/** `[{Key, Value}]` as SDK tag lists come, to a record (entries without a key are dropped). */
export function tagsToRecord(
  tags: ReadonlyArray<{ Key?: string | undefined; Value?: string | undefined }> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tag of tags ?? []) if (tag.Key !== undefined) out[tag.Key] = tag.Value ?? "";
  return out;
}

export function recordToTags(tags: Record<string, string>): { Key: string; Value: string }[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

export function hasAllTags(actual: Record<string, string>, wanted: Record<string, string>): boolean {
  return Object.entries(wanted).every(([key, value]) => actual[key] === value);
}

/** Maps with at most `limit` calls in flight, keeping the order of `items` (bounds API request rates). */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Compares two RPM version-release strings the way rpm does in the common cases: numeric segments
 * numerically, alphabetic segments lexically, a numeric segment newer than an alphabetic one, and
 * more segments newer than fewer. `6.1.119-129.201.amzn2023` < `6.1.127-135.201.amzn2023`.
 */
export function compareRpmVersions(a: string, b: string): number {
  const left = a.match(/\d+|[a-zA-Z]+/g) ?? [];
  const right = b.match(/\d+|[a-zA-Z]+/g) ?? [];
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const x = left[i] as string;
    const y = right[i] as string;
    const xNumeric = /^\d/.test(x);
    const yNumeric = /^\d/.test(y);
    if (xNumeric !== yNumeric) return xNumeric ? 1 : -1;
    if (xNumeric) {
      const xs = x.replace(/^0+/, "");
      const ys = y.replace(/^0+/, "");
      if (xs.length !== ys.length) return xs.length - ys.length;
      if (xs !== ys) return xs < ys ? -1 : 1;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return left.length - right.length;
}
