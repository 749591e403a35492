import {
  type GroupProgress,
  type GroupRecord,
  type GroupRollout,
  type HealthMonitor,
  type MetricReader,
  type Notifier,
  type RefreshState,
  RunLedger,
  type RunNotification,
  type RunRecord,
  type RunRequestInput,
  RunRequestSchema,
  type StartRefreshInput,
  type TaskResumer,
  type TemplateUser,
} from "@fleet-upgrade/core";
import { MemoryLedgerStore } from "@fleet-upgrade/harness/memory-ledger-store";
import { DEFAULT_SETTINGS, type FunctionDeps, silentLogger } from "../../../src/runtime/deps";
import { noMetrics } from "../../../src/runtime/metrics";

/**
 * Fakes shared by the task tests: the ledger store as a map with the port's conditional writes,
 * and small adapters that record what the tasks asked of AWS.
 */

export const RUN_ID = "run-1";
export const NOW = new Date("2026-11-21T10:00:00.000Z");
export const OLD_IMAGE = "ami-0old";
export const NEW_IMAGE = "ami-0new";

/** An AWS service error as the SDK throws it: matched on `name`. */
export function serviceFault(name: string, message = name): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

type DescribedGroup = Awaited<ReturnType<GroupRollout["describeGroup"]>>;

/**
 * Auto Scaling as far as the tasks see it: numbered launch template versions (idempotent by client
 * token) and each group's refreshes, newest first. Records every call, in order.
 */
export class FakeRollout implements GroupRollout {
  readonly order: string[] = [];
  readonly created: Parameters<GroupRollout["createLaunchTemplateVersion"]>[0][] = [];
  readonly pinned: { groupName: string; launchTemplateId: string; version: number }[] = [];
  readonly started: StartRefreshInput[] = [];
  readonly rolledBack: string[] = [];
  readonly cancelled: string[] = [];
  refreshes: RefreshState[] = [];
  described: DescribedGroup = null;
  nextVersion = 4;
  /** Thrown by the next StartInstanceRefresh, after `appearing` refreshes show up (a racing start). */
  startFault: { error: Error; appearing: RefreshState[] } | null = null;
  rollbackFault: Error | null = null;
  private readonly versionsByToken = new Map<string, number>();
  private refreshCount = 0;

  async describeGroup(groupName: string): Promise<DescribedGroup> {
    this.order.push(`describeGroup ${groupName}`);
    return this.described;
  }

  async createLaunchTemplateVersion(input: Parameters<GroupRollout["createLaunchTemplateVersion"]>[0]) {
    this.order.push("createLaunchTemplateVersion");
    this.created.push(input);
    const known = this.versionsByToken.get(input.clientToken);
    if (known !== undefined) return known;
    const version = this.nextVersion++;
    this.versionsByToken.set(input.clientToken, version);
    return version;
  }

  /** Every group of the account and the template version it names (the run's groups included). */
  templateUsers: TemplateUser[] = [];

  async listTemplateUsers(): Promise<TemplateUser[]> {
    this.order.push("listTemplateUsers");
    return this.templateUsers.map((u) => ({ ...u }));
  }

  metricsEnabled: string[] = [];

  async enableMetricsCollection(groupName: string) {
    this.order.push("enableMetricsCollection");
    this.metricsEnabled.push(groupName);
  }

  async pinLaunchTemplateVersion(groupName: string, launchTemplateId: string, version: number) {
    this.order.push("pinLaunchTemplateVersion");
    this.pinned.push({ groupName, launchTemplateId, version });
  }

  async startRefresh(input: StartRefreshInput): Promise<string> {
    this.order.push("startRefresh");
    this.started.push(input);
    if (this.startFault) {
      const { error, appearing } = this.startFault;
      this.startFault = null;
      this.refreshes.unshift(...appearing);
      throw error;
    }
    const id = `ir-started-${++this.refreshCount}`;
    this.refreshes.unshift(refreshState(id, input.groupName, "InProgress", String(input.version)));
    return id;
  }

  async describeRefreshes(groupName: string, instanceRefreshIds?: string[]): Promise<RefreshState[]> {
    this.order.push("describeRefreshes");
    return this.refreshes
      .filter((r) => r.groupName === groupName)
      .filter((r) => !instanceRefreshIds || instanceRefreshIds.includes(r.instanceRefreshId))
      .map((r) => ({ ...r }));
  }

  async rollbackRefresh(groupName: string): Promise<string> {
    this.order.push("rollbackRefresh");
    this.rolledBack.push(groupName);
    if (this.rollbackFault) throw this.rollbackFault;
    const active = this.active(groupName);
    if (!active) throw serviceFault("ActiveInstanceRefreshNotFoundFault");
    active.status = "RollbackInProgress";
    return active.instanceRefreshId;
  }

  async cancelRefresh(groupName: string): Promise<string> {
    this.order.push("cancelRefresh");
    this.cancelled.push(groupName);
    const active = this.active(groupName);
    if (!active) throw serviceFault("ActiveInstanceRefreshNotFoundFault");
    active.status = "Cancelling";
    return active.instanceRefreshId;
  }

  /** Moves a refresh on, as Auto Scaling would between two calls. */
  settle(instanceRefreshId: string, status: RefreshState["status"], statusReason: string | null = null) {
    const refresh = this.refreshes.find((r) => r.instanceRefreshId === instanceRefreshId);
    if (!refresh) throw new Error(`no refresh ${instanceRefreshId} to settle`);
    refresh.status = status;
    refresh.statusReason = statusReason;
  }

  private active(groupName: string): RefreshState | undefined {
    return this.refreshes.find(
      (r) => r.groupName === groupName && ["Pending", "InProgress", "Baking"].includes(r.status),
    );
  }
}

export function refreshState(
  instanceRefreshId: string,
  groupName: string,
  status: RefreshState["status"],
  desiredVersion: string | null,
  statusReason: string | null = null,
): RefreshState {
  return {
    instanceRefreshId,
    groupName,
    status,
    statusReason,
    percentageComplete: status === "Successful" ? 100 : 0,
    instancesToUpdate: 0,
    startTime: NOW.toISOString(),
    endTime: null,
    desiredVersion,
  };
}

export class FakeHealth implements HealthMonitor {
  lowestInService: number | null = null;
  readonly minInServiceAsked: { groupName: string; from: Date; to: Date }[] = [];
  /** Alarms that exist, with their state; a name absent here does not exist. */
  alarms: Record<string, string> = {};
  /** Per method: the error it throws (as the adapter would after the SDK's retries). */
  faults: Partial<Record<keyof HealthMonitor, Error>> = {};

  private fault(method: keyof HealthMonitor): void {
    const error = this.faults[method];
    if (error) throw error;
  }

  async minInService(groupName: string, from: Date, to: Date): Promise<number | null> {
    this.minInServiceAsked.push({ groupName, from, to });
    this.fault("minInService");
    return this.lowestInService;
  }
  async alarmStates(alarmNames: string[]): Promise<Record<string, string>> {
    this.fault("alarmStates");
    const states: Record<string, string> = {};
    for (const name of alarmNames) {
      const state = this.alarms[name];
      if (state !== undefined) states[name] = state;
    }
    return states;
  }
  async targetHealth(): Promise<Record<string, string>> {
    this.fault("targetHealth");
    return {};
  }
  async pingStatus(): Promise<Record<string, string>> {
    this.fault("pingStatus");
    return {};
  }
}

/**
 * CloudWatch's per-instance series as the judge reads them: one sample a period around each
 * instance's level, spread +-20% minute to minute (each instance in its own phase, so instances of
 * a side do not differ on average). Records every read; `fault` makes every read throw.
 */
export class FakeMetrics implements MetricReader {
  /** Level of each instance; an instance absent here has no data. */
  levels: Record<string, number> = {};
  readonly reads: Parameters<MetricReader["readInstanceSeries"]>[0][] = [];
  fault: Error | null = null;

  async readInstanceSeries(input: Parameters<MetricReader["readInstanceSeries"]>[0]) {
    this.reads.push(input);
    if (this.fault) throw this.fault;
    const periods = Math.floor((input.to.getTime() - input.from.getTime()) / (input.periodSeconds * 1000));
    const phase = (id: string) => [...id].reduce((sum, c) => sum + c.charCodeAt(0), 0);
    return input.metrics.map(() =>
      Object.fromEntries(
        input.instanceIds.map((id) => {
          const level = this.levels[id];
          const values =
            level === undefined
              ? []
              : Array.from(
                  { length: periods },
                  (_, m) => level * (1 + (((m * 7 + phase(id)) % 11) - 5) / 25),
                );
          return [id, values];
        }),
      ),
    );
  }
}

export class FakeResumer implements TaskResumer {
  readonly succeeded: { taskToken: string; output: unknown }[] = [];
  readonly failed: { taskToken: string; error: string; cause: string }[] = [];

  async succeed(taskToken: string, output: unknown): Promise<void> {
    this.succeeded.push({ taskToken, output });
  }
  async fail(taskToken: string, error: string, cause: string): Promise<void> {
    this.failed.push({ taskToken, error, cause });
  }
}

export class FakeNotifier implements Notifier {
  readonly sent: RunNotification[] = [];
  async notify(notification: RunNotification): Promise<void> {
    this.sent.push(notification);
  }
}

/** A port the task under test must not touch: any call fails the test. */
function unused<T>(port: string): T {
  return new Proxy(
    {},
    {
      get: (_target, method) => () =>
        Promise.reject(new Error(`${port}.${String(method)} is not for this task`)),
    },
  ) as T;
}

export interface TaskWorld {
  deps: FunctionDeps;
  ledger: RunLedger;
  rollout: FakeRollout;
  health: FakeHealth;
  metrics: FakeMetrics;
  resumer: FakeResumer;
  notifier: FakeNotifier;
}

export function taskWorld(): TaskWorld {
  const ledger = new RunLedger(new MemoryLedgerStore());
  const rollout = new FakeRollout();
  const health = new FakeHealth();
  const metrics = new FakeMetrics();
  const resumer = new FakeResumer();
  const notifier = new FakeNotifier();
  const deps: FunctionDeps = {
    inventory: unused("inventory"),
    catalog: unused("catalog"),
    hardener: unused("hardener"),
    rollout,
    readiness: unused("readiness"),
    health,
    metrics,
    resumer,
    ledger,
    notifier,
    now: () => NOW,
    settings: DEFAULT_SETTINGS,
    logger: silentLogger,
    metricsSink: noMetrics,
  };
  return { deps, ledger, rollout, health, metrics, resumer, notifier };
}

export function runRecord(request: RunRequestInput = {}, over: Partial<RunRecord> = {}): RunRecord {
  return {
    runId: RUN_ID,
    status: "RUNNING",
    reason: "running",
    request: RunRequestSchema.parse(request),
    startedAt: "2026-11-21T09:00:00.000Z",
    endedAt: null,
    inventory: null,
    target: {
      kernel: "6.1",
      kernelVersion: null,
      images: [
        {
          architecture: "x86_64",
          sourceImageId: "ami-0source",
          sourceImageName: "al2023-ami-2023.9.20261110.0-kernel-6.1-x86_64",
          imageId: NEW_IMAGE,
        },
      ],
    },
    waves: [{ name: "canary", groups: ["web"], instances: 4, status: "RUNNING" }],
    halt: null,
    groupOutcomes: null,
    abortRequested: null,
    ...over,
  };
}

export function groupRecord(name: string, over: Partial<GroupRecord> = {}): GroupRecord {
  return {
    name,
    arn: `arn:aws:autoscaling:eu-west-1:111122223333:autoScalingGroup:uuid:autoScalingGroupName/${name}`,
    desired: 4,
    min: 2,
    max: 8,
    launchTemplate: {
      launchTemplateId: `lt-${name}`,
      launchTemplateName: name,
      versionSpec: "3",
      resolvedVersion: 3,
      imageRef: OLD_IMAGE,
    },
    imageId: OLD_IMAGE,
    architecture: "x86_64",
    tags: {},
    instanceIds: ["i-1", "i-2", "i-3", "i-4"],
    targetGroupArns: [],
    defaultInstanceWarmup: null,
    ...over,
  };
}

export function groupProgress(name: string, over: Partial<GroupProgress> = {}): GroupProgress {
  return {
    name,
    wave: "canary",
    outcome: "NOT_STARTED",
    reason: null,
    fromImageId: OLD_IMAGE,
    toImageId: NEW_IMAGE,
    launchTemplateVersion: { from: 3, to: null },
    minHealthyPercentObserved: null,
    instanceRefreshIds: [],
    refreshStartedAt: null,
    checkpointsEvaluated: [],
    notes: [],
    regressed: false,
    ...over,
  };
}

/** Writes the run, its groups' inventory and their progress, as the earlier tasks would have. */
export async function seed(
  ledger: RunLedger,
  run: RunRecord,
  groups: GroupRecord[],
  progress: GroupProgress[],
): Promise<void> {
  await ledger.putRun(run);
  await ledger.putGroups(run.runId, groups);
  await ledger.putProgress(run.runId, progress);
}
