/** A walk over Auto Scaling groups a page at a time, resumable from a small cursor. Not public. */
import {
  type AutoScalingClient,
  type AutoScalingGroup,
  DescribeAutoScalingGroupsCommand,
  type Filter,
} from "@aws-sdk/client-auto-scaling";
import { type FleetTargets, type GroupWalk, pageEnd } from "@fleet-upgrade/core";
import { UnexpectedResponseError } from "./errors";
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
    ? { batch: at.batch, token: out.NextToken, offset: 0, last: null }
    : at.batch + 1 < batches.length
      ? { batch: at.batch + 1, token: null, offset: 0, last: null }
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
  const from = resumeAt(page.groups, at);
  const end = pageEnd(page.groups.map(cost), from, budget);
  return {
    slice: page.groups.slice(from, end),
    next:
      end < page.groups.length
        ? { ...at, offset: end, last: page.groups[end - 1]?.AutoScalingGroupName ?? null }
        : page.after,
  };
}

/**
 * Where a page read again resumes: after the last group done. A group created or deleted in the
 * meantime moves it; a page without that group at all cannot say what is left, so it is an error
 * (the inventory runs before any change: the run fails and can be started again) rather than a
 * group silently skipped or counted twice.
 */
function resumeAt(groups: readonly AutoScalingGroup[], at: GroupWalk): number {
  if (at.offset === 0 || at.last === null) return at.offset;
  if (groups[at.offset - 1]?.AutoScalingGroupName === at.last) return at.offset;
  const index = groups.findIndex((g) => g.AutoScalingGroupName === at.last);
  if (index < 0) {
    throw new UnexpectedResponseError(
      "DescribeAutoScalingGroups",
      `a page without group ${at.last}, the last one the inventory read on it (the groups changed while it read them)`,
    );
  }
  return index + 1;
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
