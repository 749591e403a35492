import {
  type AutoScalingClient,
  type AutoScalingGroup,
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
} from "@aws-sdk/client-auto-scaling";
import {
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  type EC2Client,
} from "@aws-sdk/client-ec2";
import type {
  AlarmDescription,
  GroupDescription,
  ReadinessReader,
  TemplateDescription,
} from "@fleet-upgrade/core";
import { isTargeted } from "./autoscaling-group-walk";
import { ClientNotGivenError } from "./errors";
import { describeAllAutoScalingGroups, GROUPS_PER_PAGE, launchTemplateSpec, templateUserOf } from "./queries";
import { chunk, mapLimit, tagsToRecord } from "./support";

export interface GroupsReaderClients {
  autoscaling: AutoScalingClient;
  ec2: EC2Client;
}

/** Calls in flight at once for per-group and per-template reads: gentle on the services' request rates. */
const CONCURRENCY = 8;
/** DescribeLaunchTemplates takes at most 200 results per page (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeLaunchTemplates.html). */
const TEMPLATES_PER_CALL = 200;
/** Refresh statuses during which StartInstanceRefresh is refused (InstanceRefreshInProgressFault). */
const ACTIVE = new Set(["Pending", "InProgress", "Cancelling", "RollbackInProgress", "Baking"]);
/** Names per DescribeAutoScalingGroups call: AWS takes at most 50 unless MaxRecords says more (aws-models/auto-scaling, AutoScalingGroupNamesType). */
const GROUP_NAMES_PER_CALL = 50;

/**
 * The groups and launch templates through Auto Scaling and EC2 alone, so a function that only looks
 * at groups bundles no IAM or CloudWatch client; {@link AwsReadinessReader} adds the profile and
 * alarm reads the full preflight needs. The preflight's read-only look at the account, in pages.
 * `scanGroups`: one DescribeAutoScalingGroups page of the account (100 groups: the targets, and who
 * else uses their templates). `describeGroups`: DescribeAutoScalingGroups by 50 names,
 * DescribeLaunchTemplates by id or name (200 a page), DescribeLaunchTemplateVersions once per
 * distinct template version, one first page of DescribeInstanceRefreshes per group (an active
 * refresh is always the newest), GetInstanceProfile once per distinct instance profile the templates
 * name, and DescribeAlarms by 100 names.
 */
export class GroupsReader implements ReadinessReader {
  constructor(protected readonly clients: GroupsReaderClients) {}

  /** The role of an instance profile: unreadable here (IAM is {@link AwsReadinessReader}'s). */
  protected async profileRole(_profile: string): Promise<string | null> {
    throw new ClientNotGivenError("iam", "GetInstanceProfile");
  }

  /** Alarm states: unreadable here (CloudWatch is {@link AwsReadinessReader}'s). */
  protected async alarmStates(_names: string[]): Promise<Map<string, AlarmDescription["state"]>> {
    throw new ClientNotGivenError("cloudwatch", "DescribeAlarms");
  }

  async scanGroups(
    input: Parameters<ReadinessReader["scanGroups"]>[0],
  ): ReturnType<ReadinessReader["scanGroups"]> {
    const out = await this.clients.autoscaling.send(
      new DescribeAutoScalingGroupsCommand({
        MaxRecords: GROUPS_PER_PAGE,
        ...(input.nextToken !== null && { NextToken: input.nextToken }),
      }),
    );
    const groups = (out.AutoScalingGroups ?? []).filter((g) => g.AutoScalingGroupName !== undefined);
    return {
      targeted: groups
        .filter((g) => isTargeted(g, input.targets))
        .map((g) => g.AutoScalingGroupName as string),
      users: groups.flatMap((g) => {
        const user = templateUserOf(g);
        return user === undefined ? [] : [{ ...user, inRun: isTargeted(g, input.targets) }];
      }),
      nextToken: out.NextToken ?? null,
    };
  }

  async describeGroups(input: Parameters<ReadinessReader["describeGroups"]>[0]): Promise<GroupDescription[]> {
    const found = new Map<string, AutoScalingGroup>();
    for (const batch of chunk([...new Set(input.names)], GROUP_NAMES_PER_CALL)) {
      for (const g of await describeAllAutoScalingGroups(this.clients.autoscaling, {
        AutoScalingGroupNames: batch,
      }))
        if (g.AutoScalingGroupName !== undefined) found.set(g.AutoScalingGroupName, g);
    }
    const targeted = input.names.flatMap((name) => found.get(name) ?? []);
    const specOf = (g: AutoScalingGroup) => launchTemplateSpec(g);
    const templateIds = [
      ...new Set(
        targeted.flatMap((g) => (specOf(g)?.LaunchTemplateId ? [specOf(g)?.LaunchTemplateId as string] : [])),
      ),
    ];
    const templateNames = [
      ...new Set(
        targeted.flatMap((g) => {
          const s = specOf(g);
          return s && s.LaunchTemplateId === undefined && s.LaunchTemplateName ? [s.LaunchTemplateName] : [];
        }),
      ),
    ];
    const templates = await this.templates(templateIds, templateNames);

    const versionKeys = [
      ...new Set(
        targeted.flatMap((g) => {
          const s = specOf(g);
          const t =
            s && templates.find((x) => x.id === s.LaunchTemplateId || x.name === s.LaunchTemplateName);
          return t ? [`${t.id}|${s?.Version ?? "$Default"}`] : [];
        }),
      ),
    ];
    const versions = new Map(
      await mapLimit(versionKeys, CONCURRENCY, async (key) => {
        const [id, version] = key.split("|") as [string, string];
        return [key, await this.version(id, version)] as const;
      }),
    );

    const profiles = [
      ...new Set([...versions.values()].flatMap((v) => (v?.instanceProfile ? [v.instanceProfile] : []))),
    ];
    const roles = new Map(
      await mapLimit(
        profiles,
        CONCURRENCY,
        async (profile) => [profile, await this.profileRole(profile)] as const,
      ),
    );

    const refreshes = await mapLimit(targeted, CONCURRENCY, (g) =>
      this.activeRefreshes(g.AutoScalingGroupName as string),
    );

    const alarmNamesOf = (g: AutoScalingGroup): AlarmDescription[] => {
      const own = (tagsToRecord(g.Tags)[input.alarmsTag] ?? "")
        .split(",")
        .map((a) => a.trim())
        .filter((a) => a !== "");
      const named: AlarmDescription[] = input.requestAlarms.map((name) => ({
        name,
        exists: false,
        state: null,
        namedBy: "request",
      }));
      for (const name of own)
        if (!named.some((a) => a.name === name))
          named.push({ name, exists: false, state: null, namedBy: "tag" });
      return named;
    };
    const states = await this.alarmStates([
      ...new Set(targeted.flatMap((g) => alarmNamesOf(g).map((a) => a.name))),
    ]);

    return targeted.map((g, index) => {
      const name = g.AutoScalingGroupName as string;
      const spec = specOf(g);
      const template =
        spec && templates.find((x) => x.id === spec.LaunchTemplateId || x.name === spec.LaunchTemplateName);
      const versionSpec = spec?.Version ?? "$Default";
      let launch: GroupDescription["launch"];
      if (template) {
        const version = versions.get(`${template.id}|${versionSpec}`);
        launch = {
          kind: "launchTemplate",
          id: template.id,
          name: template.name,
          versionSpec,
          tags: template.tags,
          instanceProfile: version?.instanceProfile ?? null,
          instanceProfileRole: version?.instanceProfile ? (roles.get(version.instanceProfile) ?? null) : null,
          userData: version?.userData ?? null,
        } satisfies TemplateDescription;
      } else {
        launch = { kind: "launchConfiguration", name: g.LaunchConfigurationName ?? "(none)" };
      }
      const sharedWith = template
        ? input.users
            .filter(
              (other) =>
                other.groupName !== name &&
                (other.launchTemplateId === template.id || other.launchTemplateName === template.name),
            )
            .map((other) => ({ group: other.groupName, versionSpec: other.version, inRun: other.inRun }))
        : [];
      const facts = input.instances[name] ?? { withoutInventory: [], notOnline: [] };
      return {
        group: name,
        launch,
        sharedWith,
        foreignRefreshes: refreshes[index] ?? [],
        alarms: alarmNamesOf(g).map((a) => {
          const state = states.get(a.name);
          return state === undefined ? a : { ...a, exists: true, state };
        }),
        metricsCollectionEnabled: (g.EnabledMetrics ?? []).length > 0,
        instancesWithoutInventory: facts.withoutInventory,
        instancesNotOnline: facts.notOnline,
      };
    });
  }

  private async templates(
    ids: string[],
    names: string[],
  ): Promise<{ id: string; name: string; tags: Record<string, string> }[]> {
    const found: { id: string; name: string; tags: Record<string, string> }[] = [];
    const requests = [
      ...chunk(ids, TEMPLATES_PER_CALL).map((LaunchTemplateIds) => ({ LaunchTemplateIds })),
      ...chunk(names, TEMPLATES_PER_CALL).map((LaunchTemplateNames) => ({ LaunchTemplateNames })),
    ];
    for (const request of requests) {
      const out = await this.clients.ec2.send(new DescribeLaunchTemplatesCommand(request));
      for (const t of out.LaunchTemplates ?? []) {
        if (t.LaunchTemplateId === undefined) continue;
        found.push({ id: t.LaunchTemplateId, name: t.LaunchTemplateName ?? "", tags: tagsToRecord(t.Tags) });
      }
    }
    return found;
  }

  private async version(
    launchTemplateId: string,
    version: string,
  ): Promise<{ userData: string | null; instanceProfile: string | null } | undefined> {
    const out = await this.clients.ec2.send(
      new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: launchTemplateId, Versions: [version] }),
    );
    const data = out.LaunchTemplateVersions?.[0]?.LaunchTemplateData;
    if (data === undefined) return undefined;
    const profile = data.IamInstanceProfile;
    // A template names its profile by name or by ARN (arn:aws:iam::<account>:instance-profile/<path>/<name>);
    // a name holds no "/", so the ARN's last segment is the name.
    const profileName = profile?.Name ?? profile?.Arn?.split("/").pop() ?? null;
    return { userData: data.UserData ?? null, instanceProfile: profileName || null };
  }

  private async activeRefreshes(groupName: string): Promise<{ instanceRefreshId: string; status: string }[]> {
    const out = await this.clients.autoscaling.send(
      new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: groupName, MaxRecords: 10 }),
    );
    return (out.InstanceRefreshes ?? []).flatMap((r) =>
      r.InstanceRefreshId !== undefined && r.Status !== undefined && ACTIVE.has(r.Status)
        ? [{ instanceRefreshId: r.InstanceRefreshId, status: r.Status }]
        : [],
    );
  }
}
