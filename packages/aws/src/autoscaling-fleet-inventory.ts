import type {
  AutoScalingClient,
  AutoScalingGroup,
  Filter,
  LaunchTemplateSpecification,
} from "@aws-sdk/client-auto-scaling";
import { DescribeLaunchTemplateVersionsCommand, type EC2Client } from "@aws-sdk/client-ec2";
import type { SSMClient } from "@aws-sdk/client-ssm";
import type {
  CountsPage,
  FleetInventory,
  FleetTargets,
  GroupRecord,
  GroupsPage,
  GroupWalk,
  LaunchTemplateState,
} from "@fleet-upgrade/core";
import {
  countedClients,
  isTargeted,
  memberCount,
  membersOf,
  sliceOf,
  walkPage,
} from "./autoscaling-group-walk";
import {
  describeImagesByIds,
  getParameterValues,
  IMAGE_ID_BATCH,
  launchTemplateSpec,
  PARAMETER_NAME_BATCH,
  toArchitecture,
} from "./queries";
import {
  INSTANCE_IDS_PER_DESCRIBE,
  INSTANCE_IDS_PER_INVENTORY,
  instancesById,
  kernelCounts,
  platformCounts,
} from "./ssm-instance-reads";
import { chunk, hasAllTags, mapLimit, tagsToRecord } from "./support";

export interface AutoScalingFleetInventoryClients {
  autoscaling: AutoScalingClient;
  ec2: EC2Client;
  ssm: SSMClient;
}

/** Prefix of a launch template `ImageId` that EC2 resolves from an SSM parameter at launch. */
export const SSM_IMAGE_REF_PREFIX = "resolve:ssm:";
/**
 * The only parameters the inventory resolves: AWS's public AL2023 image parameters. Its role may read
 * nothing else (the account's own parameters can hold secrets), and GetParameters refuses a whole
 * call when one name is denied, so a template naming another parameter is left out like a missing one.
 */
export const READABLE_IMAGE_PARAMETER_PREFIX = "/aws/service/ami-amazon-linux-latest/";

/** Names per DescribeAutoScalingGroups call: AWS takes at most 50 unless MaxRecords says more. */
export const GROUP_NAMES_PER_CALL = 50;
/** Launch template look-ups in flight at once: gentle on EC2's request rate. */
const LAUNCH_TEMPLATE_CONCURRENCY = 8;
/**
 * Calls of a targeted page besides its groups' own: the group page, and a call more than the
 * fractions add up to for each batched read (instance information, inventory, parameters, images).
 */
const TARGETED_PAGE_OVERHEAD = 5;
/** A recorded group's own calls: its template, and its share of a page's parameter and image reads. */
const GROUP_RECORD_CALLS = 1 + 1 / PARAMETER_NAME_BATCH + 1 / IMAGE_ID_BATCH;
/** Calls of an untargeted page besides its groups' own: the group page, instance information rounded up. */
const UNTARGETED_PAGE_OVERHEAD = 2;

interface ResolvedTemplate {
  launchTemplateId: string;
  launchTemplateName: string;
  resolvedVersion: number;
  imageRef: string;
}

/**
 * Reads the fleet from Auto Scaling, EC2 and SSM, a page at a time within a number of calls.
 *
 * Groups without a launch template (launch configurations), whose template version has no image, whose
 * `resolve:ssm:` parameter does not exist (or is not one of AWS's public AL2023 parameters), or whose image is gone or of an architecture the product does
 * not roll out (i386, mac) are left out of `groups`; their members are still read and counted.
 */
export class AutoScalingFleetInventory implements FleetInventory {
  constructor(private readonly clients: AutoScalingFleetInventoryClients) {}

  async targetedGroups(targets: FleetTargets, at: GroupWalk, calls: number): Promise<GroupsPage> {
    const meter = { calls: 0 };
    const clients = countedClients(this.clients, meter);
    const names = [...new Set(targets.autoScalingGroupNames)];
    // Named groups go in batches of 50, the most one call takes by default (up to MaxRecords, 100):
    // https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeAutoScalingGroups.html
    const batches = names.length > 0 ? chunk(names, GROUP_NAMES_PER_CALL) : [null];
    const filters: Filter[] = Object.entries(targets.tags).map(([key, value]) => ({
      Name: `tag:${key}`,
      Values: [value],
    }));
    const page = await walkPage(clients.autoscaling, at, batches, filters);
    // The service filters already; checking again keeps the contract when a filter is ignored.
    const targeted = (group: AutoScalingGroup) =>
      group.AutoScalingGroupName !== undefined && hasAllTags(tagsToRecord(group.Tags), targets.tags);
    const { slice, next } = sliceOf(page, at, calls - TARGETED_PAGE_OVERHEAD, (group) =>
      targeted(group)
        ? (launchTemplateSpec(group) === undefined ? 0 : GROUP_RECORD_CALLS) +
          memberCount(group) / INSTANCE_IDS_PER_DESCRIBE +
          memberCount(group) / INSTANCE_IDS_PER_INVENTORY
        : 0,
    );
    const groups = slice.filter(targeted);
    const { records: members, unmanaged } = await instancesById(clients.ssm, membersOf(groups), {
      withKernels: true,
    });
    const records = await this.groupRecords(clients, groups);
    return {
      groups: records.sort((a, b) => compareStrings(a.name, b.name)),
      members,
      unmanaged,
      next,
      calls: meter.calls,
    };
  }

  async untargetedGroups(targets: FleetTargets, at: GroupWalk, calls: number): Promise<GroupsPage> {
    const meter = { calls: 0 };
    const clients = countedClients(this.clients, meter);
    const page = await walkPage(clients.autoscaling, at, [null], []);
    const untargeted = (group: AutoScalingGroup) =>
      group.AutoScalingGroupName !== undefined && !isTargeted(group, targets);
    const { slice, next } = sliceOf(page, at, calls - UNTARGETED_PAGE_OVERHEAD, (group) =>
      untargeted(group) ? memberCount(group) / INSTANCE_IDS_PER_DESCRIBE : 0,
    );
    const { records: members, unmanaged } = await instancesById(
      clients.ssm,
      membersOf(slice.filter(untargeted)),
      { withKernels: false },
    );
    return { groups: [], members, unmanaged, next, calls: meter.calls };
  }

  countPlatforms(token: string | null, calls: number): Promise<CountsPage> {
    return platformCounts(this.clients.ssm, token, Math.max(1, calls));
  }

  countKernels(token: string | null, calls: number): Promise<CountsPage> {
    return kernelCounts(this.clients.ssm, token, Math.max(1, calls));
  }

  private async groupRecords(
    clients: AutoScalingFleetInventoryClients,
    groups: AutoScalingGroup[],
  ): Promise<GroupRecord[]> {
    const withSpec = groups.flatMap((group) => {
      const spec = launchTemplateSpec(group);
      return spec === undefined ? [] : [{ group, spec }];
    });

    const templates = new Map<string, Promise<ResolvedTemplate | null>>();
    const resolved = await mapLimit(withSpec, LAUNCH_TEMPLATE_CONCURRENCY, ({ spec }) => {
      const key = templateKey(spec);
      let pending = templates.get(key);
      if (pending === undefined) {
        pending = resolveTemplate(clients.ec2, spec);
        templates.set(key, pending);
      }
      return pending;
    });

    const ssmNames = resolved.flatMap((template) =>
      template?.imageRef.startsWith(SSM_IMAGE_REF_PREFIX + READABLE_IMAGE_PARAMETER_PREFIX)
        ? [template.imageRef.slice(SSM_IMAGE_REF_PREFIX.length)]
        : [],
    );
    const parameterValues =
      ssmNames.length > 0 ? await getParameterValues(clients.ssm, ssmNames) : ({} as Record<string, string>);
    const imageIdOf = (imageRef: string): string | undefined =>
      imageRef.startsWith(SSM_IMAGE_REF_PREFIX)
        ? parameterValues[imageRef.slice(SSM_IMAGE_REF_PREFIX.length)]
        : imageRef;

    const imageIds = resolved.flatMap((template) => {
      const imageId = template === null ? undefined : imageIdOf(template.imageRef);
      return imageId === undefined ? [] : [imageId];
    });
    const images = imageIds.length > 0 ? await describeImagesByIds(clients.ec2, imageIds) : [];
    const architectureOf = new Map(
      images.map((image) => [image.ImageId, toArchitecture(image.Architecture)]),
    );

    const records: GroupRecord[] = [];
    withSpec.forEach(({ group, spec }, index) => {
      const template = resolved[index];
      if (template === null || template === undefined) return;
      const imageId = imageIdOf(template.imageRef);
      const architecture = imageId === undefined ? undefined : architectureOf.get(imageId);
      if (imageId === undefined || architecture === undefined || architecture === null) return;
      const launchTemplate: LaunchTemplateState = {
        launchTemplateId: template.launchTemplateId,
        launchTemplateName: template.launchTemplateName,
        versionSpec: spec.Version ?? "$Default",
        resolvedVersion: template.resolvedVersion,
        imageRef: template.imageRef,
      };
      const warmup = group.DefaultInstanceWarmup;
      records.push({
        name: group.AutoScalingGroupName as string,
        arn: group.AutoScalingGroupARN ?? "",
        desired: group.DesiredCapacity ?? 0,
        min: group.MinSize ?? 0,
        max: group.MaxSize ?? 0,
        launchTemplate,
        imageId,
        architecture,
        tags: tagsToRecord(group.Tags),
        instanceIds: (group.Instances ?? []).flatMap((instance) =>
          instance.InstanceId === undefined ? [] : [instance.InstanceId],
        ),
        targetGroupArns: group.TargetGroupARNs ?? [],
        // -1 is how Auto Scaling says "warm-up turned off".
        defaultInstanceWarmup: warmup === undefined || warmup < 0 ? null : warmup,
      });
    });
    return records;
  }
}

function templateKey(spec: LaunchTemplateSpecification): string {
  return `${spec.LaunchTemplateId ?? `name:${spec.LaunchTemplateName}`}|${spec.Version ?? "$Default"}`;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function resolveTemplate(
  ec2: EC2Client,
  spec: LaunchTemplateSpecification,
): Promise<ResolvedTemplate | null> {
  const out = await ec2.send(
    new DescribeLaunchTemplateVersionsCommand({
      ...(spec.LaunchTemplateId !== undefined
        ? { LaunchTemplateId: spec.LaunchTemplateId }
        : { LaunchTemplateName: spec.LaunchTemplateName }),
      Versions: [spec.Version ?? "$Default"],
    }),
  );
  const version = out.LaunchTemplateVersions?.[0];
  const imageRef = version?.LaunchTemplateData?.ImageId;
  const launchTemplateId = version?.LaunchTemplateId ?? spec.LaunchTemplateId;
  if (version?.VersionNumber === undefined || imageRef === undefined || launchTemplateId === undefined)
    return null;
  return {
    launchTemplateId,
    launchTemplateName: version.LaunchTemplateName ?? spec.LaunchTemplateName ?? "",
    resolvedVersion: version.VersionNumber,
    imageRef,
  };
}
