/** SSM reads of the paged inventory: instances by id, and pages of counts. Not public. */
import {
  DescribeInstanceInformationCommand,
  GetInventoryCommand,
  type InventoryResultEntity,
  type SSMClient,
} from "@aws-sdk/client-ssm";
import { type InstanceRecord, platformOf } from "@fleet-upgrade/core";
import { chunk, compareRpmVersions } from "./support";

/**
 * The inventory packages whose version is the installed kernel: `kernel` (AL2, AL2023's 6.1), and
 * the versioned names AL2023 uses for its newer tracks (`kernel6.12`, `kernel6.18`).
 */
export const KERNEL_PACKAGES = ["kernel", "kernel6.12", "kernel6.18"];
/**
 * Instance ids per DescribeInstanceInformation call: its `InstanceIds` filter takes more (up to 100
 * values, InstanceInformationFilterValueSet in ../shared/aws-models/ssm-2014-11-06.json), but a page
 * holds at most 50 (MaxResultsEC2Compatible), so 50 ids are answered by one call.
 */
export const INSTANCE_IDS_PER_DESCRIBE = 50;
/**
 * Instance ids per GetInventory call: an inventory filter takes at most 40 values
 * (InventoryFilterValueList, min 1 max 40, in ../shared/aws-models/ssm-2014-11-06.json).
 */
export const INSTANCE_IDS_PER_INVENTORY = 40;
/** The most results one SSM page of these reads returns (MaxResults 50 for both). */
const PAGE_SIZE = 50;

const KERNEL_FILTER = { Key: "AWS:Application.Name", Values: KERNEL_PACKAGES, Type: "Equal" as const };

/** The installed kernel of one inventory entity: `Version-Release` of its newest kernel package. */
function newestKernel(entity: InventoryResultEntity): string | undefined {
  let newest: string | undefined;
  for (const row of entity.Data?.["AWS:Application"]?.Content ?? []) {
    if (row.Name === undefined || !KERNEL_PACKAGES.includes(row.Name) || row.Version === undefined) continue;
    const version = row.Release ? `${row.Version}-${row.Release}` : row.Version;
    if (newest === undefined || compareRpmVersions(version, newest) > 0) newest = version;
  }
  return newest;
}

/**
 * SSM's facts about these instances (their group given by `groupOf`), read filtered by id: one
 * DescribeInstanceInformation call per 50 ids, one GetInventory call per 40 (`withKernels`).
 * `unmanaged` counts those DescribeInstanceInformation does not know.
 */
export async function instancesById(
  ssm: SSMClient,
  groupOf: ReadonlyMap<string, string>,
  options: { withKernels: boolean },
): Promise<{ records: InstanceRecord[]; unmanaged: number }> {
  const ids = [...groupOf.keys()];
  const records = new Map<string, InstanceRecord>();
  for (const batch of chunk(ids, INSTANCE_IDS_PER_DESCRIBE)) {
    let token: string | undefined;
    do {
      const out = await ssm.send(
        new DescribeInstanceInformationCommand({
          Filters: [{ Key: "InstanceIds", Values: batch }],
          MaxResults: PAGE_SIZE,
          ...(token !== undefined && { NextToken: token }),
        }),
      );
      for (const info of out.InstanceInformationList ?? []) {
        const group = info.InstanceId === undefined ? undefined : groupOf.get(info.InstanceId);
        if (info.InstanceId === undefined || group === undefined) continue;
        records.set(info.InstanceId, {
          instanceId: info.InstanceId,
          groupName: group,
          platformName: info.PlatformName ?? null,
          platformVersion: info.PlatformVersion ?? null,
          kernelVersion: null,
          pingStatus: info.PingStatus ?? null,
        });
      }
      token = out.NextToken;
    } while (token);
  }
  const unmanaged = ids.length - records.size;
  if (options.withKernels) {
    for (const batch of chunk(ids, INSTANCE_IDS_PER_INVENTORY)) {
      let token: string | undefined;
      do {
        const out = await ssm.send(
          new GetInventoryCommand({
            Filters: [
              KERNEL_FILTER,
              { Key: "AWS:InstanceInformation.InstanceId", Values: batch, Type: "Equal" },
            ],
            ResultAttributes: [{ TypeName: "AWS:Application" }],
            MaxResults: PAGE_SIZE,
            ...(token !== undefined && { NextToken: token }),
          }),
        );
        for (const entity of out.Entities ?? []) {
          const kernel = newestKernel(entity);
          const group = entity.Id === undefined ? undefined : groupOf.get(entity.Id);
          if (entity.Id === undefined || kernel === undefined || group === undefined) continue;
          // An instance with inventory data but no instance information is still SSM's: keep its kernel.
          const known = records.get(entity.Id) ?? {
            instanceId: entity.Id,
            groupName: group,
            platformName: null,
            platformVersion: null,
            kernelVersion: null,
            pingStatus: null,
          };
          records.set(entity.Id, { ...known, kernelVersion: kernel });
        }
        token = out.NextToken;
      } while (token);
    }
  }
  return { records: [...records.values()], unmanaged };
}

/** One page of SSM's answers: the key each item is counted under (undefined: not counted), and the next token. */
type CountedPage = { keys: (string | undefined)[]; next: string | undefined };

/** Up to `pages` pages from `token`, their items counted by key. */
async function countPages(
  token: string | null,
  pages: number,
  read: (token: string | undefined) => Promise<CountedPage>,
): Promise<{ counts: Record<string, number>; instances: number; next: string | null; calls: number }> {
  const counts: Record<string, number> = {};
  let instances = 0;
  let next: string | undefined = token ?? undefined;
  let calls = 0;
  do {
    const page = await read(next);
    calls++;
    for (const key of page.keys) {
      if (key === undefined) continue;
      counts[key] = (counts[key] ?? 0) + 1;
      instances++;
    }
    next = page.next || undefined;
  } while (next !== undefined && calls < pages);
  return { counts, instances, next: next ?? null, calls };
}

/** Up to `pages` DescribeInstanceInformation pages from `token`, every managed instance counted by platform. */
export function platformCounts(ssm: SSMClient, token: string | null, pages: number) {
  return countPages(token, pages, async (next) => {
    const out = await ssm.send(
      new DescribeInstanceInformationCommand({
        MaxResults: PAGE_SIZE,
        ...(next !== undefined && { NextToken: next }),
      }),
    );
    return {
      keys: (out.InstanceInformationList ?? []).map((info) =>
        info.InstanceId === undefined
          ? undefined
          : platformOf({
              platformName: info.PlatformName ?? null,
              platformVersion: info.PlatformVersion ?? null,
            }),
      ),
      next: out.NextToken,
    };
  });
}

/** Up to `pages` GetInventory pages from `token`, every inventoried instance counted by its kernel. */
export function kernelCounts(ssm: SSMClient, token: string | null, pages: number) {
  return countPages(token, pages, async (next) => {
    const out = await ssm.send(
      new GetInventoryCommand({
        Filters: [KERNEL_FILTER],
        ResultAttributes: [{ TypeName: "AWS:Application" }],
        MaxResults: PAGE_SIZE,
        ...(next !== undefined && { NextToken: next }),
      }),
    );
    return {
      keys: (out.Entities ?? []).map((entity) =>
        entity.Id === undefined ? undefined : newestKernel(entity),
      ),
      next: out.NextToken,
    };
  });
}
