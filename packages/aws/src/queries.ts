/** Reads shared by several adapters: groups, images by id, SSM parameter values, alarm states. Not public. */
import {
  type AutoScalingClient,
  type AutoScalingGroup,
  type DescribeAutoScalingGroupsCommandInput,
  type LaunchTemplateSpecification,
  paginateDescribeAutoScalingGroups,
} from "@aws-sdk/client-auto-scaling";
import { type CloudWatchClient, paginateDescribeAlarms } from "@aws-sdk/client-cloudwatch";
import { DescribeImagesCommand, type EC2Client, type Image } from "@aws-sdk/client-ec2";
import { GetInstanceProfileCommand, type IAMClient } from "@aws-sdk/client-iam";
import { GetParametersCommand, type SSMClient } from "@aws-sdk/client-ssm";
import type { Architecture, ImageInfo, TemplateUser } from "@fleet-upgrade/core";
import { chunk, isErrorNamed, tagsToRecord } from "./support";

/** Groups per DescribeAutoScalingGroups page: the most AWS returns (MaxRecords, 1-100). */
export const GROUPS_PER_PAGE = 100;

/**
 * Every Auto Scaling group the input selects (all of the region's without names or filters), every
 * page of 100, through the SDK's paginator:
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeAutoScalingGroups.html
 */
export async function describeAllAutoScalingGroups(
  autoscaling: AutoScalingClient,
  input: Omit<DescribeAutoScalingGroupsCommandInput, "MaxRecords" | "NextToken"> = {},
): Promise<AutoScalingGroup[]> {
  const groups: AutoScalingGroup[] = [];
  const pages = paginateDescribeAutoScalingGroups(
    { client: autoscaling },
    { ...input, MaxRecords: GROUPS_PER_PAGE },
  );
  for await (const page of pages) groups.push(...(page.AutoScalingGroups ?? []));
  return groups;
}

/**
 * The launch template a group launches from, directly or through a mixed instances policy; undefined
 * for a launch configuration (or a template named by neither id nor name).
 */
export function launchTemplateSpec(group: AutoScalingGroup): LaunchTemplateSpecification | undefined {
  const spec =
    group.LaunchTemplate ?? group.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
  if (spec === undefined || (spec.LaunchTemplateId === undefined && spec.LaunchTemplateName === undefined))
    return undefined;
  return spec;
}

/**
 * The launch template a group launches from and the version it names; undefined for a launch
 * configuration. A group that names no version launches from the template's default one:
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_LaunchTemplateSpecification.html
 */
export function templateUserOf(group: AutoScalingGroup): TemplateUser | undefined {
  const spec = launchTemplateSpec(group);
  if (group.AutoScalingGroupName === undefined || spec === undefined) return undefined;
  return {
    groupName: group.AutoScalingGroupName,
    launchTemplateId: spec.LaunchTemplateId ?? null,
    launchTemplateName: spec.LaunchTemplateName ?? null,
    version: spec.Version ?? "$Default",
  };
}

/** DescribeImages takes at most this many ids per call in this package (the API accepts more, slowly). */
export const IMAGE_ID_BATCH = 100;
/** GetParameters accepts at most 10 names per call. */
export const PARAMETER_NAME_BATCH = 10;

const MISSING_IMAGE_ERRORS = ["InvalidAMIID.NotFound", "InvalidAMIID.Malformed", "InvalidAMIID.Unavailable"];

/**
 * Images by id, batches of 100. EC2 fails a whole batch when one id is unknown or malformed; the batch
 * is then asked again one id at a time so that one deregistered AMI hides only itself.
 */
export async function describeImagesByIds(ec2: EC2Client, imageIds: readonly string[]): Promise<Image[]> {
  const unique = [...new Set(imageIds)];
  const images: Image[] = [];
  for (const batch of chunk(unique, IMAGE_ID_BATCH)) {
    try {
      const out = await ec2.send(new DescribeImagesCommand({ ImageIds: batch }));
      images.push(...(out.Images ?? []));
    } catch (error) {
      if (!isErrorNamed(error, ...MISSING_IMAGE_ERRORS)) throw error;
      if (batch.length > 1) images.push(...(await describeOneByOne(ec2, batch)));
    }
  }
  return images;
}

async function describeOneByOne(ec2: EC2Client, imageIds: readonly string[]): Promise<Image[]> {
  const images: Image[] = [];
  for (const imageId of imageIds) {
    try {
      const out = await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }));
      images.push(...(out.Images ?? []));
    } catch (error) {
      if (!isErrorNamed(error, ...MISSING_IMAGE_ERRORS)) throw error;
    }
  }
  return images;
}

export function toArchitecture(value: string | undefined): Architecture | null {
  return value === "x86_64" || value === "arm64" ? value : null;
}

/** An EC2 image as the domain sees it; null for an architecture the product does not roll out (i386, mac). */
export function toImageInfo(image: Image): ImageInfo | null {
  const architecture = toArchitecture(image.Architecture);
  if (image.ImageId === undefined || architecture === null) return null;
  return {
    imageId: image.ImageId,
    name: image.Name ?? "",
    architecture,
    state: image.State ?? "unknown",
    creationDate: image.CreationDate ?? null,
    deprecationTime: image.DeprecationTime ?? null,
    tags: tagsToRecord(image.Tags),
  };
}

/**
 * Values of SSM parameters, keyed by the name as asked (a selector such as `name:3` included).
 * Names SSM reports as invalid are absent.
 */
export async function getParameterValues(
  ssm: SSMClient,
  names: readonly string[],
): Promise<Record<string, string>> {
  const wanted = new Set(names);
  const values: Record<string, string> = {};
  for (const batch of chunk([...wanted], PARAMETER_NAME_BATCH)) {
    const out = await ssm.send(new GetParametersCommand({ Names: batch }));
    for (const parameter of out.Parameters ?? []) {
      if (parameter.Name === undefined || parameter.Value === undefined) continue;
      const withSelector = `${parameter.Name}${parameter.Selector ?? ""}`;
      const key = wanted.has(withSelector) ? withSelector : parameter.Name;
      if (wanted.has(key)) values[key] = parameter.Value;
    }
  }
  return values;
}

/** DescribeAlarms takes at most 100 names per call (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html). */
export const ALARM_NAME_BATCH = 100;

/**
 * The state (StateValue) of each named alarm, metric and composite alike (DescribeAlarms returns only
 * metric alarms unless asked for both), 100 names a call, every page; unknown names are absent.
 */
export async function describeAlarmStates(
  cloudwatch: CloudWatchClient,
  names: readonly string[],
): Promise<Map<string, string>> {
  const states = new Map<string, string>();
  for (const batch of chunk([...new Set(names)], ALARM_NAME_BATCH)) {
    const pages = paginateDescribeAlarms(
      { client: cloudwatch },
      { AlarmNames: batch, AlarmTypes: ["MetricAlarm", "CompositeAlarm"], MaxRecords: 100 },
    );
    for await (const page of pages) {
      for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
        if (alarm.AlarmName !== undefined && alarm.StateValue !== undefined)
          states.set(alarm.AlarmName, alarm.StateValue);
      }
    }
  }
  return states;
}

/**
 * The role an instance profile holds (IAM GetInstanceProfile): PassRole is checked on the role, and a
 * profile's name need not be its role's (an instance profile holds at most one role:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2_instance-profiles.html).
 * `profile` is a name or an instance profile ARN (arn:aws:iam::<account>:instance-profile/<path>/<name>;
 * a name holds no "/"). Null for a profile without a role (nothing to pass) or one that does not exist
 * (NoSuchEntity: EC2 would launch nothing from it, there is no role to judge).
 */
export async function instanceProfileRole(iam: IAMClient, profile: string): Promise<string | null> {
  const name = profile.split("/").pop() ?? profile;
  try {
    const out = await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }));
    return out.InstanceProfile?.Roles?.[0]?.RoleName ?? null;
  } catch (error) {
    if (isErrorNamed(error, "NoSuchEntityException")) return null;
    throw error;
  }
}
