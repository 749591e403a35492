import type { Scenario } from "@fleet-upgrade/core";
import type { ModelViolation } from "./model-validation";
import { IdFactory, Random } from "./random";
import { VirtualClock } from "./virtual-clock";
import { emitProgress, emitRefreshEvent } from "./world/events";
import {
  createInstance,
  fillCapacity,
  launchIntoGroup,
  putInService,
  recordTimeline,
  terminate,
} from "./world/lifecycle";
import { seedWorld } from "./world/seed";
import {
  ACCOUNT_ID,
  type AlarmState,
  type CommandState,
  type GroupState,
  type ImageState,
  type InstanceState,
  type ParameterState,
  type ProgressEvent,
  type ProgressKind,
  type PublishedMessage,
  type RefreshEvent,
  type RefreshEventType,
  type RefreshState,
  type TemplateState,
  type TemplateVersion,
} from "./world/types";

/** What {@link launchIntoGroup} takes after the world. */
type LaunchArguments = Parameters<typeof launchIntoGroup> extends [World, ...infer Rest] ? Rest : never;

/**
 * The simulated account's state and the mechanics every service shares. Internal to the package.
 * Its rooms: the state's shapes (`world/types`), seeding from a scenario (`world/seed`), instance
 * lifecycle (`world/lifecycle`) and events (`world/events`); this class holds the state and keeps
 * the methods services call.
 */

export { eventTime } from "./world/events";
export * from "./world/types";

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
    seedWorld(this);
  }

  now(): number {
    return this.clock.now();
  }

  /** The index of the next private IP address (10.x.y.z). */
  nextIpIndex(): number {
    return this.ipCounter++;
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

  // --- instance lifecycle (./world/lifecycle) -----------------------------------------------------

  createInstance(
    imageId: string,
    options: { instanceType: string; launchMs: number; reservationId: string; tags: Record<string, string> },
  ): InstanceState {
    return createInstance(this, imageId, options);
  }

  /** See {@link launchIntoGroup} in `world/lifecycle`: the same arguments after the world. */
  launchIntoGroup(...args: LaunchArguments): string[] {
    return launchIntoGroup(this, ...args);
  }

  putInService(instanceId: string): void {
    putInService(this, instanceId);
  }

  /** Terminates an instance at once (and takes it out of its group). */
  terminate(instanceId: string): void {
    terminate(this, instanceId);
  }

  /** What Auto Scaling does outside a refresh: launch from the group's own version up to desired. */
  fillCapacity(group: GroupState): void {
    fillCapacity(this, group);
  }

  recordTimeline(group: GroupState): void {
    recordTimeline(this, group);
  }

  // --- events (./world/events) --------------------------------------------------------------------

  emitRefreshEvent(
    type: RefreshEventType,
    refresh: RefreshState,
    checkpoint?: { percentage: number; delaySeconds: number },
  ): void {
    emitRefreshEvent(this, type, refresh, checkpoint);
  }

  emitProgress(kind: ProgressKind, refresh: RefreshState, replaced: number, checkpoint?: number): void {
    emitProgress(this, kind, refresh, replaced, checkpoint);
  }
}
