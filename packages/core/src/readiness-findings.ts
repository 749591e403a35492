import type { GroupDescription, ReadinessContext, ReadinessFinding } from "./readiness";
import { takesNewVersions } from "./readiness-pages";
import { MAX_REFRESH_ALARMS, splitRefreshAlarms } from "./refresh-alarms";
import { MANAGED_TAG_KEY } from "./stage";
import { scanUserData, USER_DATA_RULES, userDataRule } from "./user-data";

/**
 * What the preflight finds on one group, one function per part of it (launch template, refreshes,
 * alarms, instances, user data), and the phrasing its messages share. `judgeGroup` in readiness.ts
 * puts them together.
 */

export const q = (s: string): string => JSON.stringify(s);
export const shellQuote = (s: string): string =>
  /^[A-Za-z0-9_.:/=,@+-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
export const list = (items: ReadonlyArray<string>, max = 5): string =>
  items.length <= max ? items.join(", ") : `${items.slice(0, max).join(", ")} and ${items.length - max} more`;

export function templateFindings(d: GroupDescription, ctx: ReadinessContext): ReadinessFinding[] {
  const g = shellQuote(d.group);
  if (d.launch.kind === "launchConfiguration") {
    return [
      {
        code: "LAUNCH_CONFIGURATION",
        message: `group ${d.group} runs from launch configuration ${q(d.launch.name)}, not a launch template: a refresh cannot carry a new image to it`,
        remedy: `EC2 console > Launch configurations > ${d.launch.name} > Actions > Copy to launch template (tag it ${MANAGED_TAG_KEY}=${ctx.managedTagValue}), then: aws autoscaling update-auto-scaling-group --auto-scaling-group-name ${g} --launch-template LaunchTemplateName=<new template>,Version='$Latest'`,
      },
      ...refreshFindings(d),
    ];
  }
  const t = d.launch;
  const findings: ReadinessFinding[] = [];
  if (t.tags[MANAGED_TAG_KEY] !== ctx.managedTagValue) {
    const has = t.tags[MANAGED_TAG_KEY];
    findings.push({
      code: "TEMPLATE_UNTAGGED",
      message: `launch template ${t.name} (${t.id}) of group ${d.group} is ${has === undefined ? `not tagged ${MANAGED_TAG_KEY}` : `tagged ${MANAGED_TAG_KEY}=${has}`}, not ${MANAGED_TAG_KEY}=${ctx.managedTagValue}: IAM would refuse its new version`,
      remedy: `aws ec2 create-tags --resources ${t.id} --tags Key=${MANAGED_TAG_KEY},Value=${shellQuote(ctx.managedTagValue)}`,
    });
  }
  const outside = d.sharedWith.filter(takesNewVersions);
  if (outside.length > 0) {
    const names = outside.map((s) => `${s.group} (${s.versionSpec})`);
    findings.push({
      code: "TEMPLATE_SHARED",
      message: `launch template ${t.name} (${t.id}) of group ${d.group} is also used by ${list(names)}, outside this run: a new version would reach ${outside.length === 1 ? "it" : "them"} too`,
      remedy: `give ${d.group} its own template (EC2 console > Launch templates > ${t.name} > Actions > Create template from this version, then aws autoscaling update-auto-scaling-group --auto-scaling-group-name ${g} --launch-template LaunchTemplateName=<copy>,Version='$Latest'), or pin ${outside[0]?.group ?? "the other group"} to a numbered version, or add ${outside.length === 1 ? "it" : "them"} to the run`,
    });
  }
  findings.push(...refreshFindings(d));
  if (t.instanceProfileRole !== null && !ctx.fleetInstanceRoles.includes(t.instanceProfileRole)) {
    findings.push({
      code: "ROLE_NOT_PASSABLE",
      message: `the instance profile ${t.instanceProfile ? `${t.instanceProfile} ` : ""}of launch template ${t.name} (group ${d.group}) has role ${t.instanceProfileRole}, not in fleetInstanceRoles of stage ${ctx.stage} (${ctx.fleetInstanceRoles.length === 0 ? "empty" : ctx.fleetInstanceRoles.join(", ")}): iam:PassRole would be denied`,
      remedy: `add ${q(t.instanceProfileRole)} to fleetInstanceRoles in ${ctx.stageFile}, then redeploy: npx sst deploy --stage ${ctx.stage}`,
    });
  }
  return findings;
}

function refreshFindings(d: GroupDescription): ReadinessFinding[] {
  if (d.foreignRefreshes.length === 0) return [];
  const items = d.foreignRefreshes.map((r) => `${r.instanceRefreshId} (${r.status})`);
  return [
    {
      code: "FOREIGN_REFRESH",
      message: `group ${d.group} has a refresh this run did not start: ${list(items)}`,
      remedy: `wait for it to end (aws autoscaling describe-instance-refreshes --auto-scaling-group-name ${shellQuote(d.group)}), or, if nobody owns it, cancel it: aws autoscaling cancel-instance-refresh --auto-scaling-group-name ${shellQuote(d.group)}`,
    },
  ];
}

export function alarmFindings(d: GroupDescription): ReadinessFinding[] {
  const findings: ReadinessFinding[] = [];
  const g = shellQuote(d.group);
  const alarms = d.alarms.filter((a, i) => d.alarms.findIndex((b) => b.name === a.name) === i);
  const missing = alarms.filter((a) => !a.exists && a.namedBy === "tag").map((a) => a.name);
  if (missing.length > 0) {
    findings.push({
      code: "ALARM_MISSING",
      message: `alarm${missing.length === 1 ? "" : "s"} ${list(missing)} named by the fleet-upgrade:alarms tag of group ${d.group} ${missing.length === 1 ? "does" : "do"} not exist`,
      remedy: `create ${missing.length === 1 ? "it" : "them"} (CloudWatch console > Alarms > Create alarm), or fix the tag: aws autoscaling create-or-update-tags --tags ResourceId=${g},ResourceType=auto-scaling-group,Key=fleet-upgrade:alarms,Value=<existing alarm names>,PropagateAtLaunch=false`,
    });
  }
  const firing = alarms.filter((a) => a.exists && a.state === "ALARM").map((a) => a.name);
  if (firing.length > 0) {
    findings.push({
      code: "ALARM_FIRING",
      message: `alarm${firing.length === 1 ? "" : "s"} ${list(firing)} of group ${d.group} ${firing.length === 1 ? "is" : "are"} in ALARM before the upgrade`,
      remedy: `find out why and run again once it is OK: aws cloudwatch describe-alarms --alarm-names ${firing.map(shellQuote).join(" ")} --query 'MetricAlarms[].[AlarmName,StateReason]'`,
    });
  }
  const noData = alarms.filter((a) => a.exists && a.state === "INSUFFICIENT_DATA").map((a) => a.name);
  if (noData.length > 0) {
    findings.push({
      code: "ALARM_INSUFFICIENT_DATA",
      message: `alarm${noData.length === 1 ? "" : "s"} ${list(noData)} of group ${d.group} ${noData.length === 1 ? "is" : "are"} in INSUFFICIENT_DATA: AWS refuses ${noData.length === 1 ? "it" : "them"} in a refresh's AlarmSpecification, so the run leaves ${noData.length === 1 ? "it" : "them"} out and judges ${noData.length === 1 ? "it" : "them"} itself`,
      remedy: `nothing to do for the run; to let AWS watch ${noData.length === 1 ? "it" : "them"}, check the metric has data: aws cloudwatch describe-alarms --alarm-names ${noData.map(shellQuote).join(" ")} --query 'MetricAlarms[].[AlarmName,StateReason]'`,
    });
  }
  // The one rule for what a refresh's AlarmSpecification carries (what the product sends, too).
  const spec = splitRefreshAlarms(
    alarms.map((a) => a.name),
    new Map(alarms.flatMap((a) => (a.exists && a.state !== null ? [[a.name, a.state] as const] : []))),
  );
  const overflow = spec.judgedByRun.filter((j) => j.why.startsWith("beyond")).map((j) => j.name);
  if (overflow.length > 0) {
    findings.push({
      code: "TOO_MANY_ALARMS",
      message: `group ${d.group} is watched by ${spec.watched.length + overflow.length} alarms AWS could take, more than ${MAX_REFRESH_ALARMS}: ${list(spec.watched, MAX_REFRESH_ALARMS)} go to the refresh, the run judges ${list(overflow)} itself`,
      remedy: `combine them into a composite alarm (CloudWatch console > Alarms > Create composite alarm, or aws cloudwatch put-composite-alarm --alarm-name ${shellQuote(`${d.group}-health`)} --alarm-rule 'ALARM("a") OR ALARM("b")') and name that one instead`,
    });
  }
  return findings;
}

export function instanceFindings(d: GroupDescription): ReadinessFinding[] {
  const findings: ReadinessFinding[] = [];
  const g = shellQuote(d.group);
  if (!d.metricsCollectionEnabled) {
    findings.push({
      code: "METRICS_COLLECTION_OFF",
      message: `group metrics collection is off for group ${d.group} (AWS's default): the run enables it or measures capacity from DescribeAutoScalingGroups`,
      remedy: `aws autoscaling enable-metrics-collection --auto-scaling-group-name ${g} --granularity 1Minute`,
    });
  }
  if (d.instancesWithoutInventory.length > 0) {
    const ids = d.instancesWithoutInventory;
    findings.push({
      code: "NO_INVENTORY",
      message: `${ids.length} instance${ids.length === 1 ? "" : "s"} of group ${d.group} ${ids.length === 1 ? "has" : "have"} no SSM inventory data (${list(ids)}): platform and kernel unknown`,
      remedy: `gather inventory: aws ssm create-association --name AWS-GatherSoftwareInventory --targets Key=tag:aws:autoscaling:groupName,Values=${g} --schedule-expression 'rate(30 minutes)' (Systems Manager console > Inventory > Setup inventory)`,
    });
  }
  if (d.instancesNotOnline.length > 0) {
    const items = d.instancesNotOnline.map((i) => `${i.instanceId} (${i.pingStatus ?? "not registered"})`);
    findings.push({
      code: "SSM_OFFLINE",
      message: `${items.length} instance${items.length === 1 ? "" : "s"} of group ${d.group} ${items.length === 1 ? "is" : "are"} not Online in SSM: ${list(items)}`,
      remedy: `check the SSM agent runs and the instance profile has AmazonSSMManagedInstanceCore: aws ssm describe-instance-information --filters Key=InstanceIds,Values=${d.instancesNotOnline
        .slice(0, 5)
        .map((i) => i.instanceId)
        .join(",")}`,
    });
  }
  return findings;
}

export function userDataFindings(d: GroupDescription): ReadinessFinding[] {
  if (d.launch.kind !== "launchTemplate") return [];
  const hits = scanUserData(d.launch.userData);
  if (hits.length === 0) return [];
  const quoted = hits.map((h) => `${h.part === null ? "" : `part ${h.part + 1} `}line ${h.line}: ${h.text}`);
  const rules = USER_DATA_RULES.map((r) => r.id).filter((id) => hits.some((h) => h.rules.includes(id)));
  const replacements = rules.map((id) => {
    const rule = userDataRule(id);
    return rule === undefined ? id : `for ${rule.what}: ${rule.replacement}`;
  });
  return [
    {
      code: "USER_DATA_AL2",
      message: `the user data of launch template ${d.launch.name} (group ${d.group}) uses what AL2023 lacks: ${quoted.join("; ")}`,
      remedy: `edit the user data (EC2 console > Launch templates > ${d.launch.name} > Actions > Modify template (Create new version) > Advanced details > User data): ${replacements.join("; ")}`,
    },
  ];
}
