/**
 * The adapters a deployed function can ask for, one factory each. An entry point names the factories
 * its task uses (`taskHandler(name, task, { resumer: sfnTaskResumer })`); only those are imported
 * into its bundle, so esbuild leaves out every SDK client no factory of it builds. Each factory says
 * which clients it builds: the bundle test checks them against the function's IAM policy and against
 * what esbuild really bundled (test/infra/bundles.test.ts).
 */
import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { IAMClient } from "@aws-sdk/client-iam";
import { SFNClient } from "@aws-sdk/client-sfn";
import { SNSClient } from "@aws-sdk/client-sns";
import { SSMClient } from "@aws-sdk/client-ssm";
import {
  AutoScalingFleetInventory,
  AutoScalingGroupRollout,
  AutoScalingRollout,
  type AwsClients,
  AwsHealthMonitor,
  AwsReadinessReader,
  type ClientName,
  CloudWatchHealth,
  CloudWatchMetricReader,
  Ec2ImageHardener,
  GroupsReader,
  SfnTaskResumer,
  SnsNotifier,
  SsmCommandRunner,
  SsmImageCatalog,
} from "@fleet-upgrade/aws";
import type { FunctionDeps, FunctionSettings } from "./deps";
import { EmfMetricsSink, type MetricsSink } from "./metrics";

/** What a factory builds from: the function's clients (each built once, on first use) and settings. */
export interface AdapterContext {
  /** The client of that name, built on first use with the function's region and retry policy. */
  client<N extends ClientName>(name: N, make: new (settings: object) => AwsClients[N]): AwsClients[N];
  settings: FunctionSettings;
  /** The runs topic, or null when the deployment has none. */
  notificationTopicArn: string | null;
}

/** The dependencies a function builds from AWS only when its entry asks: adapters and the EMF sink. */
export type AdapterName =
  | "inventory"
  | "catalog"
  | "hardener"
  | "rollout"
  | "readiness"
  | "health"
  | "metrics"
  | "resumer"
  | "notifier"
  | "metricsSink";

type Built = Pick<FunctionDeps, Exclude<AdapterName, "metricsSink">> & { metricsSink: MetricsSink };

export interface AdapterFactory<K extends AdapterName> {
  /** The SDK clients it builds; the bundle test holds them to the IAM policy and the bundle. */
  clients: readonly ClientName[];
  build(context: AdapterContext): Built[K];
}

/** The factories an entry point asks for, each under the dependency it builds. */
export type AdapterFactories = { [K in AdapterName]?: AdapterFactory<K> };

export const fleetInventory: AdapterFactory<"inventory"> = {
  clients: ["autoscaling", "ec2", "ssm"],
  build: ({ client }) =>
    new AutoScalingFleetInventory({
      autoscaling: client("autoscaling", AutoScalingClient),
      ec2: client("ec2", EC2Client),
      ssm: client("ssm", SSMClient),
    }),
};

export const imageCatalog: AdapterFactory<"catalog"> = {
  clients: ["ssm", "ec2"],
  build: ({ client }) =>
    new SsmImageCatalog({ ssm: client("ssm", SSMClient), ec2: client("ec2", EC2Client) }),
};

export const imageHardener: AdapterFactory<"hardener"> = {
  clients: ["ec2", "ssm"],
  build: ({ client }) =>
    new Ec2ImageHardener({ ec2: client("ec2", EC2Client), ssm: client("ssm", SSMClient) }),
};

/** Auto Scaling only: group and refresh reads, rollbacks, cancels, pins (no new template version). */
export const groupRollout: AdapterFactory<"rollout"> = {
  clients: ["autoscaling"],
  build: ({ client }) => new AutoScalingRollout({ autoscaling: client("autoscaling", AutoScalingClient) }),
};

/** Also EC2 for the new launch template version and CloudWatch for the refresh's alarm states. */
export const launchTemplateRollout: AdapterFactory<"rollout"> = {
  clients: ["autoscaling", "ec2", "cloudwatch"],
  build: ({ client }) =>
    new AutoScalingGroupRollout({
      autoscaling: client("autoscaling", AutoScalingClient),
      ec2: client("ec2", EC2Client),
      cloudwatch: client("cloudwatch", CloudWatchClient),
    }),
};

export const readinessReader: AdapterFactory<"readiness"> = {
  clients: ["autoscaling", "ec2", "cloudwatch", "iam"],
  build: ({ client }) =>
    new AwsReadinessReader({
      autoscaling: client("autoscaling", AutoScalingClient),
      ec2: client("ec2", EC2Client),
      cloudwatch: client("cloudwatch", CloudWatchClient),
      iam: client("iam", IAMClient),
    }),
};

/** For the groups around the targeted ones only (Auto Scaling and EC2): no alarm or profile reads. */
export const groupsReader: AdapterFactory<"readiness"> = {
  clients: ["autoscaling", "ec2"],
  build: ({ client }) =>
    new GroupsReader({
      autoscaling: client("autoscaling", AutoScalingClient),
      ec2: client("ec2", EC2Client),
    }),
};

/** SSM only: the verify document's commands on a group's instances, no image building. */
export const verifyCommands: AdapterFactory<"hardener"> = {
  clients: ["ssm"],
  build: ({ client }) => new SsmCommandRunner({ ssm: client("ssm", SSMClient) }),
};

export const healthMonitor: AdapterFactory<"health"> = {
  clients: ["cloudwatch", "elbv2", "ssm"],
  build: ({ client }) =>
    new AwsHealthMonitor({
      cloudwatch: client("cloudwatch", CloudWatchClient),
      elbv2: client("elbv2", ElasticLoadBalancingV2Client),
      ssm: client("ssm", SSMClient),
    }),
};

/** CloudWatch only: alarm states and group metrics, no target health or SSM pings. */
export const cloudWatchHealth: AdapterFactory<"health"> = {
  clients: ["cloudwatch"],
  build: ({ client }) => new CloudWatchHealth({ cloudwatch: client("cloudwatch", CloudWatchClient) }),
};

export const metricReader: AdapterFactory<"metrics"> = {
  clients: ["cloudwatch"],
  build: ({ client }) => new CloudWatchMetricReader({ cloudwatch: client("cloudwatch", CloudWatchClient) }),
};

export const sfnTaskResumer: AdapterFactory<"resumer"> = {
  clients: ["sfn"],
  build: ({ client }) => new SfnTaskResumer({ sfn: client("sfn", SFNClient) }),
};

/** Null when the deployment has no runs topic: nothing is published. */
export const snsNotifier: AdapterFactory<"notifier"> = {
  clients: ["sns"],
  build: ({ client, notificationTopicArn }) =>
    notificationTopicArn
      ? new SnsNotifier({ sns: client("sns", SNSClient), topicArn: notificationTopicArn })
      : null,
};

/** Powertools Metrics as EMF log lines: only functions that record metrics carry it. */
export const emfMetrics: AdapterFactory<"metricsSink"> = {
  clients: [],
  build: ({ settings }) => new EmfMetricsSink(settings.readiness.stage),
};
