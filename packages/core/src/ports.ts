import type {
  Architecture,
  CommandStatus,
  GroupRecord,
  ImageInfo,
  InstanceRecord,
  RefreshState,
} from "./fleet";
import type { GroupWalk } from "./inventory-pages";
import type { GroupDescription } from "./readiness";

/**
 * Ports: what the domain needs from the outside world. Adapters over AWS SDK v3 clients live in
 * `@fleet-upgrade/aws`; the simulator answers the same SDK calls, so the adapters run unchanged there.
 */

/** Which groups a run targets. */
export interface FleetTargets {
  /** Groups whose tags match all of these. */
  tags: Record<string, string>;
  /** If non-empty: only these names (they must still match the tags). */
  autoScalingGroupNames: string[];
}

/** One page of a walk over Auto Scaling groups, and the SSM facts of their members. */
export interface GroupsPage {
  /** Targeted groups the product can roll out, by name (the targeted walk only). */
  groups: GroupRecord[];
  /** SSM's facts about the page's members it manages, each with its group. */
  members: InstanceRecord[];
  /** Members of the page's groups SSM does not manage. */
  unmanaged: number;
  /** Where the next page starts; null when the walk is done. */
  next: GroupWalk | null;
  /** Calls this page made. */
  calls: number;
}

/** One page of counts over SSM's instances, and where the next one starts (null: done). */
export interface CountsPage {
  counts: Record<string, number>;
  /** Instances the page counted. */
  instances: number;
  next: string | null;
  calls: number;
}

/**
 * Reads the fleet in pages (see `inventory-pages.ts`), each within a number of calls: Auto Scaling
 * groups, their launch templates and images, SSM instance data. No method holds the whole fleet.
 */
export interface FleetInventory {
  /** Targeted groups from `at`, with their members read from SSM by id. */
  targetedGroups(targets: FleetTargets, at: GroupWalk, calls: number): Promise<GroupsPage>;
  /** Groups the targets do not match, from `at`, with their SSM-managed members (no kernels). */
  untargetedGroups(targets: FleetTargets, at: GroupWalk, calls: number): Promise<GroupsPage>;
  /** SSM-managed instances by platform ("PlatformName PlatformVersion" or "unknown"), from `token`. */
  countPlatforms(token: string | null, calls: number): Promise<CountsPage>;
  /** Inventoried instances by installed kernel, from `token`. */
  countKernels(token: string | null, calls: number): Promise<CountsPage>;
}

/** AMIs and the public SSM parameters that point at them. */
export interface ImageCatalog {
  /** Values of SSM parameters by name; names that do not exist are absent from the result. */
  getParameters(names: string[]): Promise<Record<string, string>>;
  describeImages(imageIds: string[]): Promise<ImageInfo[]>;
  /** Images owned by this account that carry every one of these tags. */
  findOwnImages(tags: Record<string, string>): Promise<ImageInfo[]>;
}

export interface LaunchBuilderInput {
  sourceImageId: string;
  architecture: Architecture;
  instanceType: string;
  /** Idempotency token: the same token never launches a second builder. */
  clientToken: string;
  instanceProfileName: string | null;
  subnetId: string | null;
  tags: Record<string, string>;
}

/** SendCommand's InstanceIds takes at most 50 (`InstanceIdList` in ../shared/aws-models/ssm-2014-11-06.json). */
export const MAX_COMMAND_INSTANCES = 50;
/** ListCommandInvocations' plugin `Output` holds at most 2,500 characters (`CommandPluginOutput`, same model). */
export const LISTED_OUTPUT_CHARS = 2500;

/** Bakes a hardened image on a builder instance with SSM documents. */
export interface ImageHardener {
  launchBuilder(input: LaunchBuilderInput): Promise<string>;
  /** EC2 state name of the instance (pending, running, ...) and its SSM ping status, if known. */
  describeBuilder(instanceId: string): Promise<{ state: string; pingStatus: string | null }>;
  sendCommand(input: {
    documentName: string;
    instanceId: string;
    parameters: Record<string, string[]>;
    comment: string;
  }): Promise<string>;
  /** A command already sent to the instance with this document and comment (recognises an earlier attempt). */
  findCommand(input: { documentName: string; instanceId: string; comment: string }): Promise<string | null>;
  getCommandStatus(commandId: string, instanceId: string): Promise<CommandStatus>;
  /** Sends one command to several instances (at most {@link MAX_COMMAND_INSTANCES}); returns its id. */
  sendCommandTo(input: {
    documentName: string;
    instanceIds: string[];
    parameters: Record<string, string[]>;
    comment: string;
  }): Promise<string>;
  /**
   * Every invocation of a command that exists so far, with its status and output (all pages). The
   * output is what the listing carries, which SSM cuts at {@link LISTED_OUTPUT_CHARS} characters:
   * read one invocation with `getCommandStatus` for all of it.
   */
  listCommandStatuses(commandId: string): Promise<CommandStatus[]>;
  /** Creates the image with a deterministic name; an image of that name that already exists is returned. */
  createImage(input: { instanceId: string; name: string; tags: Record<string, string> }): Promise<string>;
  terminate(instanceId: string): Promise<void>;
}

export interface StartRefreshInput {
  groupName: string;
  launchTemplateId: string;
  /** A numbered version, never $Latest or $Default. */
  version: number;
  minHealthyPercentage: number;
  maxHealthyPercentage: number;
  instanceWarmupSeconds: number | null;
  /** Ascending, each 1-99; the adapter appends 100. */
  checkpointPercentages: number[];
  checkpointDelaySeconds: number;
  /** Alarms the group is watched by; the adapter sends those AWS accepts (see splitRefreshAlarms). */
  alarmNames: string[];
  /** Alarm-based AutoRollback (default true); off for a reverse refresh. */
  autoRollback?: boolean;
  /** Told which alarms the refresh does not watch (left to the run's own health checks), and why. */
  onAlarmsNote?: (note: string) => void;
}

/** Launch template versions and instance refreshes of Auto Scaling groups. */
export interface GroupRollout {
  describeGroup(groupName: string): Promise<{
    desired: number;
    inService: number;
    healthyInService: number;
    instances: {
      instanceId: string;
      launchTemplateVersion: string | null;
      healthy: boolean;
      /** Auto Scaling lifecycle: Pending, InService, Standby, Terminating, ... */
      lifecycleState: string;
    }[];
  } | null>;
  /** New numbered version of the template from `sourceVersion` with a new image. Idempotent by client token. */
  createLaunchTemplateVersion(input: {
    launchTemplateId: string;
    sourceVersion: number;
    imageId: string;
    description: string;
    clientToken: string;
  }): Promise<number>;
  /**
   * Every group of the account with the launch template each launches from and the version it names
   * ("3", "$Latest", "$Default"), its own or its mixed instances policy's. Groups that use a launch
   * configuration are left out. Read-only; used to find templates shared beyond a run.
   */
  listTemplateUsers(): Promise<TemplateUser[]>;
  /** Turns group metrics collection on, every metric at one-minute granularity (EnableMetricsCollection). */
  enableMetricsCollection(groupName: string): Promise<void>;
  /** Points the group at a numbered launch template version (UpdateAutoScalingGroup). */
  pinLaunchTemplateVersion(groupName: string, launchTemplateId: string, version: number): Promise<void>;
  /** Starts a refresh; throws the service error (e.g. InstanceRefreshInProgressFault) as is. */
  startRefresh(input: StartRefreshInput): Promise<string>;
  /** Newest first, every page. */
  describeRefreshes(groupName: string, instanceRefreshIds?: string[]): Promise<RefreshState[]>;
  rollbackRefresh(groupName: string): Promise<string>;
  cancelRefresh(groupName: string): Promise<string>;
}

/** A group and the launch template version it names. */
export interface TemplateUser {
  groupName: string;
  launchTemplateId: string | null;
  launchTemplateName: string | null;
  version: string;
}

/** Health signals. */
export interface HealthMonitor {
  /** Lowest `GroupInServiceInstances` between two instants (CloudWatch, Minimum), or null with no data. */
  minInService(groupName: string, from: Date, to: Date): Promise<number | null>;
  /** States of CloudWatch alarms by name (OK, ALARM, INSUFFICIENT_DATA); unknown names are absent. */
  alarmStates(alarmNames: string[]): Promise<Record<string, string>>;
  /** Target health of the instances in the target groups: instanceId -> state (healthy, unhealthy, ...). */
  targetHealth(targetGroupArns: string[], instanceIds: string[]): Promise<Record<string, string>>;
  /** SSM ping status by instance id. */
  pingStatus(instanceIds: string[]): Promise<Record<string, string>>;
}

/** A per-instance metric to read (dimension InstanceId), e.g. AWS/EC2 CPUUtilization Average. */
export interface InstanceMetric {
  namespace: string;
  name: string;
  /** A CloudWatch statistic: Average, Maximum, p90, ... */
  stat: string;
}

/** Reads per-instance metric series (CloudWatch GetMetricData, many instances per call). */
export interface MetricReader {
  /**
   * For each metric (same index as `metrics`), each instance's values in [from, to) at `periodSeconds`,
   * oldest first; an instance without data maps to an empty list.
   */
  readInstanceSeries(input: {
    metrics: InstanceMetric[];
    instanceIds: string[];
    from: Date;
    to: Date;
    periodSeconds: number;
  }): Promise<Record<string, number[]>[]>;
}

/** Resumes waiting Step Functions tasks. */
export interface TaskResumer {
  succeed(taskToken: string, output: unknown): Promise<void>;
  fail(taskToken: string, error: string, cause: string): Promise<void>;
}

/** One item of the ledger table (pk/sk, JSON data, optional TTL and recent-runs index keys). */
export interface LedgerItem {
  pk: string;
  sk: string;
  data: unknown;
  /** Epoch seconds; DynamoDB's TTL deletes the item after it. */
  expiresAt?: number;
  gsi1pk?: string;
  gsi1sk?: string;
  /** Optimistic-concurrency counter; see `put`'s `ifVersion`. */
  version?: number;
}

/** The DynamoDB single table, as a small document store. */
export interface LedgerStore {
  /**
   * Writes the item; returns false instead of writing when a condition fails. `ifNotExists`: no item
   * with that key exists. `ifVersion`: the stored item's `version` is this one (0: it has none).
   */
  put(item: LedgerItem, options?: { ifNotExists?: boolean; ifVersion?: number }): Promise<boolean>;
  putMany(items: LedgerItem[]): Promise<void>;
  /**
   * The item, or undefined. `fields`: only these top-level members of `data` are needed (a
   * projection, so a large item is not carried whole); a store may still return the others.
   */
  get(pk: string, sk: string, options?: { fields?: readonly string[] }): Promise<LedgerItem | undefined>;
  /**
   * The items with these keys, read together (DynamoDB BatchGetItem, 100 keys a call): those found,
   * in any order; a key with no item is simply absent from the answer.
   */
  getMany(keys: { pk: string; sk: string }[]): Promise<LedgerItem[]>;
  /** Every item under pk (all pages), optionally only sort keys starting with skPrefix, ascending. */
  query(pk: string, skPrefix?: string): Promise<LedgerItem[]>;
  /** Items of the recent-runs index under gsi1pk, newest (largest gsi1sk) first. */
  queryRecent(gsi1pk: string, limit: number): Promise<LedgerItem[]>;
  /**
   * Deletes and returns the item; undefined when there was none. `ifVersion`: only when the stored
   * item's `version` is this one (0: it has none); undefined, deleting nothing, when it is not.
   */
  delete(pk: string, sk: string, options?: { ifVersion?: number }): Promise<LedgerItem | undefined>;
}

/** How Step Functions sees one execution of the state machine (named by its run id). */
export interface ExecutionView {
  status: "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED" | "PENDING_REDRIVE";
  /** ISO 8601. */
  startedAt: string;
  /** The execution's input as given to StartExecution (the run request as sent). */
  input: unknown;
}

/**
 * Starts runs for the status API: in AWS an execution of the state machine named after the run id,
 * locally a simulated run. Stopping is an abort's last resort, for an execution the ledger cannot
 * reach (it was started but has not recorded its run yet).
 */
export interface RunStarter {
  /** Starts a run named runId with the request as its input (already validated by the caller). */
  start(runId: string, request: unknown): Promise<void>;
  /** The execution named runId; undefined when there is none. */
  describe(runId: string): Promise<ExecutionView | undefined>;
  /** Stops the execution named runId (Step Functions StopExecution), with the cause given. */
  stop(runId: string, cause: string): Promise<void>;
}

/** What the preflight learns of one targeted group's instances (from the inventory step). */
export interface InstanceReadinessFacts {
  /** In-service instances without SSM inventory data. */
  withoutInventory: string[];
  /** Instances whose SSM PingStatus is not Online (null: SSM does not know them). */
  notOnline: { instanceId: string; pingStatus: string | null }[];
}

/**
 * Reads, read-only, what readiness judges of each targeted group (CONTRACTS.md section 2): its
 * launch template or configuration, the template's tags, instance profile and user data, the other
 * groups using the same template, refreshes in progress, its alarms and their states, whether group
 * metrics collection is on. Launch-configuration groups are included (the inventory leaves them out).
 */
export interface ReadinessReader {
  /**
   * One page of the account's Auto Scaling groups (DescribeAutoScalingGroups, 100 a page): the names
   * of those the targets match, and every group's launch template use (launch configurations left
   * out) with whether the run targets it. `nextToken` null: the first page; answered null: the last.
   */
  scanGroups(input: { targets: FleetTargets; nextToken: string | null }): Promise<{
    targeted: string[];
    users: (TemplateUser & { inRun: boolean })[];
    nextToken: string | null;
  }>;
  /**
   * What readiness judges of these targeted groups (in this order; a group that no longer exists is
   * left out). `sharedWith` of a group is made from `users`: the other groups among them naming the
   * same template, by id or by name.
   */
  describeGroups(input: {
    names: string[];
    users: ReadonlyArray<TemplateUser & { inRun: boolean }>;
    /** Alarms of `health.alarms`: every group is watched by them. */
    requestAlarms: string[];
    /** The tag naming a group's own alarms (comma-separated). */
    alarmsTag: string;
    /** Per group, what the inventory saw of its instances; a group absent here has no such finding. */
    instances: Record<string, InstanceReadinessFacts>;
  }): Promise<GroupDescription[]>;
}
