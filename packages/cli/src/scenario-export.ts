import { dirname, join, relative, resolve, sep } from "node:path";
import { DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import {
  DescribeImagesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  type LaunchTemplateVersion,
} from "@aws-sdk/client-ec2";
import {
  GetParametersCommand,
  paginateDescribeInstanceInformation,
  paginateGetInventory,
} from "@aws-sdk/client-ssm";
import { describeAllAutoScalingGroups, instanceProfileRole } from "@fleet-upgrade/aws";
import { imageParameterName, type RunRequest } from "@fleet-upgrade/core/request";
import { parseScenarioObject } from "@fleet-upgrade/core/scenario";
import { stringify } from "yaml";
import { SCHEMA_DIR } from "./json-schemas";
import type { PlanClients } from "./plan-command";

/** The schema line the bundled examples start with, relative to the file, so editors validate it. */
export function schemaLine(outputPath: string): string {
  const schema = relative(dirname(resolve(outputPath)), join(SCHEMA_DIR, "scenario.schema.json"));
  return `# yaml-language-server: $schema=${schema.split(sep).join("/")}`;
}

const ALARMS_TAG = "fleet-upgrade:alarms";

class ScenarioExportError extends Error {
  override readonly name = "ScenarioExportError";
}

type ExportClients = Pick<PlanClients, "autoscaling" | "ec2" | "ssm" | "cloudwatch" | "iam">;

async function managedInstanceIds(clients: ExportClients): Promise<Set<string>> {
  const ids = new Set<string>();
  const pages = paginateDescribeInstanceInformation({ client: clients.ssm }, { MaxResults: 50 });
  for await (const page of pages)
    for (const info of page.InstanceInformationList ?? []) if (info.InstanceId) ids.add(info.InstanceId);
  return ids;
}

async function inventoriedInstanceIds(clients: ExportClients): Promise<Set<string>> {
  const ids = new Set<string>();
  const pages = paginateGetInventory(
    { client: clients.ssm },
    { MaxResults: 50, ResultAttributes: [{ TypeName: "AWS:InstanceInformation" }] },
  );
  for await (const page of pages) for (const entity of page.Entities ?? []) if (entity.Id) ids.add(entity.Id);
  return ids;
}

/** "2" for an AL2 image name, "2023" for an AL2023 one (the names AWS publishes). */
function platformVersionOf(name: string): string {
  return name.startsWith("al2023-") ? "2023" : "2";
}

/** The kernel a public Amazon Linux image name carries (kernel-6.1 → 6.1), or "unknown". */
function kernelOf(name: string): string {
  return /kernel-([0-9]+\.[0-9]+)/.exec(name)?.[1] ?? "unknown";
}

/** A base64 user data as plain text (EC2 serves it base64). */
function decodeUserData(data: string | undefined): string | undefined {
  return data === undefined ? undefined : Buffer.from(data, "base64").toString("utf8");
}

/** The role of the template version's instance profile (named by name or ARN), if it names one. */
async function roleOfProfile(
  clients: ExportClients,
  version: LaunchTemplateVersion,
): Promise<string | undefined> {
  const profile = version.LaunchTemplateData?.IamInstanceProfile;
  const ref = profile?.Name ?? profile?.Arn;
  if (!ref) return undefined;
  return (await instanceProfileRole(clients.iam, ref)) ?? undefined;
}

const tagRecord = (tags: { Key?: string; Value?: string }[] | undefined): Record<string, string> =>
  Object.fromEntries((tags ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key, t.Value ?? ""]));

/**
 * Reads the account (read calls only) and builds a scenario file (CONTRACTS section 3) that the
 * simulator can rehearse: groups, templates, tags, warmups, target groups, alarms, metrics
 * collection, inventory, standalone instances and the public AL2023 images of the target tracks.
 */
export async function exportScenario(
  clients: ExportClients,
  options: {
    outputPath: string;
    region: string;
    request: RunRequest;
    rawRequest: Record<string, unknown>;
    now: Date;
  },
): Promise<string> {
  const groups = await describeAllAutoScalingGroups(clients.autoscaling);
  const managed = await managedInstanceIds(clients);
  const inventoried = await inventoriedInstanceIds(clients);

  const templateIds = new Set<string>();
  for (const group of groups)
    if (group.LaunchTemplate?.LaunchTemplateId) templateIds.add(group.LaunchTemplate.LaunchTemplateId);
  const templateTags = new Map<string, Record<string, string>>();
  if (templateIds.size > 0) {
    const out = await clients.ec2.send(
      new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [...templateIds] }),
    );
    for (const t of out.LaunchTemplates ?? [])
      if (t.LaunchTemplateId) templateTags.set(t.LaunchTemplateId, tagRecord(t.Tags));
  }

  const imageIds = new Set<string>();
  const scenarioGroups: Record<string, unknown>[] = [];
  const alarmNames = new Set<string>(options.request.health?.alarms ?? []);
  const groupInstanceIds = new Set<string>();
  for (const group of groups) {
    const name = group.AutoScalingGroupName ?? "";
    const spec = group.LaunchTemplate;
    if (!spec?.LaunchTemplateId) {
      throw new ScenarioExportError(
        `group ${name} runs from ${group.LaunchConfigurationName ? `launch configuration ${group.LaunchConfigurationName}` : "a mixed instances policy"}: the export models launch templates only`,
      );
    }
    const version = spec.Version ?? "$Default";
    const out = await clients.ec2.send(
      new DescribeLaunchTemplateVersionsCommand({
        LaunchTemplateId: spec.LaunchTemplateId,
        Versions: [version],
      }),
    );
    const found = out.LaunchTemplateVersions?.[0];
    const imageId = found?.LaunchTemplateData?.ImageId;
    if (found === undefined || imageId === undefined) {
      throw new ScenarioExportError(
        `launch template ${spec.LaunchTemplateId} version ${version} of group ${name} names no image`,
      );
    }
    imageIds.add(imageId);
    const tags = tagRecord(group.Tags);
    for (const alarm of (tags[ALARMS_TAG] ?? "").split(",")) if (alarm.trim()) alarmNames.add(alarm.trim());
    const instances = (group.Instances ?? []).map((i) => i.InstanceId ?? "");
    for (const id of instances) groupInstanceIds.add(id);
    const userData = decodeUserData(found.LaunchTemplateData?.UserData);
    const role = await roleOfProfile(clients, found);
    scenarioGroups.push({
      name,
      desired: group.DesiredCapacity ?? 0,
      min: group.MinSize ?? 0,
      max: group.MaxSize ?? 0,
      launchTemplate: {
        name: spec.LaunchTemplateName ?? found.LaunchTemplateName ?? spec.LaunchTemplateId,
        version: /^[0-9]+$/.test(version) ? Number(version) : version,
        imageId,
        tags: templateTags.get(spec.LaunchTemplateId) ?? {},
        ...(userData !== undefined && { userData }),
        ...(role !== undefined && { instanceProfileRole: role }),
      },
      tags,
      targetGroup: (group.TargetGroupARNs?.length ?? 0) > 0,
      warmupSeconds: group.DefaultInstanceWarmup ?? group.HealthCheckGracePeriod ?? 120,
      metricsCollection: (group.EnabledMetrics?.length ?? 0) > 0,
      inventory: instances.length === 0 || instances.some((id) => inventoried.has(id)),
    });
  }

  // The public AL2023 images of the request's track for every architecture in sight.
  const groupImages =
    imageIds.size === 0
      ? []
      : ((await clients.ec2.send(new DescribeImagesCommand({ ImageIds: [...imageIds] }))).Images ?? []);
  const architectures = new Set(
    groupImages.map((i) => i.Architecture).filter((a) => a === "x86_64" || a === "arm64"),
  );
  const parameterNames = [...architectures].map((architecture) =>
    imageParameterName(options.request.image.kernel, options.request.image.flavor, architecture),
  );
  const params = new Map<string, string[]>();
  if (parameterNames.length > 0) {
    const out = await clients.ssm.send(new GetParametersCommand({ Names: parameterNames }));
    for (const p of out.Parameters ?? []) {
      if (p.Name && p.Value) params.set(p.Value, [...(params.get(p.Value) ?? []), p.Name]);
    }
  }
  const targetImages =
    params.size === 0
      ? []
      : ((await clients.ec2.send(new DescribeImagesCommand({ ImageIds: [...params.keys()] }))).Images ?? []);
  const images = [...groupImages, ...targetImages.filter((t) => !imageIds.has(t.ImageId ?? ""))].map(
    (image) => {
      const name = image.Name ?? image.ImageId ?? "";
      return {
        imageId: image.ImageId,
        name,
        platform: "Amazon Linux",
        platformVersion: platformVersionOf(name),
        kernelVersion: kernelOf(name),
        architecture: image.Architecture,
        params: params.get(image.ImageId ?? "") ?? [],
      };
    },
  );

  const alarms: Record<string, unknown>[] = [];
  if (alarmNames.size > 0) {
    const out = await clients.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [...alarmNames] }));
    const states = new Map((out.MetricAlarms ?? []).map((a) => [a.AlarmName, a.StateValue]));
    for (const name of alarmNames) {
      const state = states.get(name);
      alarms.push(state === undefined ? { name, exists: false } : { name, state });
    }
  }

  const standalone = [...managed].filter((id) => !groupInstanceIds.has(id)).length;
  const scenario = {
    name: `exported-${options.region}`,
    seed: 1,
    region: options.region,
    start: options.now.toISOString().replace(/\.\d{3}Z$/, "Z"),
    images,
    groups: scenarioGroups,
    standalone,
    alarms,
    request: options.rawRequest,
  };
  const parsed = parseScenarioObject(scenario);
  if (!parsed.ok) {
    throw new ScenarioExportError(
      `the account does not fit a scenario: ${parsed.problems.map((p) => `${p.field}: ${p.expected}`).join("; ")}`,
    );
  }
  return `${schemaLine(options.outputPath)}\n# Exported read-only by \`fleet-upgrade plan --scenario\`; rehearse with \`fleet-upgrade simulate FILE\`.\n${stringify(scenario, { aliasDuplicateObjects: false })}`;
}
