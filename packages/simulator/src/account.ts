// Over 300 lines on purpose: SimulatedAccount is the package's one public face: it attaches the
// simulator to real SDK clients (intercept, validate against the models, dispatch, map faults to the
// SDK's exception classes) and offers the listeners and snapshots the harness and tests read.
import * as autoscalingSdk from "@aws-sdk/client-auto-scaling";
import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import * as cloudwatchSdk from "@aws-sdk/client-cloudwatch";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import * as ec2Sdk from "@aws-sdk/client-ec2";
import { EC2Client } from "@aws-sdk/client-ec2";
import * as elbv2Sdk from "@aws-sdk/client-elastic-load-balancing-v2";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import * as iamSdk from "@aws-sdk/client-iam";
import { IAMClient } from "@aws-sdk/client-iam";
import * as snsSdk from "@aws-sdk/client-sns";
import { SNSClient } from "@aws-sdk/client-sns";
import * as ssmSdk from "@aws-sdk/client-ssm";
import { SSMClient } from "@aws-sdk/client-ssm";
import type { Scenario } from "@fleet-upgrade/core";
import type { MiddlewareStack, RetryStrategyV2 } from "@smithy/types";
import { ServiceFault, type ServiceName, THROTTLING } from "./errors";
import { apiModel, type ModelViolation } from "./model-validation";
import { RefreshEngine } from "./refresh-engine";
import { SIMULATED_MAX_ATTEMPTS, ZeroDelayRetryStrategy } from "./retry";
import { autoscalingHandlers } from "./services/autoscaling";
import { cloudwatchHandlers } from "./services/cloudwatch";
import type { ServiceContext, ServiceHandlers } from "./services/common";
import { ec2Handlers } from "./services/ec2";
import { elbv2Handlers } from "./services/elbv2";
import { iamHandlers } from "./services/iam";
import { snsHandlers } from "./services/sns";
import { ssmHandlers } from "./services/ssm";
import type { VirtualClock } from "./virtual-clock";
import {
  ACCOUNT_ID,
  type ProgressEvent,
  type PublishedMessage,
  type RefreshEvent,
  type RefreshStatus,
  World,
} from "./world";

/** The real SDK clients, each answering from the simulated account. */
export interface SimulatedClients {
  autoscaling: AutoScalingClient;
  ec2: EC2Client;
  ssm: SSMClient;
  cloudwatch: CloudWatchClient;
  elbv2: ElasticLoadBalancingV2Client;
  sns: SNSClient;
  iam: IAMClient;
}

export interface CreateClientsOptions {
  /** Attempts per call, the first included; default 5. */
  maxAttempts?: number;
  /** Replaces the zero-delay retry strategy (e.g. to count retries). */
  retryStrategy?: RetryStrategyV2;
}

/** Fake static credentials: requests are signed (offline) but never sent. */
export const SIMULATED_CREDENTIALS = {
  accessKeyId: "AKIASIMULATEDACCOUNT",
  secretAccessKey: "simulated/secret/access/key/never/used/for/real",
} as const;

/** One group as a test sees it. */
export interface GroupSnapshot {
  name: string;
  desired: number;
  min: number;
  max: number;
  launchTemplateVersion: string;
  inServiceHealthy: number;
  instances: {
    instanceId: string;
    imageId: string;
    lifecycle: string;
    healthy: boolean;
    launchTemplateVersion: string | null;
  }[];
  /** Lowest in-service healthy share of desired since the start, percent. */
  minHealthyPercentSeen: number;
  refreshes: {
    instanceRefreshId: string;
    status: RefreshStatus;
    statusReason: string | null;
    percentageComplete: number;
    startMs: number;
    endMs: number | null;
    foreign: boolean;
  }[];
  /** In-service healthy count over time: each change, with its virtual time. */
  timeline: { atMs: number; inServiceHealthy: number }[];
}

const SERVICE_BY_CLIENT: Record<string, ServiceName> = {
  AutoScalingClient: "autoscaling",
  EC2Client: "ec2",
  SSMClient: "ssm",
  CloudWatchClient: "cloudwatch",
  ElasticLoadBalancingV2Client: "elasticloadbalancing",
  SNSClient: "sns",
  IAMClient: "iam",
};

const HANDLERS: Record<ServiceName, ServiceHandlers> = {
  autoscaling: autoscalingHandlers,
  ec2: ec2Handlers,
  ssm: ssmHandlers,
  cloudwatch: cloudwatchHandlers,
  elasticloadbalancing: elbv2Handlers,
  sns: snsHandlers,
  iam: iamHandlers,
};

type ExceptionClass = new (options: Record<string, unknown>) => Error;

const SDK_MODULES: Record<ServiceName, { exports: Record<string, unknown>; base: ExceptionClass }> = {
  autoscaling: {
    exports: autoscalingSdk,
    base: autoscalingSdk.AutoScalingServiceException as unknown as ExceptionClass,
  },
  ec2: { exports: ec2Sdk, base: ec2Sdk.EC2ServiceException as unknown as ExceptionClass },
  ssm: { exports: ssmSdk, base: ssmSdk.SSMServiceException as unknown as ExceptionClass },
  cloudwatch: {
    exports: cloudwatchSdk,
    base: cloudwatchSdk.CloudWatchServiceException as unknown as ExceptionClass,
  },
  elasticloadbalancing: {
    exports: elbv2Sdk,
    base: elbv2Sdk.ElasticLoadBalancingV2ServiceException as unknown as ExceptionClass,
  },
  sns: { exports: snsSdk, base: snsSdk.SNSServiceException as unknown as ExceptionClass },
  iam: { exports: iamSdk, base: iamSdk.IAMServiceException as unknown as ExceptionClass },
};

export interface AttachOptions {
  /** The service, when the client's name does not tell (a custom client class). */
  service?: ServiceName;
  /** Keep the client's own retry strategy (with its real-time backoff). Default false. */
  keepRetryStrategy?: boolean;
}

/** A client whose middleware stack can take the simulator. */
export interface AttachableClient {
  // biome-ignore lint/suspicious/noExplicitAny: every SDK client's stack has its own input/output unions
  middlewareStack: MiddlewareStack<any, any>;
}

/**
 * A simulated AWS account built from a scenario: SSM, EC2, Auto Scaling, CloudWatch and ELBv2
 * answered from memory behind the real SDK v3 clients, on a virtual clock.
 *
 * Time only moves when someone calls `clock.advance()` (or `advanceTo`, `runUntilIdle`): API calls
 * never wait, they schedule. Refresh events are delivered to `onRefreshEvent` listeners on the clock.
 *
 * @example
 * const account = SimulatedAccount.create(scenario);
 * const { autoscaling } = account.createClients();
 * account.onRefreshEvent((event) => console.log(event["detail-type"]));
 * await autoscaling.send(new StartInstanceRefreshCommand({ ... }));
 * while (account.clock.advance()) {} // run the simulated rollout to its end
 */
export class SimulatedAccount {
  readonly clock: VirtualClock;
  readonly region: string;
  readonly accountId = ACCOUNT_ID;
  /** @internal state and services, for the package's own modules and tests. */
  readonly world: World;
  private readonly engine: RefreshEngine;
  private readonly context: ServiceContext;

  private constructor(readonly scenario: Scenario) {
    this.world = new World(scenario);
    this.engine = new RefreshEngine(this.world);
    this.context = { world: this.world, engine: this.engine };
    this.clock = this.world.clock;
    this.region = this.world.region;
  }

  /** Builds the account's starting state from a validated scenario (defaults applied). */
  static create(scenario: Scenario): SimulatedAccount {
    return new SimulatedAccount(scenario);
  }

  /**
   * Makes a client answer from this account: a middleware at the deserialize step (inside the SDK's
   * retry and signing middleware) returns the simulated output instead of sending HTTP. The client
   * must have static credentials (see `SIMULATED_CREDENTIALS`; the default chain would probe the
   * network) and should use this region. Unless `keepRetryStrategy`, the client's retry strategy is
   * replaced by a zero-delay one with the same max attempts.
   */
  attach<T extends AttachableClient>(client: T, options: AttachOptions = {}): T {
    const { service, keepRetryStrategy = false } = options;
    const config = (client as { config?: { retryStrategy?: unknown; maxAttempts?: unknown } }).config;
    if (!keepRetryStrategy && config !== undefined && typeof config.retryStrategy === "function") {
      // Backoff would sleep real seconds on simulated throttling: keep the client's attempts, drop the delay.
      const maxAttempts = config.maxAttempts;
      const strategy = new ZeroDelayRetryStrategy(
        typeof maxAttempts === "function" ? async () => Number(await maxAttempts()) : SIMULATED_MAX_ATTEMPTS,
      );
      config.retryStrategy = async () => strategy;
    }
    client.middlewareStack.add(
      (_next: unknown, context: Record<string, unknown>) => async (args: { input: unknown }) => {
        const serviceName = service ?? SERVICE_BY_CLIENT[String(context.clientName)];
        const operation = String(context.commandName ?? "").replace(/Command$/, "");
        if (serviceName === undefined) {
          throw new Error(
            `The simulated account cannot tell which service ${String(context.clientName)} is; pass it to attach()`,
          );
        }
        const output = this.invoke(serviceName, operation, args.input);
        return { output, response: { statusCode: 200, headers: {}, body: undefined } };
      },
      { step: "deserialize", priority: "high", name: "fleetUpgradeSimulatedAccount", override: true },
    );
    return client;
  }

  /** The five clients the adapters use, with fake credentials, the scenario's region and zero-delay retries. */
  createClients(options: CreateClientsOptions = {}): SimulatedClients {
    const maxAttempts = options.maxAttempts ?? SIMULATED_MAX_ATTEMPTS;
    const config = {
      region: this.region,
      credentials: SIMULATED_CREDENTIALS,
      maxAttempts,
      retryStrategy: options.retryStrategy ?? new ZeroDelayRetryStrategy(maxAttempts),
      ...LEAN_CLIENT_CONFIG,
    };
    const attach = <T extends AttachableClient>(client: T) =>
      this.attach(leanClient(client), { keepRetryStrategy: true });
    return {
      autoscaling: attach(new AutoScalingClient(config)),
      ec2: attach(new EC2Client(config)),
      ssm: attach(new SSMClient(config)),
      cloudwatch: attach(new CloudWatchClient(config)),
      elbv2: attach(new ElasticLoadBalancingV2Client(config)),
      sns: attach(new SNSClient(config)),
      iam: attach(new IAMClient(config)),
    };
  }

  /**
   * Subscribes to instance-refresh events (EventBridge shape), after the scenario's `dropEvents`
   * share is dropped. Listeners run on the clock, during `advance()`. Returns an unsubscribe function.
   */
  onRefreshEvent(listener: (event: RefreshEvent) => void): () => void {
    this.world.eventListeners.add(listener);
    return () => {
      this.world.eventListeners.delete(listener);
    };
  }

  /** Subscribes to messages published to SNS topics. Returns an unsubscribe function. */
  onNotification(listener: (message: PublishedMessage) => void): () => void {
    this.world.notificationListeners.add(listener);
    return () => {
      this.world.notificationListeners.delete(listener);
    };
  }

  /** Every message published to SNS topics so far, in order. */
  notifications(): PublishedMessage[] {
    return [...this.world.notifications];
  }

  /** Subscribes to refresh progress for a live display (never dropped). Returns an unsubscribe function. */
  onProgress(listener: (event: ProgressEvent) => void): () => void {
    this.world.progressListeners.add(listener);
    return () => {
      this.world.progressListeners.delete(listener);
    };
  }

  /** Every call per `service:Operation` (throttled attempts and errors included). */
  apiCalls(): Record<string, number> {
    return Object.fromEntries([...this.world.apiCalls].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /** Requests refused because they broke the service's API model (see model-validation.ts), in order. */
  modelViolations(): ModelViolation[] {
    return this.world.modelViolations.map((violation) => ({ ...violation }));
  }

  /** The refresh events delivered so far, in order. */
  deliveredEvents(): RefreshEvent[] {
    return this.world.deliveredEvents.map((event) => structuredClone(event));
  }

  /** A group as tests inspect it; undefined for an unknown name. */
  group(name: string): GroupSnapshot | undefined {
    const group = this.world.groups.get(name);
    if (group === undefined) return undefined;
    const instances = [...group.members].flatMap((id) => {
      const instance = this.world.instances.get(id);
      return instance === undefined
        ? []
        : [
            {
              instanceId: instance.instanceId,
              imageId: instance.imageId,
              lifecycle: instance.lifecycle ?? "Pending",
              healthy: instance.healthy,
              launchTemplateVersion: instance.launchTemplate?.version ?? null,
            },
          ];
    });
    return {
      name: group.name,
      desired: group.desired,
      min: group.min,
      max: group.max,
      launchTemplateVersion: group.versionSpec,
      inServiceHealthy: group.inServiceHealthy,
      instances,
      minHealthyPercentSeen: group.minHealthyPercentSeen,
      refreshes: group.refreshes.map((refresh) => ({
        instanceRefreshId: refresh.id,
        status: refresh.status,
        statusReason: refresh.statusReason,
        percentageComplete: refresh.percentageComplete,
        startMs: refresh.startMs,
        endMs: refresh.endMs,
        foreign: refresh.foreign,
      })),
      timeline: group.timelineMs.map((atMs, i) => ({ atMs, inServiceHealthy: group.timelineValue[i] ?? 0 })),
    };
  }

  /** Names of the scenario's groups, in scenario order. */
  groupNames(): string[] {
    return [...this.world.groups.keys()];
  }

  /** An alarm's state (OK, ALARM or INSUFFICIENT_DATA); undefined for an unknown alarm. */
  alarmState(name: string): "OK" | "ALARM" | "INSUFFICIENT_DATA" | undefined {
    return this.world.alarms.get(name)?.state;
  }

  /** An image as the account knows it (including hardening state); undefined when unknown. */
  image(
    imageId: string,
  ): { imageId: string; name: string; state: string; stig: string | null; fips: boolean } | undefined {
    const image = this.world.images.get(imageId);
    if (image === undefined) return undefined;
    return {
      imageId: image.imageId,
      name: image.name,
      state: image.state,
      stig: image.stig,
      fips: image.fips,
    };
  }

  /** Answers one call from the simulated state; throws the SDK's own exception for an error answer. */
  private invoke(service: ServiceName, operation: string, input: unknown): Record<string, unknown> {
    const key = `${service}:${operation}`;
    this.world.apiCalls.set(key, (this.world.apiCalls.get(key) ?? 0) + 1);
    const requestId = this.world.requestRng.uuid();
    try {
      const throttle = this.scenario.faults.throttle;
      if (
        throttle !== null &&
        throttle.rate > 0 &&
        (throttle.operations.length === 0 || throttle.operations.includes(key)) &&
        this.world.faultRng.chance(throttle.rate)
      ) {
        const { code, status } = THROTTLING[service];
        throw new ServiceFault(code, "Rate exceeded", status);
      }
      const handler = HANDLERS[service][operation];
      if (handler === undefined) {
        throw new ServiceFault(
          "UnsupportedOperation",
          `The simulated account does not implement ${key}; add it to packages/simulator`,
        );
      }
      // The front door: a request its API model refuses never reaches the service.
      const violation = apiModel(service).check(operation, input);
      if (violation !== null) {
        this.world.modelViolations.push(violation);
        throw new ServiceFault(violation.code, violation.message);
      }
      const output = handler(this.context, input ?? {});
      return { ...output, $metadata: { httpStatusCode: 200, requestId, attempts: 1, totalRetryDelay: 0 } };
    } catch (error) {
      if (error instanceof ServiceFault) throw sdkError(service, error, requestId);
      throw error;
    }
  }
}

/**
 * Client settings that spare the simulation per-call work without changing what a call does:
 * `cacheMiddleware` resolves the middleware stack once per command class instead of on every
 * `send` (the SDK's own option; middleware must be added before the first call, as the harness and
 * tests do).
 */
export const LEAN_CLIENT_CONFIG = { cacheMiddleware: true } as const;

/**
 * Drops the SDK's logger middleware from a client that logs to the default no-op logger: it would
 * walk every input and output through the schema's sensitive-data filter for a log line nobody
 * receives (the costliest middleware on large outputs such as DescribeAutoScalingGroups).
 */
export function leanClient<T extends AttachableClient>(client: T): T {
  client.middlewareStack.remove("loggerMiddleware");
  return client;
}

/** The exception the real client would throw: the modeled class for the code, else the service's base class. */
function sdkError(service: ServiceName, fault: ServiceFault, requestId: string): Error {
  const { exports, base } = SDK_MODULES[service];
  const $metadata = { httpStatusCode: fault.httpStatusCode, requestId, attempts: 1, totalRetryDelay: 0 };
  const candidate = exports[fault.code];
  if (typeof candidate === "function" && candidate.prototype instanceof base) {
    const error = new (candidate as ExceptionClass)({
      $metadata,
      message: fault.message,
      Message: fault.message,
    });
    if (error.name === fault.code) return error;
  }
  return new base({ name: fault.code, $fault: fault.fault, $metadata, message: fault.message });
}
