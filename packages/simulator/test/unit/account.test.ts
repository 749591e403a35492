import { DescribeAutoScalingGroupsCommand, StartInstanceRefreshCommand } from "@aws-sdk/client-auto-scaling";
import {
  CreateLaunchTemplateVersionCommand,
  DescribeImagesCommand,
  EC2ServiceException,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import {
  DescribeInstanceInformationCommand,
  GetInventoryCommand,
  GetParametersCommand,
  SSMServiceException,
} from "@aws-sdk/client-ssm";
import { describe, expect, it } from "vitest";
import { SimulatedAccount } from "../../src/index";
import { AL2_PARAM, AL2023_PARAM, scenario } from "./fixtures";

const bigFleet = () =>
  scenario({
    groups: [
      {
        name: "api",
        desired: 70,
        launchTemplate: { name: "api-lt", version: 1, imageId: "ami-al2" },
        tags: {},
      },
      {
        name: "jobs",
        desired: 45,
        launchTemplate: { name: "jobs-lt", version: "$Latest", imageId: "ami-2023-61" },
      },
    ],
    standalone: 5,
  });

describe("simulated services behind the real SDK clients", () => {
  it("skips the no-op logger and resolves middleware once, yet a middleware added first sees every call", async () => {
    const { autoscaling } = SimulatedAccount.create(bigFleet()).createClients();
    expect(autoscaling.middlewareStack.identify().some((name) => name.startsWith("loggerMiddleware"))).toBe(
      false,
    );
    const seen: string[] = [];
    autoscaling.middlewareStack.add(
      (next, context) => async (args) => {
        seen.push(String(context.commandName));
        return next(args);
      },
      { step: "initialize", name: "testCounter" },
    );
    for (const name of ["api", "jobs", "api"]) {
      const out = await autoscaling.send(
        new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }),
      );
      expect(out.AutoScalingGroups?.[0]?.AutoScalingGroupName).toBe(name);
    }
    expect(seen).toEqual(Array(3).fill("DescribeAutoScalingGroupsCommand"));
  });

  it("rejects MaxResults above the service maximum, naming it", async () => {
    const { ssm, autoscaling, ec2 } = SimulatedAccount.create(bigFleet()).createClients();
    const info = await ssm
      .send(new DescribeInstanceInformationCommand({ MaxResults: 51 }))
      .catch((e: unknown) => e);
    expect(info).toBeInstanceOf(SSMServiceException);
    expect((info as Error).name).toBe("ValidationException");
    expect((info as Error).message).toMatch(/maxResults/);
    const inventory = await ssm.send(new GetInventoryCommand({ MaxResults: 51 })).catch((e: unknown) => e);
    expect((inventory as Error).name).toBe("ValidationException");
    const groups = await autoscaling
      .send(new DescribeAutoScalingGroupsCommand({ MaxRecords: 101 }))
      .catch((e: unknown) => e);
    expect((groups as Error).name).toBe("ValidationError");
    expect((groups as Error).message).toMatch(/maxRecords/);
    const images = await ec2.send(new DescribeImagesCommand({ MaxResults: 1001 })).catch((e: unknown) => e);
    expect(images).toBeInstanceOf(EC2ServiceException);
    expect((images as Error).name).toBe("InvalidParameterValue");
  });

  it("pages with NextToken, honouring MaxResults", async () => {
    const { ssm } = SimulatedAccount.create(bigFleet()).createClients();
    const pages: number[] = [];
    const ids = new Set<string>();
    let token: string | undefined;
    do {
      const out = await ssm.send(
        new DescribeInstanceInformationCommand({ MaxResults: 50, NextToken: token }),
      );
      pages.push(out.InstanceInformationList?.length ?? 0);
      for (const i of out.InstanceInformationList ?? []) ids.add(i.InstanceId ?? "");
      token = out.NextToken;
    } while (token);
    expect(pages).toEqual([50, 50, 20]);
    expect(ids.size).toBe(120);
  });

  it("lists the instances an InstanceIds filter names in account order, once each, and forgets a terminated one", async () => {
    const { ssm, ec2 } = SimulatedAccount.create(bigFleet()).createClients();
    const all: string[] = [];
    let token: string | undefined;
    do {
      const out = await ssm.send(
        new DescribeInstanceInformationCommand({ MaxResults: 50, NextToken: token }),
      );
      for (const i of out.InstanceInformationList ?? []) all.push(i.InstanceId ?? "");
      token = out.NextToken;
    } while (token);
    const [first, second, third] = [all[3] ?? "", all[40] ?? "", all[117] ?? ""];
    const named = async () =>
      (
        await ssm.send(
          new DescribeInstanceInformationCommand({
            Filters: [{ Key: "InstanceIds", Values: [third, first, "i-0000000000000dead", second, first] }],
          }),
        )
      ).InstanceInformationList?.map((i) => i.InstanceId);
    expect(await named()).toEqual([first, second, third]);
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [second] }));
    expect(await named()).toEqual([first, third]);
    const after = await ssm.send(
      new DescribeInstanceInformationCommand({ MaxResults: 50, NextToken: "sim1.NDA" }),
    );
    expect(after.InstanceInformationList?.[0]?.InstanceId).toBe(all[41]);
  });

  it("reports each instance's kernel through inventory, split into version and release", async () => {
    const { ssm } = SimulatedAccount.create(bigFleet()).createClients();
    const kernels = new Map<string, string>();
    let token: string | undefined;
    do {
      const out = await ssm.send(
        new GetInventoryCommand({
          Filters: [{ Key: "AWS:Application.Name", Values: ["kernel"], Type: "Equal" }],
          ResultAttributes: [{ TypeName: "AWS:Application" }],
          MaxResults: 50,
          NextToken: token,
        }),
      );
      for (const entity of out.Entities ?? []) {
        const row = entity.Data?.["AWS:Application"]?.Content?.[0];
        kernels.set(entity.Id ?? "", `${row?.Name} ${row?.Version} ${row?.Release}`);
      }
      token = out.NextToken;
    } while (token);
    expect(kernels.size).toBe(120);
    const values = [...kernels.values()];
    expect(values.filter((v) => v === "kernel 5.10.245 245.983.amzn2")).toHaveLength(75);
    expect(values.filter((v) => v === "kernel 6.1.158 180.294.amzn2023")).toHaveLength(45);
  });

  it("answers GetParameters for at most 10 names and lists unknown ones as invalid", async () => {
    const { ssm } = SimulatedAccount.create(scenario()).createClients();
    const out = await ssm.send(new GetParametersCommand({ Names: [AL2_PARAM, AL2023_PARAM, "/nope"] }));
    expect(Object.fromEntries((out.Parameters ?? []).map((p) => [p.Name, p.Value]))).toEqual({
      [AL2_PARAM]: "ami-al2",
      [AL2023_PARAM]: "ami-2023-61",
    });
    expect(out.InvalidParameters).toEqual(["/nope"]);
    const names = Array.from({ length: 11 }, (_, i) => `/p/${i}`);
    const error = await ssm.send(new GetParametersCommand({ Names: names })).catch((e: unknown) => e);
    expect((error as Error).name).toBe("ValidationException");
    expect((error as Error).message).toMatch(/names/);
  });

  it("retries throttled calls through the SDK's retry middleware and counts every attempt", async () => {
    const account = SimulatedAccount.create(
      scenario({
        faults: { throttle: { rate: 0.5, operations: ["autoscaling:DescribeAutoScalingGroups"] } },
      }),
    );
    const { autoscaling } = account.createClients({ maxAttempts: 20 });
    let retried = 0;
    for (let i = 0; i < 20; i++) {
      const out = await autoscaling.send(
        new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ["web"] }),
      );
      expect(out.AutoScalingGroups?.[0]?.DesiredCapacity).toBe(10);
      retried += (out.$metadata.attempts ?? 1) - 1;
    }
    expect(retried).toBeGreaterThan(0);
    expect(account.apiCalls()["autoscaling:DescribeAutoScalingGroups"]).toBe(20 + retried);

    const once = account.createClients({ maxAttempts: 1 }).autoscaling;
    let throttled: unknown;
    for (let i = 0; i < 50 && throttled === undefined; i++) {
      throttled = await once.send(new DescribeAutoScalingGroupsCommand({})).then(
        () => undefined,
        (e: unknown) => e,
      );
    }
    expect((throttled as Error).name).toBe("Throttling");
  });

  it("throws UnsupportedOperation for a command it does not simulate", async () => {
    const { ec2 } = SimulatedAccount.create(scenario()).createClients();
    const { DescribeVpcsCommand } = await import("@aws-sdk/client-ec2");
    const error = await ec2.send(new DescribeVpcsCommand({})).catch((e: unknown) => e);
    expect((error as Error).name).toBe("UnsupportedOperation");
    expect((error as Error).message).toMatch(/ec2:DescribeVpcs/);
  });

  it("gives an identical event and API trace for the same seed, and other ids for another seed", async () => {
    const run = async (seed: number) => {
      const account = SimulatedAccount.create(
        scenario({ seed, faults: { dropEvents: 0.3, throttle: { rate: 0.2, operations: [] } } }),
      );
      const { autoscaling, ec2 } = account.createClients({ maxAttempts: 50 });
      const trace: string[] = [];
      account.onRefreshEvent((event) => trace.push(JSON.stringify(event)));
      account.onProgress((p) => trace.push(JSON.stringify(p)));
      const v = await ec2.send(
        new CreateLaunchTemplateVersionCommand({
          LaunchTemplateName: "web-lt",
          SourceVersion: "3",
          LaunchTemplateData: { ImageId: "ami-2023-61" },
        }),
      );
      await autoscaling.send(
        new StartInstanceRefreshCommand({
          AutoScalingGroupName: "web",
          DesiredConfiguration: {
            LaunchTemplate: {
              LaunchTemplateName: "web-lt",
              Version: String(v.LaunchTemplateVersion?.VersionNumber),
            },
          },
          Preferences: { CheckpointPercentages: [50, 100], CheckpointDelay: 60 },
        }),
      );
      while (account.clock.advance()) {
        const out = await autoscaling.send(new DescribeAutoScalingGroupsCommand({}));
        trace.push((out.AutoScalingGroups?.[0]?.Instances ?? []).map((i) => i.InstanceId).join(","));
      }
      return { trace, calls: account.apiCalls() };
    };
    const a = await run(11);
    const b = await run(11);
    const c = await run(12);
    expect(b).toEqual(a);
    expect(c.trace).not.toEqual(a.trace);
  });
});

describe("attaching clients created elsewhere", () => {
  it("answers from the account and retries throttling without real-time backoff", async () => {
    const { AutoScalingClient } = await import("@aws-sdk/client-auto-scaling");
    const { SIMULATED_CREDENTIALS } = await import("../../src/index");
    const account = SimulatedAccount.create(
      scenario({
        faults: { throttle: { rate: 0.5, operations: ["autoscaling:DescribeAutoScalingGroups"] } },
      }),
    );
    const client = account.attach(
      new AutoScalingClient({ region: "us-east-1", credentials: SIMULATED_CREDENTIALS, maxAttempts: 30 }),
    );
    const started = performance.now();
    let attempts = 0;
    for (let i = 0; i < 10; i++) {
      const out = await client.send(new DescribeAutoScalingGroupsCommand({}));
      attempts += out.$metadata.attempts ?? 1;
    }
    expect(attempts).toBeGreaterThan(10);
    // The SDK's own backoff for throttling starts at a second per retry.
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
