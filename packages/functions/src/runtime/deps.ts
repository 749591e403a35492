import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  AutoScalingFleetInventory,
  AutoScalingGroupRollout,
  type AwsClients,
  AwsHealthMonitor,
  AwsReadinessReader,
  type ClientName,
  CloudWatchMetricReader,
  clientSettings,
  DynamoLedgerStore,
  Ec2ImageHardener,
  SfnTaskResumer,
  SnsNotifier,
  SsmImageCatalog,
} from "@fleet-upgrade/aws";
import {
  FIPS_DOCUMENT_NAME,
  type FleetInventory,
  type GroupRollout,
  type HealthMonitor,
  type ImageCatalog,
  type ImageHardener,
  type MetricReader,
  type Notifier,
  type ReadinessReader,
  RunLedger,
  StageSettingsSchema,
  type TaskResumer,
  VERIFY_DOCUMENT_NAME,
} from "@fleet-upgrade/core";
import { z } from "zod";
import type { AdapterContext, AdapterFactories, AdapterName } from "./adapters";
import { BaseEnvironmentSchema, ENV, readEnvironment } from "./environment";
import { DependencyNotDeclaredError } from "./errors";
import { type MetricsSink, noMetrics } from "./metrics";

/** Settings every task reads; in AWS they come from the environment, validated at cold start. */
export const FunctionSettingsSchema = z.object({
  stage: StageSettingsSchema,
  builder: z.object({
    instanceProfileName: z.string().nullable(),
    subnetId: z.string().nullable(),
    instanceTypes: z.object({ x86_64: z.string(), arm64: z.string() }),
  }),
  documents: z.object({ fips: z.string(), verify: z.string() }),
  /** Launch-to-running estimate for timing the backstop poll (AWS does not say). */
  launchEstimateSeconds: z.number().int().positive(),
  /** Warmup assumed for groups that set none and requests that give none. */
  warmupEstimateSeconds: z.number().int().positive(),
  /** The most AWS calls one invocation of a paged task makes (core's CALLS_PER_INVOCATION when absent). */
  callsPerInvocation: z.number().int().min(10).optional(),
  /** Instances verified per group after its refresh (all of them in smaller groups). */
  verifySampleSize: z.number().int().positive(),
  /** What readiness judges the stage by (CONTRACTS.md section 2). */
  readiness: z
    .object({
      /** The SST stage deployed. */
      stage: z.string(),
      /** The stage file a person edits to change it, e.g. "stacks/prod.ts". */
      stageFile: z.string(),
      /** `fleetInstanceRoles` of the stage; null: every role may be passed (a simulation without a stage). */
      fleetInstanceRoles: z.array(z.string()).nullable(),
      /** `managedTagValue` of the stage. */
      managedTagValue: z.string(),
    })
    .default({
      stage: "local",
      stageFile: "stacks/dev.ts",
      fleetInstanceRoles: null,
      managedTagValue: "true",
    }),
});
export type FunctionSettings = z.infer<typeof FunctionSettingsSchema>;

export const DEFAULT_SETTINGS: FunctionSettings = {
  stage: StageSettingsSchema.parse({}),
  builder: {
    instanceProfileName: null,
    subnetId: null,
    instanceTypes: { x86_64: "t3.large", arm64: "t4g.large" },
  },
  documents: { fips: FIPS_DOCUMENT_NAME, verify: VERIFY_DOCUMENT_NAME },
  launchEstimateSeconds: 60,
  warmupEstimateSeconds: 300,
  verifySampleSize: 10,
  readiness: {
    stage: "local",
    stageFile: "stacks/dev.ts",
    fleetInstanceRoles: null,
    managedTagValue: "true",
  },
};

/** The small logger surface tasks use (Powertools Logger in AWS). */
export interface TaskLogger {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export const silentLogger: TaskLogger = { info() {}, warn() {}, error() {} };

/** Everything a task needs, injected: adapters over clients, the ledger, the clock, settings. */
export interface FunctionDeps {
  inventory: FleetInventory;
  catalog: ImageCatalog;
  hardener: ImageHardener;
  rollout: GroupRollout;
  /** The preflight's read-only look at the targeted groups. */
  readiness: ReadinessReader;
  health: HealthMonitor;
  /** Per-instance series for the regression judge (CloudWatch GetMetricData). */
  metrics: MetricReader;
  resumer: TaskResumer;
  ledger: RunLedger;
  /** Run notifications; null when the deployment has no topic. */
  notifier: Notifier | null;
  now: () => Date;
  settings: FunctionSettings;
  logger: TaskLogger;
  /** What operators chart (groups upgraded, rolled back, refresh minutes): EMF in AWS. */
  metricsSink: MetricsSink;
}

export interface DepsOptions {
  tableName: string;
  /** SNS topic for run notifications; none when absent. */
  notificationTopicArn?: string | null;
  settings?: FunctionSettings;
  now?: () => Date;
  logger?: TaskLogger;
  /** None given: nothing is recorded (the simulation prints no EMF to the terminal). */
  metricsSink?: MetricsSink;
}

/** Builds the adapters over the given clients: the same code in AWS and in simulation. */
export function depsFromClients(clients: AwsClients, options: DepsOptions): FunctionDeps {
  return {
    inventory: new AutoScalingFleetInventory(clients),
    catalog: new SsmImageCatalog(clients),
    hardener: new Ec2ImageHardener(clients),
    rollout: new AutoScalingGroupRollout(clients),
    readiness: new AwsReadinessReader(clients),
    health: new AwsHealthMonitor(clients),
    metrics: new CloudWatchMetricReader(clients),
    resumer: new SfnTaskResumer(clients),
    ledger: new RunLedger(
      new DynamoLedgerStore({ dynamodb: clients.dynamodb, tableName: options.tableName }),
    ),
    notifier: options.notificationTopicArn
      ? new SnsNotifier({ sns: clients.sns, topicArn: options.notificationTopicArn })
      : null,
    now: options.now ?? (() => new Date()),
    settings: options.settings ?? DEFAULT_SETTINGS,
    logger: options.logger ?? silentLogger,
    metricsSink: options.metricsSink ?? noMetrics,
  };
}

/** Every dependency an entry point may name, in {@link AdapterName}'s order. */
export const ADAPTER_NAMES: readonly AdapterName[] = [
  "inventory",
  "catalog",
  "hardener",
  "rollout",
  "readiness",
  "health",
  "metrics",
  "resumer",
  "notifier",
  "metricsSink",
];

/**
 * Stands in for an adapter the entry point does not name: copying it (`{ ...deps }`) is harmless, any
 * use fails with {@link DependencyNotDeclaredError} naming the function and the adapter.
 */
export function undeclared(functionName: string, key: AdapterName): never {
  const fail = () => {
    throw new DependencyNotDeclaredError(functionName, key);
  };
  // A Proxy: every member read fails, whatever the adapter's interface (`then` stays undefined so
  // that awaiting the stand-in itself does not fail).
  return new Proxy({}, { get: (_target, member) => (member === "then" ? undefined : fail()) }) as never;
}

/**
 * A deployed function's dependencies, from its environment once per cold start (a bad variable fails
 * loudly, naming it): the ledger, settings and logger always; each adapter the entry point names
 * (`factories`) built on first use; any other fails when used, naming it ({@link DependencyNotDeclaredError}).
 * Without a metrics factory nothing is recorded.
 */
export function depsFromEnvironment(
  env: NodeJS.ProcessEnv,
  logger: TaskLogger,
  functionName: string,
  factories: AdapterFactories,
): FunctionDeps {
  const parsed = readEnvironment(BaseEnvironmentSchema, env);
  const json = parsed[ENV.settings];
  const settings = json ? FunctionSettingsSchema.parse(JSON.parse(json)) : DEFAULT_SETTINGS;
  const config = { region: parsed[ENV.region] };
  const clients = new Map<ClientName, unknown>();
  const context: AdapterContext = {
    client: (name, make) => {
      if (!clients.has(name)) clients.set(name, new make(clientSettings(config, name)));
      return clients.get(name) as AwsClients[typeof name];
    },
    settings,
    notificationTopicArn: parsed[ENV.notificationTopicArn] || null,
  };
  const dynamodb = context.client("dynamodb", DynamoDBClient);
  const base = {
    ledger: new RunLedger(new DynamoLedgerStore({ dynamodb, tableName: parsed[ENV.ledgerTable] })),
    now: () => new Date(),
    settings,
    logger,
  };
  const built = new Map<AdapterName, unknown>();
  for (const key of ADAPTER_NAMES) {
    const factory = factories[key];
    if (factory === undefined) {
      Object.defineProperty(base, key, {
        enumerable: true,
        configurable: true,
        writable: true,
        value: key === "metricsSink" ? noMetrics : undeclared(functionName, key),
      });
      continue;
    }
    Object.defineProperty(base, key, {
      enumerable: true,
      configurable: true,
      get: () => {
        if (!built.has(key)) built.set(key, factory.build(context));
        return built.get(key);
      },
    });
  }
  // Every key of FunctionDeps is defined above: the base members, and a getter per adapter name.
  return base as FunctionDeps;
}
