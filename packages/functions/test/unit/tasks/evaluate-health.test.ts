import { beforeEach, describe, expect, it } from "vitest";
import { evaluateHealthTask } from "../../../src/tasks/evaluate-health";
import { verifyGroupTask } from "../../../src/tasks/verify-group";
import {
  groupProgress,
  groupRecord,
  RUN_ID,
  runRecord,
  seed,
  serviceFault,
  type TaskWorld,
  taskWorld,
} from "./task-fakes";

let world: TaskWorld;

const atCheckpoint = {
  runId: RUN_ID,
  wave: "canary",
  group: "web",
  phase: "waiting",
  instanceRefreshId: "ir-1",
  event: {
    kind: "checkpoint",
    instanceRefreshId: "ir-1",
    checkpoint: 20,
    percentage: 25,
    source: "event",
    reason: null,
  },
};

/** web (alarm web-5xx by tag) refreshing on version 4, with one new instance in service. */
async function seedRefreshing(tags: Record<string, string> = { "fleet-upgrade:alarms": "web-5xx" }) {
  await seed(
    world.ledger,
    runRecord({ rollout: { checkpoints: [20, 50] } }),
    [groupRecord("web", { tags })],
    [
      groupProgress("web", {
        outcome: "RUNNING",
        launchTemplateVersion: { from: 3, to: 4 },
        instanceRefreshIds: ["ir-1"],
      }),
    ],
  );
  world.health.alarms = { "web-5xx": "OK" };
  world.rollout.described = {
    desired: 4,
    inService: 4,
    healthyInService: 4,
    instances: [
      { instanceId: "i-new", launchTemplateVersion: "4", healthy: true, lifecycleState: "InService" },
    ],
  };
}

beforeEach(() => {
  world = taskWorld();
});

describe("evaluateHealth fails closed", () => {
  it("judges a group healthy when its alarm is OK and its new instance answers", async () => {
    await seedRefreshing();
    const ping = world.health.pingStatus.bind(world.health);
    world.health.pingStatus = async () => ({ ...(await ping()), "i-new": "Online" });

    const next = await evaluateHealthTask(atCheckpoint, world.deps);

    expect(next.health).toEqual({ healthy: true, verdict: null });
  });

  it("judges the group unhealthy, naming the call, when DescribeAlarms keeps failing", async () => {
    await seedRefreshing();
    world.health.faults.alarmStates = serviceFault("Throttling", "Rate exceeded");

    const next = await evaluateHealthTask(atCheckpoint, world.deps);

    expect(next.health?.healthy).toBe(false);
    expect(next.health?.verdict).toBe(
      "health could not be judged, so it fails closed: cloudwatch:DescribeAlarms failed (Throttling: Rate exceeded)",
    );
  });

  it.each([
    ["targetHealth", "elasticloadbalancing:DescribeTargetHealth"],
    ["pingStatus", "ssm:DescribeInstanceInformation"],
  ] as const)("judges the group unhealthy when %s fails, naming %s", async (method, call) => {
    await seedRefreshing();
    await world.ledger.putGroups(RUN_ID, [
      groupRecord("web", { tags: {}, targetGroupArns: ["arn:aws:elasticloadbalancing:tg/web"] }),
    ]);
    world.health.faults[method] = serviceFault("ThrottlingException", "Rate exceeded");

    const next = await evaluateHealthTask(atCheckpoint, world.deps);

    expect(next.health?.healthy).toBe(false);
    expect(next.health?.verdict).toContain(`${call} failed`);
  });

  it("judges the group unhealthy when describing the group fails", async () => {
    await seedRefreshing();
    world.rollout.describeGroup = async () => {
      throw serviceFault("Throttling", "Rate exceeded");
    };

    const next = await evaluateHealthTask(atCheckpoint, world.deps);

    expect(next.health?.verdict).toContain(
      "autoscaling:DescribeAutoScalingGroups failed (Throttling: Rate exceeded)",
    );
  });

  it("judges the group unhealthy, naming the alarm, when an alarm it watches does not exist", async () => {
    await seedRefreshing({ "fleet-upgrade:alarms": "web-5xx,web-latency" });

    const next = await evaluateHealthTask(atCheckpoint, world.deps);

    expect(next.health?.healthy).toBe(false);
    expect(next.health?.verdict).toMatch(/^alarm web-latency does not exist in CloudWatch/);
  });
});

describe("verifyGroup fails closed", () => {
  it("judges the group unhealthy, naming the call, when the verify command cannot be sent", async () => {
    await seedRefreshing();
    const ping = world.health.pingStatus.bind(world.health);
    world.health.pingStatus = async () => ({ ...(await ping()), "i-new": "Online" });
    world.deps.hardener = {
      ...world.deps.hardener,
      findCommand: async () => null,
      sendCommand: async () => {
        throw serviceFault("ThrottlingException", "Rate exceeded");
      },
    };
    const succeeded = {
      ...atCheckpoint,
      event: { ...atCheckpoint.event, kind: "succeeded", checkpoint: null, percentage: 100 },
    };

    const next = await verifyGroupTask(succeeded, world.deps);

    expect(next.verify?.done).toBe(true);
    expect(next.health).toEqual({
      healthy: false,
      verdict:
        "health could not be judged, so it fails closed: ssm:SendCommand failed (ThrottlingException: Rate exceeded)",
    });
  });

  it("judges the group unhealthy when the verify command's status cannot be read", async () => {
    await seedRefreshing();
    world.deps.hardener = {
      ...world.deps.hardener,
      getCommandStatus: async () => {
        throw serviceFault("ThrottlingException", "Rate exceeded");
      },
    };
    const polling = {
      ...atCheckpoint,
      verify: {
        done: false,
        waitSeconds: 2,
        rounds: 1,
        commands: [{ instanceId: "i-new", commandId: "c-1" }],
      },
    };

    const next = await verifyGroupTask(polling, world.deps);

    expect(next.health?.healthy).toBe(false);
    expect(next.health?.verdict).toContain("ssm:GetCommandInvocation failed");
  });
});
