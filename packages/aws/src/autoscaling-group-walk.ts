/** A walk over Auto Scaling groups a page at a time, resumable from a small cursor. Not public. */
import {
  type AutoScalingClient,
  type AutoScalingGroup,
  DescribeAutoScalingGroupsCommand,
  type Filter,
} from "@aws-sdk/client-auto-scaling";
import { type FleetTargets, type GroupWalk, pageEnd } from "@fleet-upgrade/core";
import { GROUPS_PER_PAGE } from "./queries";
import { hasAllTags, tagsToRecord } from "./support";

/** A group's page of a walk and where the walk goes after it. */
export interface WalkPage {
  groups: AutoScalingGroup[];
  /** The walk past the whole page (null: the walk ends with it). */
  after: GroupWalk | null;
}

/**
 * The page of groups a walk stands at: one DescribeAutoScalingGroups call of up to 100 groups,
 * read again from its token when a page takes several invocations (the token stays valid).
 */
export async function walkPage(
  autoscaling: AutoScalingClient,
  at: GroupWalk,
  batches: (string[] | null)[],
  filters: Filter[],
): Promise<WalkPage> {
  if (at.batch >= batches.length) {
    throw new RangeError(
      `cursor batch ${at.batch} is not a batch of the targeted group names (expected 0 to ${batches.length - 1})`,
    );
  }
  const names = batches[at.batch];
  const out = await autoscaling.send(
    new DescribeAutoScalingGroupsCommand({
      ...(names && { AutoScalingGroupNames: names }),
      ...(filters.length > 0 && { Filters: filters }),
      MaxRecords: GROUPS_PER_PAGE,
      ...(at.token !== null && { NextToken: at.token }),
    }),
  );
  const after: GroupWalk | null = out.NextToken
    ? { batch: at.batch, token: out.NextToken, offset: 0 }
    : at.batch + 1 < batches.length
      ? { batch: at.batch + 1, token: null, offset: 0 }
      : null;
  return { groups: out.AutoScalingGroups ?? [], after };
}

/** The groups of the page from the walk's offset that fit `budget` calls by `cost`, and where the walk goes next. */
export function sliceOf(
  page: WalkPage,
  at: GroupWalk,
  budget: number,
  cost: (group: AutoScalingGroup) => number,
): { slice: AutoScalingGroup[]; next: GroupWalk | null } {
  const end = pageEnd(page.groups.map(cost), at.offset, budget);
  return {
    slice: page.groups.slice(at.offset, end),
    next: end < page.groups.length ? { ...at, offset: end } : page.after,
  };
}

export function memberCount(group: AutoScalingGroup): number {
  return group.Instances?.length ?? 0;
}

/** Instance id to group name, for the members of these groups. */
export function membersOf(groups: readonly AutoScalingGroup[]): Map<string, string> {
  const groupOf = new Map<string, string>();
  for (const group of groups) {
    for (const instance of group.Instances ?? []) {
      if (instance.InstanceId !== undefined && group.AutoScalingGroupName !== undefined)
        groupOf.set(instance.InstanceId, group.AutoScalingGroupName);
    }
  }
  return groupOf;
}

export function isTargeted(group: AutoScalingGroup, targets: FleetTargets): boolean {
  const name = group.AutoScalingGroupName as string;
  if (targets.autoScalingGroupNames.length > 0 && !targets.autoScalingGroupNames.includes(name)) return false;
  return hasAllTags(tagsToRecord(group.Tags), targets.tags);
}

/** The same clients, each `send` counted in `meter`: a page reports the calls it made. */
export function countedClients<T extends { [K in keyof T]: object }>(
  clients: T,
  meter: { calls: number },
): T {
  const counted = <C extends object>(client: C): C =>
    new Proxy(client, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver);
        if (key !== "send" || typeof value !== "function") return value;
        return (...args: unknown[]) => {
          meter.calls++;
          return value.apply(target, args);
        };
      },
    });
  const wrapped = { ...clients };
  for (const name of Object.keys(clients) as (keyof T)[]) wrapped[name] = counted(clients[name]);
  return wrapped;
}
