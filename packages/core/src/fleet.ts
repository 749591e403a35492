import { z } from "zod";

/** CPU architectures the product rolls out images for. */
export const ArchitectureSchema = z.enum(["x86_64", "arm64"]);
export type Architecture = z.infer<typeof ArchitectureSchema>;

/** One instance as the inventory sees it (SSM plus Auto Scaling). */
export const InstanceRecordSchema = z.object({
  instanceId: z.string(),
  /** The Auto Scaling group it belongs to; null for a standalone instance. */
  groupName: z.string().nullable(),
  /** SSM `PlatformName` ("Amazon Linux"); null when SSM does not know the instance. */
  platformName: z.string().nullable(),
  /** SSM `PlatformVersion` ("2", "2023"). */
  platformVersion: z.string().nullable(),
  /** Installed kernel package version from SSM inventory (`AWS:Application`, name `kernel`). */
  kernelVersion: z.string().nullable(),
  /** SSM `PingStatus`: Online, ConnectionLost, Inactive. */
  pingStatus: z.string().nullable(),
});
export type InstanceRecord = z.infer<typeof InstanceRecordSchema>;

/** A group's launch template as the group refers to it and as it resolves. */
export const LaunchTemplateStateSchema = z.object({
  launchTemplateId: z.string(),
  launchTemplateName: z.string(),
  /** The version the group names: "3", "$Latest" or "$Default". */
  versionSpec: z.string(),
  /** The numbered version that spec resolves to today. */
  resolvedVersion: z.number().int().positive(),
  /** `ImageId` of the resolved version as written: an AMI id or `resolve:ssm:...`. */
  imageRef: z.string(),
});
export type LaunchTemplateState = z.infer<typeof LaunchTemplateStateSchema>;

/** One Auto Scaling group as inventoried. */
export const GroupRecordSchema = z.object({
  name: z.string(),
  arn: z.string(),
  desired: z.number().int().nonnegative(),
  min: z.number().int().nonnegative(),
  max: z.number().int().nonnegative(),
  launchTemplate: LaunchTemplateStateSchema,
  /** Image id the group's instances launch from today (resolved when `imageRef` is an SSM parameter). */
  imageId: z.string(),
  architecture: ArchitectureSchema,
  tags: z.record(z.string(), z.string()),
  instanceIds: z.array(z.string()),
  targetGroupArns: z.array(z.string()),
  /** The group's `DefaultInstanceWarmup`, seconds; null when unset. */
  defaultInstanceWarmup: z.number().int().nonnegative().nullable(),
  /** Set by the inventory step for readiness: its instances without SSM inventory data. */
  withoutInventory: z.array(z.string()).optional(),
  /** Set by the inventory step for readiness: its instances not Online in SSM. */
  notOnline: z.array(z.object({ instanceId: z.string(), pingStatus: z.string().nullable() })).optional(),
});
export type GroupRecord = z.infer<typeof GroupRecordSchema>;

/** Everything the inventory step learns. */
export const FleetSchema = z.object({
  groups: z.array(GroupRecordSchema),
  instances: z.array(InstanceRecordSchema),
});
export type Fleet = z.infer<typeof FleetSchema>;

/** An AMI as DescribeImages reports it. */
export const ImageInfoSchema = z.object({
  imageId: z.string(),
  name: z.string(),
  architecture: ArchitectureSchema,
  state: z.string(),
  creationDate: z.string().nullable(),
  deprecationTime: z.string().nullable(),
  tags: z.record(z.string(), z.string()),
});
export type ImageInfo = z.infer<typeof ImageInfoSchema>;

/** Status of an instance refresh, as DescribeInstanceRefreshes reports it. */
export const RefreshStatusSchema = z.enum([
  "Pending",
  "InProgress",
  "Successful",
  "Failed",
  "Cancelling",
  "Cancelled",
  "RollbackInProgress",
  "RollbackFailed",
  "RollbackSuccessful",
  "Baking",
]);
export type RefreshStatus = z.infer<typeof RefreshStatusSchema>;

export const RefreshStateSchema = z.object({
  instanceRefreshId: z.string(),
  groupName: z.string(),
  status: RefreshStatusSchema,
  statusReason: z.string().nullable(),
  percentageComplete: z.number(),
  instancesToUpdate: z.number().int().nonnegative(),
  startTime: z.string().nullable(),
  endTime: z.string().nullable(),
  /** The launch template version of its DesiredConfiguration, when it has one. */
  desiredVersion: z.string().nullable().optional(),
});
export type RefreshState = z.infer<typeof RefreshStateSchema>;

/** Status of one SSM Run Command invocation. */
export const CommandStatusSchema = z.object({
  commandId: z.string(),
  instanceId: z.string(),
  /** Pending, InProgress, Delayed, Success, Cancelled, TimedOut, Failed, ... */
  status: z.string(),
  stdout: z.string(),
  stderr: z.string(),
});
export type CommandStatus = z.infer<typeof CommandStatusSchema>;

/** What the product's verify document prints on an instance (one JSON line). */
export const VerifyReportSchema = z.object({
  fips_enabled: z.boolean(),
  kernel: z.string(),
  stig: z.string().nullable(),
});
export type VerifyReport = z.infer<typeof VerifyReportSchema>;
