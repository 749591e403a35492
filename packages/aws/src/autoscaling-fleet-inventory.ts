import type {
  AutoScalingClient,
  AutoScalingGroup,
  Filter,
  LaunchTemplateSpecification,
} from "@aws-sdk/client-auto-scaling";
import { DescribeLaunchTemplateVersionsCommand, type EC2Client } from "@aws-sdk/client-ec2";
import {
  type InstanceInformation,
  paginateDescribeInstanceInformation,
  paginateGetInventory,
  type SSMClient,
} from "@aws-sdk/client-ssm";
import type {
  Fleet,
  FleetInventory,
  FleetTargets,
  GroupRecord,
  InstanceRecord,
  LaunchTemplateState,
} from "@fleet-upgrade/core";
import {
  describeAllAutoScalingGroups,
  describeImagesByIds,
  getParameterValues,
  launchTemplateSpec,
  toArchitecture,
} from "./queries";
import { compareRpmVersions, hasAllTags, mapLimit, tagsToRecord } from "./support";

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

/**
 * The inventory packages whose version is the installed kernel: `kernel` (AL2, AL2023's 6.1), and
 * the versioned names AL2023 uses for its newer tracks (`kernel6.12`, `kernel6.18`).
 */
const KERNEL_PACKAGES = ["kernel", "kernel6.12", "kernel6.18"];
/** Names per DescribeAutoScalingGroups call: AWS takes at most 50 unless MaxRecords says more. */
export const GROUP_NAMES_PER_CALL = 50;
/** Launch template look-ups in flight at once: enough for 1,000 groups, gentle on EC2's request rate. */
const LAUNCH_TEMPLATE_CONCURRENCY = 8;

interface ResolvedTemplate {
  launchTemplateId: string;
  launchTemplateName: string;
  resolvedVersion: number;
  imageRef: string;
}

/**
 * Reads the fleet from Auto Scaling, EC2 and SSM.
 *
 * Groups without a launch template (launch configurations), whose template version has no image, whose
 * `resolve:ssm:` parameter does not exist (or is not one of AWS's public AL2023 parameters), or whose image is gone or of an architecture the product does
 * not roll out (i386, mac) are left out of `groups`; their instances are still listed.
 *
 * `groupName` of an instance comes from the target groups' membership: an instance of a group outside
 * the targets is reported with `groupName: null`.
 */
export class AutoScalingFleetInventory implements FleetInventory {
  constructor(private readonly clients: AutoScalingFleetInventoryClients) {}

  async readFleet(targets: FleetTargets): Promise<Fleet> {
    const [groups, managed, kernels] = await Promise.all([
      this.describeGroups(targets),
      this.managedInstances(),
      this.kernelVersions(),
    ]);
    const records = await this.groupRecords(groups);

    const groupOf = new Map<string, string>();
    for (const group of groups) {
      for (const instance of group.Instances ?? []) {
        if (instance.InstanceId !== undefined && group.AutoScalingGroupName !== undefined) {
          groupOf.set(instance.InstanceId, group.AutoScalingGroupName);
        }
      }
    }

    const instances = new Map<string, InstanceRecord>();
    for (const info of managed) {
      if (info.InstanceId === undefined) continue;
      instances.set(info.InstanceId, {
        instanceId: info.InstanceId,
        groupName: groupOf.get(info.InstanceId) ?? null,
        platformName: info.PlatformName ?? null,
        platformVersion: info.PlatformVersion ?? null,
        kernelVersion: kernels.get(info.InstanceId) ?? null,
        pingStatus: info.PingStatus ?? null,
      });
    }
    for (const [instanceId, groupName] of groupOf) {
      if (instances.has(instanceId)) continue;
      instances.set(instanceId, {
        instanceId,
        groupName,
        platformName: null,
        platformVersion: null,
        kernelVersion: kernels.get(instanceId) ?? null,
        pingStatus: null,
      });
    }

    return {
      groups: records.sort((a, b) => compareStrings(a.name, b.name)),
      instances: [...instances.values()].sort((a, b) => compareStrings(a.instanceId, b.instanceId)),
    };
  }

  private async describeGroups(targets: FleetTargets): Promise<AutoScalingGroup[]> {
    const filters: Filter[] = Object.entries(targets.tags).map(([key, value]) => ({
      Name: `tag:${key}`,
      Values: [value],
    }));
    const groups: AutoScalingGroup[] = [];
    // Named groups go in batches of 50, the most one call takes by default (up to MaxRecords, 100):
    // https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeAutoScalingGroups.html
    const names = [...new Set(targets.autoScalingGroupNames)];
    const batches: (string[] | null)[] = [];
    for (let i = 0; i < names.length; i += GROUP_NAMES_PER_CALL) {
      batches.push(names.slice(i, i + GROUP_NAMES_PER_CALL));
    }
    if (batches.length === 0) batches.push(null);
    for (const batch of batches) {
      groups.push(
        ...(await describeAllAutoScalingGroups(this.clients.autoscaling, {
          ...(batch !== null && { AutoScalingGroupNames: batch }),
          ...(filters.length > 0 && { Filters: filters }),
        })),
      );
    }
    // The service filters already; checking again keeps the contract when a filter is ignored.
    return groups.filter(
      (group) =>
        group.AutoScalingGroupName !== undefined && hasAllTags(tagsToRecord(group.Tags), targets.tags),
    );
  }

  private async groupRecords(groups: AutoScalingGroup[]): Promise<GroupRecord[]> {
    const withSpec = groups.flatMap((group) => {
      const spec = launchTemplateSpec(group);
      return spec === undefined ? [] : [{ group, spec }];
    });

    const templates = new Map<string, Promise<ResolvedTemplate | null>>();
    const resolved = await mapLimit(withSpec, LAUNCH_TEMPLATE_CONCURRENCY, ({ spec }) => {
      const key = templateKey(spec);
      let pending = templates.get(key);
      if (pending === undefined) {
        pending = this.resolveTemplate(spec);
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
      ssmNames.length > 0
        ? await getParameterValues(this.clients.ssm, ssmNames)
        : ({} as Record<string, string>);
    const imageIdOf = (imageRef: string): string | undefined =>
      imageRef.startsWith(SSM_IMAGE_REF_PREFIX)
        ? parameterValues[imageRef.slice(SSM_IMAGE_REF_PREFIX.length)]
        : imageRef;

    const imageIds = resolved.flatMap((template) => {
      const imageId = template === null ? undefined : imageIdOf(template.imageRef);
      return imageId === undefined ? [] : [imageId];
    });
    const images = imageIds.length > 0 ? await describeImagesByIds(this.clients.ec2, imageIds) : [];
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

  private async resolveTemplate(spec: LaunchTemplateSpecification): Promise<ResolvedTemplate | null> {
    const out = await this.clients.ec2.send(
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

  /** Every instance SSM manages in the region: group members and standalone ones. */
  private async managedInstances(): Promise<InstanceInformation[]> {
    const instances: InstanceInformation[] = [];
    const pages = paginateDescribeInstanceInformation({ client: this.clients.ssm }, { MaxResults: 50 });
    for await (const page of pages) instances.push(...(page.InstanceInformationList ?? []));
    return instances;
  }

  /** Installed kernel per instance from SSM inventory: `Version-Release` of the newest kernel package. */
  private async kernelVersions(): Promise<Map<string, string>> {
    const kernels = new Map<string, string>();
    const pages = paginateGetInventory(
      { client: this.clients.ssm },
      {
        Filters: [{ Key: "AWS:Application.Name", Values: KERNEL_PACKAGES, Type: "Equal" }],
        ResultAttributes: [{ TypeName: "AWS:Application" }],
        MaxResults: 50,
      },
    );
    for await (const page of pages) {
      for (const entity of page.Entities ?? []) {
        if (entity.Id === undefined) continue;
        for (const row of entity.Data?.["AWS:Application"]?.Content ?? []) {
          if (row.Name === undefined || !KERNEL_PACKAGES.includes(row.Name) || row.Version === undefined)
            continue;
          const version = row.Release ? `${row.Version}-${row.Release}` : row.Version;
          const known = kernels.get(entity.Id);
          if (known === undefined || compareRpmVersions(version, known) > 0) kernels.set(entity.Id, version);
        }
      }
    }
    return kernels;
  }
}

function templateKey(spec: LaunchTemplateSpecification): string {
  return `${spec.LaunchTemplateId ?? `name:${spec.LaunchTemplateName}`}|${spec.Version ?? "$Default"}`;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
