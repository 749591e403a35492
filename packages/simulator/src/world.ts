import { MANAGED_TAG_KEY, type OnNewImage, type Scenario, type ScenarioGroup } from "@fleet-upgrade/core";
import type { ModelViolation } from "./model-validation";
import { IdFactory, Random } from "./random";
import { VirtualClock } from "./virtual-clock";

/** The simulated account's state and the mechanics every service shares. Internal to the package. */

export const ACCOUNT_ID = "123456789012";
/** Owner of the public Amazon Linux images. */
export const AMAZON_OWNER_ID = "137112412989";
const DAY_MS = 86_400_000;

export interface ImageState {
  imageId: string;
  name: string;
  description: string;
  architecture: "x86_64" | "arm64";
  platform: string;
  platformVersion: string;
  kernelVersion: string;
  state: "pending" | "available";
  creationMs: number;
  ownerId: string;
  tags: Record<string, string>;
  /** STIG level applied on the instance the image was made from (lowercase), or null. */
  stig: string | null;
  fips: boolean;
  sourceInstanceId: string | null;
}

export interface ParameterState {
  name: string;
  value: string;
  version: number;
  lastModifiedMs: number;
}

export interface TemplateVersion {
  number: number;
  imageRef: string;
  description: string | null;
  createMs: number;
  instanceType: string;
}

export interface TemplateState {
  id: string;
  name: string;
  versions: TemplateVersion[];
  defaultVersion: number;
  createMs: number;
  /** ClientToken -> version number (CreateLaunchTemplateVersion is idempotent by token). */
  tokens: Map<string, number>;
  tags: Record<string, string>;
  /** Plain-text user data of every version (EC2 serves it base64). */
  userData: string | null;
  /** The role of the template's instance profile, if it names one. */
  instanceProfileRole: string | null;
}

export type Ec2StateName = "pending" | "running" | "shutting-down" | "terminated";
export type Lifecycle = "Pending" | "InService" | "Terminating" | "Terminated";

export interface InstanceState {
  instanceId: string;
  imageId: string;
  instanceType: string;
  architecture: "x86_64" | "arm64";
  platformName: string;
  platformVersion: string;
  kernelVersion: string;
  state: Ec2StateName;
  lifecycle: Lifecycle | null;
  healthy: boolean;
  groupName: string | null;
  launchTemplate: { id: string; name: string; version: string } | null;
  launchMs: number;
  /** When it was terminated (its metrics stop there); absent while it lives. */
  terminatedMs?: number;
  ping: "Online" | "ConnectionLost" | null;
  lastPingMs: number;
  stig: string | null;
  fips: boolean;
  /** Launched in a group from an image other than the group's scenario image. */
  newImage: boolean;
  reservationId: string;
  privateIp: string;
  availabilityZone: string;
  tags: Record<string, string>;
  /** Has an SSM inventory association (GetInventory reports it). */
  inventory: boolean;
}

export type RefreshStatus =
  | "Pending"
  | "InProgress"
  | "Successful"
  | "Failed"
  | "Cancelling"
  | "Cancelled"
  | "RollbackInProgress"
  | "RollbackFailed"
  | "RollbackSuccessful"
  | "Baking";

export const ACTIVE_REFRESH_STATUSES: ReadonlySet<RefreshStatus> = new Set([
  "Pending",
  "InProgress",
  "Cancelling",
  "RollbackInProgress",
  "Baking",
]);

export interface RefreshPreferencesState {
  MinHealthyPercentage: number;
  MaxHealthyPercentage: number;
  InstanceWarmup?: number;
  CheckpointPercentages?: number[];
  CheckpointDelay: number;
  SkipMatching: boolean;
  AutoRollback: boolean;
  ScaleInProtectedInstances: string;
  StandbyInstances: string;
  AlarmSpecification?: { Alarms: string[] };
  BakeTime: number;
}

export interface RefreshState {
  id: string;
  groupName: string;
  status: RefreshStatus;
  statusReason: string | null;
  startMs: number;
  endMs: number | null;
  percentageComplete: number;
  instancesToUpdate: number;
  preferences: RefreshPreferencesState;
  desiredConfiguration: {
    LaunchTemplate: { LaunchTemplateId: string; LaunchTemplateName: string; Version: string };
  } | null;
  /** Started by someone other than this run (scenario fault): never advances on its own. */
  foreign: boolean;
  targetVersion: number | null;
  /** The group's version spec when the refresh started (what a rollback returns to). */
  fromVersionSpec: string;
  rollback: {
    reason: string;
    startMs: number;
    percentageCompleteOnRollback: number;
    instancesToUpdateOnRollback: number;
    total: number;
    done: number;
  } | null;
  // Engine state.
  timers: Set<number>;
  batchIds: string[];
}

export interface GroupState {
  name: string;
  arn: string;
  desired: number;
  min: number;
  max: number;
  template: TemplateState;
  versionSpec: string;
  tags: Record<string, string>;
  targetGroupArn: string | null;
  launchSeconds: number;
  warmupSeconds: number;
  onNewImage: OnNewImage;
  /** The image the scenario gives the group: anything else is "the new image". */
  baseImageId: string;
  /** Live instances (pending or in service), in launch order. */
  members: Set<string>;
  inServiceHealthy: number;
  timelineMs: number[];
  timelineValue: number[];
  minHealthyPercentSeen: number;
  refreshes: RefreshState[];
  createdMs: number;
  availabilityZones: string[];
  /** Group metrics go to CloudWatch from this time on (EnableMetricsCollection); null: collection off. */
  metricsEnabledMs: number | null;
  /** Instances have an SSM inventory association. */
  inventory: boolean;
  /** Runs from a launch configuration (named after the scenario's template), not a launch template. */
  launchConfiguration: boolean;
}

export type AlarmStateValue = "OK" | "ALARM" | "INSUFFICIENT_DATA";

export interface AlarmState {
  name: string;
  arn: string;
  state: AlarmStateValue;
  reason: string;
  updatedMs: number;
}

export interface InvocationState {
  instanceId: string;
  status: string;
  statusDetails: string;
  stdout: string;
  stderr: string;
  responseCode: number;
  startMs: number | null;
  endMs: number | null;
}

export interface CommandState {
  commandId: string;
  documentName: string;
  comment: string;
  parameters: Record<string, string[]>;
  instanceIds: string[];
  requestedMs: number;
  timeoutSeconds: number;
  invocations: Map<string, InvocationState>;
}

/** EventBridge event for an instance refresh, exactly as `aws.autoscaling` sends it. */
export interface RefreshEvent {
  version: "0";
  id: string;
  "detail-type": RefreshEventType;
  source: "aws.autoscaling";
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: {
    InstanceRefreshId: string;
    AutoScalingGroupName: string;
    CheckpointPercentage?: string;
    CheckpointDelay?: string;
  };
}

export type RefreshEventType =
  | "EC2 Auto Scaling Instance Refresh Started"
  | "EC2 Auto Scaling Instance Refresh Checkpoint Reached"
  | "EC2 Auto Scaling Instance Refresh Started Baking"
  | "EC2 Auto Scaling Instance Refresh Succeeded"
  | "EC2 Auto Scaling Instance Refresh Failed"
  | "EC2 Auto Scaling Instance Refresh Cancelled"
  | "EC2 Auto Scaling Instance Refresh Rollback Started"
  | "EC2 Auto Scaling Instance Refresh Rollback Succeeded"
  | "EC2 Auto Scaling Instance Refresh Rollback Failed";

export type ProgressKind =
  | "refresh-started"
  | "instances-replaced"
  | "checkpoint"
  | "refresh-succeeded"
  | "refresh-failed"
  | "refresh-cancelled"
  | "rollback-started"
  | "rollback-progress"
  | "rollback-succeeded"
  | "rollback-failed";

/** A message published to a simulated SNS topic. */
export interface PublishedMessage {
  atMs: number;
  topicArn: string;
  subject: string | null;
  message: string;
}

/** A progress notice for a live display. */
export interface ProgressEvent {
  atMs: number;
  group: string;
  kind: ProgressKind;
  instanceRefreshId: string;
  percentComplete: number;
  replaced: number;
  desired: number;
}

export interface LaunchHooks {
  onFailed?: (ids: string[]) => void;
  onHealthy?: (ids: string[]) => void;
}

/** EventBridge prints whole seconds. */
export function eventTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export class World {
  readonly clock: VirtualClock;
  readonly ids: IdFactory;
  readonly faultRng: Random;
  readonly eventRng: Random;
  readonly requestRng: Random;
  readonly region: string;
  readonly accountId = ACCOUNT_ID;
  readonly images = new Map<string, ImageState>();
  readonly parameters = new Map<string, ParameterState>();
  readonly templates = new Map<string, TemplateState>();
  readonly templatesByName = new Map<string, TemplateState>();
  readonly instances = new Map<string, InstanceState>();
  readonly groups = new Map<string, GroupState>();
  readonly targetGroups = new Map<string, GroupState>();
  readonly alarms = new Map<string, AlarmState>();
  /** Alarms the scenario says do not exist (`exists: false`): never created by a name elsewhere. */
  readonly absentAlarms = new Set<string>();
  readonly commands: CommandState[] = [];
  readonly commandsById = new Map<string, CommandState>();
  /** Instance id -> the commands sent to it, oldest first. */
  readonly commandsByInstance = new Map<string, CommandState[]>();
  readonly reservationsByToken = new Map<string, { reservationId: string; instanceIds: string[] }>();
  readonly apiCalls = new Map<string, number>();
  /** Requests the API models refused. */
  readonly modelViolations: ModelViolation[] = [];
  readonly deliveredEvents: RefreshEvent[] = [];
  readonly eventListeners = new Set<(event: RefreshEvent) => void>();
  readonly progressListeners = new Set<(event: ProgressEvent) => void>();
  /** Messages published to SNS topics, in order. */
  readonly notifications: PublishedMessage[] = [];
  readonly notificationListeners = new Set<(message: PublishedMessage) => void>();
  private ipCounter = 10;
  /**
   * Bumped whenever an instance may join or leave what SSM manages (its ping turns non-null, or it
   * terminates): SSM's fleet listings cache on it instead of scanning every instance per page.
   */
  fleetVersion = 0;
  /** Creation order of every instance (the order the account lists them in). */
  readonly instanceOrder = new Map<string, number>();

  constructor(readonly scenario: Scenario) {
    const startMs = Date.parse(scenario.start);
    this.clock = new VirtualClock(startMs);
    this.ids = new IdFactory(scenario.seed);
    this.faultRng = Random.derive(scenario.seed, "faults");
    this.eventRng = Random.derive(scenario.seed, "events");
    this.requestRng = Random.derive(scenario.seed, "requests");
    this.region = scenario.region;
    this.build();
  }

  now(): number {
    return this.clock.now();
  }

  // --- construction -------------------------------------------------------------------------------

  private build(): void {
    const start = this.now();
    for (const image of this.scenario.images) {
      this.images.set(image.imageId, {
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
        this.parameters.set(name, { name, value: image.imageId, version: 1, lastModifiedMs: start - DAY_MS });
      }
    }
    for (const alarm of this.scenario.alarms) {
      if (!alarm.exists) {
        this.absentAlarms.add(alarm.name);
        continue;
      }
      this.ensureAlarm(alarm.name);
      const state = this.alarms.get(alarm.name);
      if (state !== undefined && alarm.state !== "OK") {
        state.state = alarm.state;
        state.reason =
          alarm.state === "ALARM"
            ? "Threshold Crossed: the scenario starts with this alarm in ALARM."
            : "Insufficient Data: 1 datapoint was unknown (the metric is sparse).";
      }
    }
    for (const group of this.scenario.groups) this.buildGroup(group);
    const al2 =
      this.scenario.images.find((image) => image.platformVersion === "2") ?? this.scenario.images[0];
    if (al2 !== undefined) {
      for (let i = 0; i < this.scenario.standalone; i++) {
        const instance = this.createInstance(al2.imageId, {
          instanceType: "t3.medium",
          launchMs: start - 90 * DAY_MS,
          reservationId: this.ids.reservationId(),
          tags: { Name: `standalone-${i + 1}` },
        });
        instance.state = "running";
        instance.ping = "Online";
        this.fleetVersion++;
      }
    }
    for (const name of this.scenario.faults.foreignRefresh) {
      const group = this.groups.get(name);
      if (group !== undefined) this.addForeignRefresh(group);
    }
    for (const group of this.groups.values()) {
      for (const alarm of (group.tags["fleet-upgrade:alarms"] ?? "").split(","))
        this.ensureAlarm(alarm.trim());
      if (group.onNewImage.alarm !== undefined) this.ensureAlarm(group.onNewImage.alarm);
    }
    const health = (this.scenario.request as { health?: { alarms?: unknown } }).health;
    if (Array.isArray(health?.alarms)) {
      for (const alarm of health.alarms) if (typeof alarm === "string") this.ensureAlarm(alarm);
    }
  }

  private buildGroup(spec: ScenarioGroup): void {
    const start = this.now();
    const count = typeof spec.launchTemplate.version === "number" ? spec.launchTemplate.version : 1;
    let template = this.templatesByName.get(spec.launchTemplate.name);
    if (template === undefined) {
      template = {
        id: this.ids.launchTemplateId(),
        name: spec.launchTemplate.name,
        versions: [],
        defaultVersion: count,
        createMs: start - 60 * DAY_MS,
        tokens: new Map(),
        tags: { ...(spec.launchTemplate.tags ?? {}) },
        userData: spec.launchTemplate.userData ?? null,
        instanceProfileRole: spec.launchTemplate.instanceProfileRole ?? null,
      };
      this.templates.set(template.id, template);
      this.templatesByName.set(template.name, template);
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
    const groupId = this.ids.uuid();
    const arn = `arn:aws:autoscaling:${this.region}:${ACCOUNT_ID}:autoScalingGroup:${groupId}:autoScalingGroupName/${spec.name}`;
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
        ? `arn:aws:elasticloadbalancing:${this.region}:${ACCOUNT_ID}:targetgroup/${spec.name.slice(0, 24)}-tg/${this.ids.hex(16)}`
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
      availabilityZones: [`${this.region}a`, `${this.region}b`, `${this.region}c`],
      metricsEnabledMs: spec.metricsCollection ? start - 60 * DAY_MS : null,
      inventory: spec.inventory,
      launchConfiguration: spec.launchConfiguration,
    };
    group.baseImageId =
      this.resolveImageRef(this.versionOf(group)?.imageRef ?? spec.launchTemplate.imageId) ?? "";
    this.groups.set(group.name, group);
    if (group.targetGroupArn !== null) this.targetGroups.set(group.targetGroupArn, group);
    const version = this.resolveVersion(template, versionSpec);
    for (let i = 0; i < spec.desired; i++) {
      const instance = this.createGroupInstance(group, version ?? 1, start - 7 * DAY_MS);
      instance.state = "running";
      instance.ping = "Online";
      this.fleetVersion++;
      instance.lifecycle = "InService";
      instance.healthy = true;
      group.inServiceHealthy++;
    }
    this.recordTimeline(group);
  }

  private addForeignRefresh(group: GroupState): void {
    const refresh: RefreshState = {
      id: this.ids.refreshId(),
      groupName: group.name,
      status: "InProgress",
      statusReason: "Waiting for checkpoint to be reached (the refresh was started outside this run).",
      startMs: this.now() - 3_600_000,
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

  ensureAlarm(name: string): void {
    if (name === "" || this.alarms.has(name) || this.absentAlarms.has(name)) return;
    this.alarms.set(name, {
      name,
      arn: `arn:aws:cloudwatch:${this.region}:${ACCOUNT_ID}:alarm:${name}`,
      state: "OK",
      reason: "Threshold Crossed: no datapoints were breaching the threshold.",
      updatedMs: this.now(),
    });
  }

  // --- templates and images -----------------------------------------------------------------------

  /** The numbered version a spec ("3", "$Latest", "$Default") names, if it exists. */
  resolveVersion(template: TemplateState, spec: string): number | undefined {
    if (spec === "$Latest") return template.versions.length;
    if (spec === "$Default") return template.defaultVersion;
    if (!/^[1-9][0-9]*$/.test(spec)) return undefined;
    const n = Number(spec);
    return n <= template.versions.length ? n : undefined;
  }

  versionOf(group: GroupState): TemplateVersion | undefined {
    const n = this.resolveVersion(group.template, group.versionSpec);
    return n === undefined ? undefined : group.template.versions[n - 1];
  }

  /** An AMI id, or the value of the parameter a `resolve:ssm:` reference names. */
  resolveImageRef(ref: string): string | undefined {
    if (!ref.startsWith("resolve:ssm:")) return ref;
    return this.parameters.get(ref.slice("resolve:ssm:".length))?.value;
  }

  // --- instances ----------------------------------------------------------------------------------

  createInstance(
    imageId: string,
    options: { instanceType: string; launchMs: number; reservationId: string; tags: Record<string, string> },
  ): InstanceState {
    const image = this.images.get(imageId);
    const n = this.ipCounter++;
    const instance: InstanceState = {
      instanceId: this.ids.instanceId(),
      imageId,
      instanceType: options.instanceType,
      architecture: image?.architecture ?? "x86_64",
      platformName: image?.platform ?? "Amazon Linux",
      platformVersion: image?.platformVersion ?? "2",
      kernelVersion: image?.kernelVersion ?? "",
      state: "pending",
      lifecycle: null,
      healthy: false,
      groupName: null,
      launchTemplate: null,
      launchMs: options.launchMs,
      ping: null,
      lastPingMs: options.launchMs,
      stig: image?.stig ?? null,
      fips: image?.fips ?? false,
      newImage: false,
      reservationId: options.reservationId,
      privateIp: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
      availabilityZone: `${this.region}${"abc"[n % 3]}`,
      tags: { ...options.tags },
      inventory: true,
    };
    this.instanceOrder.set(instance.instanceId, this.instanceOrder.size);
    this.instances.set(instance.instanceId, instance);
    return instance;
  }

  private createGroupInstance(group: GroupState, version: number, launchMs: number): InstanceState {
    const ref = group.template.versions[version - 1]?.imageRef ?? group.baseImageId;
    const imageId = this.resolveImageRef(ref) ?? group.baseImageId;
    const instance = this.createInstance(imageId, {
      instanceType: group.template.versions[version - 1]?.instanceType ?? "m6i.large",
      launchMs,
      reservationId: this.ids.reservationId(),
      tags: { "aws:autoscaling:groupName": group.name },
    });
    instance.groupName = group.name;
    instance.inventory = group.inventory;
    instance.lifecycle = "Pending";
    instance.launchTemplate = { id: group.template.id, name: group.template.name, version: String(version) };
    instance.newImage = imageId !== group.baseImageId;
    group.members.add(instance.instanceId);
    return instance;
  }

  /**
   * Launches `count` instances into a group from a numbered version: Pending now, running after the
   * group's launch time, in service and healthy after `warmupSeconds` more. Timer ids go to `timers`.
   */
  launchIntoGroup(
    group: GroupState,
    count: number,
    version: number,
    warmupSeconds: number,
    timers: Set<number>,
    hooks: LaunchHooks = {},
  ): string[] {
    const start = this.now();
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push(this.createGroupInstance(group, version, start).instanceId);
    if (ids.length === 0) return ids;
    const failing =
      group.onNewImage.failLaunch === true && this.instances.get(ids[0] as string)?.newImage === true;
    const runningAt = start + group.launchSeconds * 1000;
    const running = this.clock.schedule(
      runningAt,
      () => {
        timers.delete(running);
        if (failing) {
          for (const id of ids) this.terminate(id);
          hooks.onFailed?.(ids);
          return;
        }
        for (const id of ids) {
          const instance = this.instances.get(id);
          if (instance === undefined || instance.state !== "pending") continue;
          instance.state = "running";
          instance.ping =
            instance.newImage && group.onNewImage.ssmOffline === true ? "ConnectionLost" : "Online";
          instance.lastPingMs = this.now();
          this.fleetVersion++;
        }
        const healthy = this.clock.schedule(
          runningAt + warmupSeconds * 1000,
          () => {
            timers.delete(healthy);
            for (const id of ids) this.putInService(id);
            hooks.onHealthy?.(ids);
          },
          `healthy ${group.name}`,
        );
        timers.add(healthy);
      },
      `running ${group.name}`,
    );
    timers.add(running);
    return ids;
  }

  putInService(instanceId: string): void {
    const instance = this.instances.get(instanceId);
    if (instance === undefined || instance.state === "terminated" || instance.lifecycle === "InService")
      return;
    instance.lifecycle = "InService";
    instance.healthy = true;
    const group = instance.groupName === null ? undefined : this.groups.get(instance.groupName);
    if (group === undefined) return;
    group.inServiceHealthy++;
    this.recordTimeline(group);
  }

  /** Terminates an instance at once (and takes it out of its group). */
  terminate(instanceId: string): void {
    const instance = this.instances.get(instanceId);
    if (instance === undefined || instance.state === "terminated") return;
    const group = instance.groupName === null ? undefined : this.groups.get(instance.groupName);
    const counted = instance.lifecycle === "InService" && instance.healthy;
    instance.state = "terminated";
    instance.terminatedMs = this.now();
    instance.lifecycle = instance.lifecycle === null ? null : "Terminated";
    instance.healthy = false;
    instance.ping = null;
    this.fleetVersion++;
    if (group !== undefined) {
      group.members.delete(instanceId);
      if (counted) {
        group.inServiceHealthy--;
        this.recordTimeline(group);
      }
    }
  }

  /** What Auto Scaling does outside a refresh: launch from the group's own version up to desired. */
  fillCapacity(group: GroupState): void {
    const deficit = group.desired - group.members.size;
    const version = this.resolveVersion(group.template, group.versionSpec);
    if (deficit <= 0 || version === undefined) return;
    this.launchIntoGroup(group, deficit, version, group.warmupSeconds, new Set());
  }

  recordTimeline(group: GroupState): void {
    const now = this.now();
    const last = group.timelineMs.length - 1;
    if (last >= 0 && group.timelineMs[last] === now) group.timelineValue[last] = group.inServiceHealthy;
    else {
      group.timelineMs.push(now);
      group.timelineValue.push(group.inServiceHealthy);
    }
    if (group.desired > 0) {
      const percent = (100 * group.inServiceHealthy) / group.desired;
      if (percent < group.minHealthyPercentSeen) group.minHealthyPercentSeen = percent;
    }
  }

  // --- events -------------------------------------------------------------------------------------

  emitRefreshEvent(
    type: RefreshEventType,
    refresh: RefreshState,
    checkpoint?: { percentage: number; delaySeconds: number },
  ): void {
    const group = this.groups.get(refresh.groupName);
    const event: RefreshEvent = {
      version: "0",
      id: this.ids.eventId(),
      "detail-type": type,
      source: "aws.autoscaling",
      account: ACCOUNT_ID,
      time: eventTime(this.now()),
      region: this.region,
      resources: group === undefined ? [] : [group.arn],
      detail: {
        InstanceRefreshId: refresh.id,
        AutoScalingGroupName: refresh.groupName,
        ...(checkpoint !== undefined && {
          CheckpointPercentage: String(checkpoint.percentage),
          CheckpointDelay: String(checkpoint.delaySeconds),
        }),
      },
    };
    if (this.eventRng.chance(this.scenario.faults.dropEvents)) return;
    // Delivered on the clock (at the same virtual instant), never inside the API call that caused it.
    this.clock.schedule(
      this.now(),
      () => {
        this.deliveredEvents.push(event);
        for (const listener of [...this.eventListeners]) listener(event);
      },
      `event ${type}`,
    );
  }

  emitProgress(kind: ProgressKind, refresh: RefreshState, replaced: number): void {
    const group = this.groups.get(refresh.groupName);
    const event: ProgressEvent = {
      atMs: this.now(),
      group: refresh.groupName,
      kind,
      instanceRefreshId: refresh.id,
      percentComplete: refresh.percentageComplete,
      replaced,
      desired: group?.desired ?? 0,
    };
    for (const listener of [...this.progressListeners]) listener(event);
  }
}

/** AMI names carry their release date (`...-2.0.20260101-...`, `al2023-ami-2023.9.20261110.0-...`). */
function creationFromName(name: string): number | undefined {
  const match = /(20\d{2})(\d{2})(\d{2})/.exec(name);
  if (match === null) return undefined;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return Number.isNaN(ms) ? undefined : ms;
}
