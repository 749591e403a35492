import { beforeEach, describe, expect, it } from "vitest";
import { evaluateHealthTask } from "../../../src/tasks/evaluate-health";
import { verifyGroupTask } from "../../../src/tasks/verify-group";
import {
  groupProgress,
  groupRecord,
  NOW,
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
      sendCommandTo: async () => {
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
      listCommandStatuses: async () => {
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
    expect(next.health?.verdict).toContain("ssm:ListCommandInvocations failed");
  });
});

describe("verifyGroup runs the verify document on the sample with one command", () => {
  const REPORT = '{"fips_enabled": true, "kernel": "6.1.150-1.amzn2023.x86_64", "stig": "High"}';
  const succeeded = {
    ...atCheckpoint,
    event: { ...atCheckpoint.event, kind: "succeeded", checkpoint: null, percentage: 100 },
  };
  /** Three new instances in service, all answering SSM; the hardener records what is sent and read. */
  async function seedThreeNew() {
    await seedRefreshing({});
    const ids = ["i-c", "i-a", "i-b"];
    world.rollout.described = {
      desired: 3,
      inService: 3,
      healthyInService: 3,
      instances: ids.map((instanceId) => ({
        instanceId,
        launchTemplateVersion: "4",
        healthy: true,
        lifecycleState: "InService",
      })),
    };
    world.health.pingStatus = async () => Object.fromEntries(ids.map((id) => [id, "Online"]));
    const sent: string[][] = [];
    const wholeReads: string[] = [];
    let listed: { instanceId: string; status: string; stdout: string }[] = [];
    world.deps.hardener = {
      ...world.deps.hardener,
      findCommand: async () => null,
      sendCommandTo: async ({ instanceIds }) => {
        sent.push(instanceIds);
        return "c-1";
      },
      listCommandStatuses: async (commandId) => listed.map((l) => ({ ...l, commandId, stderr: "" })),
      getCommandStatus: async (commandId, instanceId) => {
        wholeReads.push(instanceId);
        return { commandId, instanceId, status: "Success", stdout: `starting\n${REPORT}\n`, stderr: "" };
      },
    };
    return { sent, wholeReads, list: (rows: typeof listed) => (listed = rows) };
  }

  it("sends one command to the whole sample and reads every result with one listing", async () => {
    const fake = await seedThreeNew();
    const describe = world.rollout.describeGroup.bind(world.rollout);
    let described = 0;
    world.rollout.describeGroup = (name) => {
      described++;
      return describe(name);
    };

    const polling = await verifyGroupTask(succeeded, world.deps);
    expect(described).toBe(1);
    expect(fake.sent).toEqual([["i-a", "i-b", "i-c"]]);
    expect(polling.verify?.commands).toEqual(
      ["i-a", "i-b", "i-c"].map((instanceId) => ({ instanceId, commandId: "c-1" })),
    );

    fake.list([
      { instanceId: "i-a", status: "Success", stdout: REPORT },
      { instanceId: "i-b", status: "InProgress", stdout: "" },
    ]);
    const waiting = await verifyGroupTask(polling, world.deps);
    expect(waiting.verify?.done).toBe(false);
    expect(waiting.verify?.commands.map((c) => c.instanceId)).toEqual(["i-b", "i-c"]);

    fake.list(["i-a", "i-b", "i-c"].map((instanceId) => ({ instanceId, status: "Success", stdout: REPORT })));
    const done = await verifyGroupTask(waiting, world.deps);
    expect(done.health).toEqual({ healthy: true, verdict: null });
    expect(fake.wholeReads).toEqual([]);
  });

  it("judges an output the listing cut short on the invocation's whole stdout", async () => {
    const fake = await seedThreeNew();
    const polling = await verifyGroupTask(succeeded, world.deps);
    fake.list(
      ["i-a", "i-b", "i-c"].map((instanceId) => ({
        instanceId,
        status: "Success",
        stdout: instanceId === "i-b" ? "x".repeat(2500) : REPORT,
      })),
    );

    const done = await verifyGroupTask(polling, world.deps);

    expect(done.health).toEqual({ healthy: true, verdict: null });
    expect(fake.wholeReads).toEqual(["i-b"]);
  });

  it("names the instance whose verify document failed", async () => {
    const fake = await seedThreeNew();
    const polling = await verifyGroupTask(succeeded, world.deps);
    fake.list([
      { instanceId: "i-a", status: "Success", stdout: REPORT },
      { instanceId: "i-b", status: "Failed", stdout: "" },
      { instanceId: "i-c", status: "Success", stdout: REPORT },
    ]);

    const done = await verifyGroupTask(polling, world.deps);

    expect(done.health).toEqual({
      healthy: false,
      verdict: "compliance of i-b: the verify document ended Failed",
    });
  });

  it("reuses the command an earlier attempt sent, and sends only to instances it missed", async () => {
    const fake = await seedThreeNew();
    world.deps.hardener.findCommand = async () => "c-0";
    fake.list([
      { instanceId: "i-a", status: "InProgress", stdout: "" },
      { instanceId: "i-b", status: "Pending", stdout: "" },
    ]);

    const polling = await verifyGroupTask(succeeded, world.deps);

    expect(fake.sent).toEqual([["i-c"]]);
    expect(polling.verify?.commands).toEqual([
      { instanceId: "i-a", commandId: "c-0" },
      { instanceId: "i-b", commandId: "c-0" },
      { instanceId: "i-c", commandId: "c-1" },
    ]);
  });
});

describe("evaluateHealth at a checkpoint: what it records and when it looks again", () => {
  const healthyPings = () => {
    const ping = world.health.pingStatus.bind(world.health);
    world.health.pingStatus = async () => ({ ...(await ping()), "i-new": "Online" });
  };
  const at = (checkpoint: number) => ({ ...atCheckpoint, event: { ...atCheckpoint.event, checkpoint } });

  it("records every checkpoint up to the one reached, each once, and remembers the last", async () => {
    await seedRefreshing();
    await world.ledger.updateProgress(RUN_ID, "web", (p) => ({ ...p, checkpointsEvaluated: [20] }));
    healthyPings();

    const next = await evaluateHealthTask(at(50), world.deps);

    expect(next.lastCheckpoint).toBe(50);
    expect((await world.ledger.getProgress(RUN_ID, "web")).checkpointsEvaluated).toEqual([20, 50]);
  });

  it("asks to judge the new instances again near the end of the checkpoint's delay", async () => {
    await seedRefreshing();
    healthyPings();

    const next = await evaluateHealthTask(atCheckpoint, world.deps);

    // Default delay 600 s: the second look comes 60 s (a tenth, at least 30 s) before it ends.
    expect(next.analysisWait).toEqual({ checkpoint: 20, from: NOW.toISOString(), waitSeconds: 540 });
  });

  it.each([
    ["analysis is off", { health: { analysis: { enabled: false } }, rollout: { checkpoints: [20, 50] } }],
    [
      "the checkpoint's delay is a minute or less",
      { rollout: { checkpoints: [20, 50], checkpointDelaySeconds: 60 } },
    ],
  ])("judges once when %s", async (_why, request) => {
    await seedRefreshing();
    await world.ledger.putRun(runRecord(request));
    healthyPings();

    const next = await evaluateHealthTask(atCheckpoint, world.deps);

    expect(next.health).toEqual({ healthy: true, verdict: null });
    expect(next.analysisWait).toBeUndefined();
  });

  it("asks for no second look at a group judged unhealthy", async () => {
    await seedRefreshing();
    world.health.alarms = { "web-5xx": "ALARM" };

    const next = await evaluateHealthTask(atCheckpoint, world.deps);

    expect(next.health).toEqual({ healthy: false, verdict: "alarm web-5xx is ALARM" });
    expect(next.analysisWait).toBeUndefined();
  });

  it("answers an abort as unhealthy, naming it, without reading any alarm", async () => {
    await seedRefreshing();
    await world.ledger.putRun(runRecord({}, { abortRequested: "aborted by ops: bad deploy" }));
    world.health.faults.alarmStates = serviceFault("Throttling", "Rate exceeded");

    const next = await evaluateHealthTask(atCheckpoint, world.deps);

    expect(next.health).toEqual({ healthy: false, verdict: "aborted by ops: bad deploy" });
  });

  describe("the second look", () => {
    const pending = { checkpoint: 20, from: "2026-11-21T09:51:00.000Z", waitSeconds: 540 };

    it("judges the new instances, marks the look done and leaves the checkpoints as they were", async () => {
      await seedRefreshing();

      const next = await evaluateHealthTask({ ...atCheckpoint, analysisWait: pending }, world.deps);

      expect(next.health?.healthy).toBe(true);
      expect(next.analysisWait).toEqual({ ...pending, waitSeconds: 0 });
      expect((await world.ledger.getProgress(RUN_ID, "web")).checkpointsEvaluated).toEqual([]);
    });

    it("fails closed, naming the call, when the group cannot be described", async () => {
      await seedRefreshing();
      world.rollout.describeGroup = async () => {
        throw serviceFault("Throttling", "Rate exceeded");
      };

      const next = await evaluateHealthTask({ ...atCheckpoint, analysisWait: pending }, world.deps);

      expect(next.health?.healthy).toBe(false);
      expect(next.health?.verdict).toContain(
        "autoscaling:DescribeAutoScalingGroups failed (Throttling: Rate exceeded)",
      );
      expect(next.analysisWait).toEqual({ ...pending, waitSeconds: 0 });
    });

    it("answers an abort requested meanwhile as unhealthy", async () => {
      await seedRefreshing();
      await world.ledger.putRun(runRecord({}, { abortRequested: "aborted by ops" }));

      const next = await evaluateHealthTask({ ...atCheckpoint, analysisWait: pending }, world.deps);

      expect(next.health).toEqual({ healthy: false, verdict: "aborted by ops" });
    });

    it("is a first look when the pending one was for another checkpoint", async () => {
      await seedRefreshing();
      healthyPings();

      const next = await evaluateHealthTask({ ...at(50), analysisWait: pending }, world.deps);

      expect(next.analysisWait).toEqual({ checkpoint: 50, from: NOW.toISOString(), waitSeconds: 540 });
      expect((await world.ledger.getProgress(RUN_ID, "web")).checkpointsEvaluated).toEqual([20, 50]);
    });
  });
});
