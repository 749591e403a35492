import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { IAMClient } from "@aws-sdk/client-iam";
import { SFNClient } from "@aws-sdk/client-sfn";
import { SNSClient } from "@aws-sdk/client-sns";
import { SSMClient, type SSMClientConfig } from "@aws-sdk/client-ssm";

/** Every SDK client the adapters use, created once per cold start and passed down. */
export interface AwsClients {
  autoscaling: AutoScalingClient;
  ec2: EC2Client;
  ssm: SSMClient;
  cloudwatch: CloudWatchClient;
  elbv2: ElasticLoadBalancingV2Client;
  sfn: SFNClient;
  dynamodb: DynamoDBClient;
  sns: SNSClient;
  /** IAM is global; the readiness step reads instance profiles (GetInstanceProfile) through it. */
  iam: IAMClient;
}

export interface AwsClientsConfig {
  region: string;
  /** Static credentials or a provider; omitted: the SDK's default chain (the Lambda role in AWS). */
  credentials?: SSMClientConfig["credentials"];
  /** Endpoint per client, e.g. `{ dynamodb: "http://127.0.0.1:4567" }` for dynalite. */
  endpoints?: Partial<Record<keyof AwsClients, string>>;
  /** Attempts per call, the first included; default 5. */
  maxAttempts?: number;
}

export const DEFAULT_MAX_ATTEMPTS = 5;

/** The name of each client in {@link AwsClients}: the key a function names to get it built. */
export type ClientName = keyof AwsClients;

/** The settings every client gets: same region, credentials and retry policy ("standard" retries). */
export function clientSettings(config: AwsClientsConfig, name: ClientName) {
  return {
    region: config.region,
    maxAttempts: config.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    retryMode: "standard",
    ...(config.credentials !== undefined && { credentials: config.credentials }),
    ...(config.endpoints?.[name] !== undefined && { endpoint: config.endpoints[name] }),
  };
}

/**
 * Creates every client once: the simulation, the CLI and tests. A deployed function builds only the
 * clients its adapters use (packages/functions/src/runtime/adapters.ts), so its bundle carries no other.
 */
export function createAwsClients(config: AwsClientsConfig): AwsClients {
  const settings = (name: ClientName) => clientSettings(config, name);
  return {
    autoscaling: new AutoScalingClient(settings("autoscaling")),
    ec2: new EC2Client(settings("ec2")),
    ssm: new SSMClient(settings("ssm")),
    cloudwatch: new CloudWatchClient(settings("cloudwatch")),
    elbv2: new ElasticLoadBalancingV2Client(settings("elbv2")),
    sfn: new SFNClient(settings("sfn")),
    dynamodb: new DynamoDBClient(settings("dynamodb")),
    sns: new SNSClient(settings("sns")),
    iam: new IAMClient(settings("iam")),
  };
}
