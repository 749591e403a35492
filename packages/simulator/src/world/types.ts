import type { OnNewImage } from "@fleet-upgrade/core";

/** The shapes of the simulated account's state. Internal to the package. */

export const ACCOUNT_ID = "123456789012";
/** Owner of the public Amazon Linux images. */
export const AMAZON_OWNER_ID = "137112412989";

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
  /** For `checkpoint`: the checkpoint percentage reached (the request's), as its event says. */
  checkpoint?: number;
}

export interface LaunchHooks {
  onFailed?: (ids: string[]) => void;
  onHealthy?: (ids: string[]) => void;
}
