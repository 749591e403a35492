import { MANAGED_TAG_KEY, type ScenarioGroup } from "@fleet-upgrade/core";
import type { World } from "../world";
import { createGroupInstance } from "./lifecycle";
import { ACCOUNT_ID, AMAZON_OWNER_ID, type GroupState, type RefreshState } from "./types";

/** Seeding: the account a scenario describes (images, parameters, alarms, groups, standalone instances). */

const DAY_MS = 86_400_000;

/** Fills a new world from its scenario. */
export function seedWorld(world: World): void {
  const start = world.now();
  for (const image of world.scenario.images) {
    world.images.set(image.imageId, {
      imageId: image.imageId,
      name: image.name,
      description: image.name,
      architecture: image.architecture,
      platform: image.platform,
      platformVersion: image.platformVersion,
      kernelVersion: image.kernelVersion,
      state: "available",
      creationMs: creationFromName(image.name) ?? start - 30 * DAY_MS,
      ownerId: AMAZON_OWNER_ID,
      tags: {},
      stig: null,
      fips: false,
      sourceInstanceId: null,
    });
    for (const name of image.params) {
      world.parameters.set(name, { name, value: image.imageId, version: 1, lastModifiedMs: start - DAY_MS });
    }
  }
  for (const alarm of world.scenario.alarms) {
    if (!alarm.exists) {
      world.absentAlarms.add(alarm.name);
      continue;
    }
    world.ensureAlarm(alarm.name);
    const state = world.alarms.get(alarm.name);
    if (state !== undefined && alarm.state !== "OK") {
      state.state = alarm.state;
      state.reason =
        alarm.state === "ALARM"
          ? "Threshold Crossed: the scenario starts with this alarm in ALARM."
          : "Insufficient Data: 1 datapoint was unknown (the metric is sparse).";
    }
  }
  for (const group of world.scenario.groups) buildGroup(world, group);
  const al2 =
    world.scenario.images.find((image) => image.platformVersion === "2") ?? world.scenario.images[0];
  if (al2 !== undefined) {
    for (let i = 0; i < world.scenario.standalone; i++) {
      const instance = world.createInstance(al2.imageId, {
        instanceType: "t3.medium",
        launchMs: start - 90 * DAY_MS,
        reservationId: world.ids.reservationId(),
        tags: { Name: `standalone-${i + 1}` },
      });
      instance.state = "running";
      instance.ping = "Online";
      world.fleetVersion++;
    }
  }
  for (const name of world.scenario.faults.foreignRefresh) {
    const group = world.groups.get(name);
    if (group !== undefined) addForeignRefresh(world, group);
  }
  for (const group of world.groups.values()) {
    for (const alarm of (group.tags["fleet-upgrade:alarms"] ?? "").split(","))
      world.ensureAlarm(alarm.trim());
    if (group.onNewImage.alarm !== undefined) world.ensureAlarm(group.onNewImage.alarm);
  }
  const health = (world.scenario.request as { health?: { alarms?: unknown } }).health;
  if (Array.isArray(health?.alarms)) {
    for (const alarm of health.alarms) if (typeof alarm === "string") world.ensureAlarm(alarm);
  }
}

function buildGroup(world: World, spec: ScenarioGroup): void {
  const start = world.now();
  const count = typeof spec.launchTemplate.version === "number" ? spec.launchTemplate.version : 1;
  let template = world.templatesByName.get(spec.launchTemplate.name);
  if (template === undefined) {
    template = {
      id: world.ids.launchTemplateId(),
      name: spec.launchTemplate.name,
      versions: [],
      defaultVersion: count,
      createMs: start - 60 * DAY_MS,
      tokens: new Map(),
      tags: { ...(spec.launchTemplate.tags ?? {}) },
      userData: spec.launchTemplate.userData ?? null,
      instanceProfileRole: spec.launchTemplate.instanceProfileRole ?? null,
    };
    world.templates.set(template.id, template);
    world.templatesByName.set(template.name, template);
  }
  // Untagged in the scenario: the template carries the managed tag when any of its groups has it.
  const managedValue = spec.tags[MANAGED_TAG_KEY];
  if (spec.launchTemplate.tags === undefined && managedValue !== undefined) {
    template.tags[MANAGED_TAG_KEY] = managedValue;
  }
  for (let v = template.versions.length + 1; v <= count; v++) {
    template.versions.push({
      number: v,
      imageRef: spec.launchTemplate.imageId,
      description: null,
      createMs: start - (60 - v) * DAY_MS,
      instanceType: "m6i.large",
    });
  }
  if (typeof spec.launchTemplate.version === "number") {
    template.defaultVersion = Math.max(template.defaultVersion, count);
  }
  const versionSpec = String(spec.launchTemplate.version);
  const groupId = world.ids.uuid();
  const arn = `arn:aws:autoscaling:${world.region}:${ACCOUNT_ID}:autoScalingGroup:${groupId}:autoScalingGroupName/${spec.name}`;
  const group: GroupState = {
    name: spec.name,
    arn,
    desired: spec.desired,
    min: spec.min,
    max: spec.max,
    template,
    versionSpec,
    tags: { ...spec.tags },
    targetGroupArn: spec.targetGroup
      ? `arn:aws:elasticloadbalancing:${world.region}:${ACCOUNT_ID}:targetgroup/${spec.name.slice(0, 24)}-tg/${world.ids.hex(16)}`
      : null,
    launchSeconds: spec.launchSeconds,
    warmupSeconds: spec.warmupSeconds,
    onNewImage: spec.onNewImage,
    baseImageId: "",
    members: new Set(),
    inServiceHealthy: 0,
    timelineMs: [],
    timelineValue: [],
    minHealthyPercentSeen: 100,
    refreshes: [],
    createdMs: start - 60 * DAY_MS,
    availabilityZones: [`${world.region}a`, `${world.region}b`, `${world.region}c`],
    metricsEnabledMs: spec.metricsCollection ? start - 60 * DAY_MS : null,
    inventory: spec.inventory,
    launchConfiguration: spec.launchConfiguration,
  };
  group.baseImageId =
    world.resolveImageRef(world.versionOf(group)?.imageRef ?? spec.launchTemplate.imageId) ?? "";
  world.groups.set(group.name, group);
  if (group.targetGroupArn !== null) world.targetGroups.set(group.targetGroupArn, group);
  const version = world.resolveVersion(template, versionSpec);
  for (let i = 0; i < spec.desired; i++) {
    const instance = createGroupInstance(world, group, version ?? 1, start - 7 * DAY_MS);
    instance.state = "running";
    instance.ping = "Online";
    world.fleetVersion++;
    instance.lifecycle = "InService";
    instance.healthy = true;
    group.inServiceHealthy++;
  }
  world.recordTimeline(group);
}

function addForeignRefresh(world: World, group: GroupState): void {
  const refresh: RefreshState = {
    id: world.ids.refreshId(),
    groupName: group.name,
    status: "InProgress",
    statusReason: "Waiting for checkpoint to be reached (the refresh was started outside this run).",
    startMs: world.now() - 3_600_000,
    endMs: null,
    percentageComplete: 0,
    instancesToUpdate: group.desired,
    preferences: {
      MinHealthyPercentage: 90,
      MaxHealthyPercentage: 100,
      CheckpointPercentages: [10, 100],
      CheckpointDelay: 172_800,
      SkipMatching: false,
      AutoRollback: false,
      ScaleInProtectedInstances: "Ignore",
      StandbyInstances: "Ignore",
      BakeTime: 0,
    },
    desiredConfiguration: null,
    foreign: true,
    targetVersion: null,
    fromVersionSpec: group.versionSpec,
    rollback: null,
    timers: new Set(),
    batchIds: [],
  };
  group.refreshes.push(refresh);
}

/** AMI names carry their release date (`...-2.0.20260101-...`, `al2023-ami-2023.9.20261110.0-...`). */
function creationFromName(name: string): number | undefined {
  const match = /(20\d{2})(\d{2})(\d{2})/.exec(name);
  if (match === null) return undefined;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return Number.isNaN(ms) ? undefined : ms;
}
