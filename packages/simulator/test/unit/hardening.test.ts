import {
  CreateImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import {
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  ListCommandsCommand,
  SendCommandCommand,
} from "@aws-sdk/client-ssm";
import type { Scenario } from "@fleet-upgrade/core";
import { FIPS_DOCUMENT_NAME, STIG_DOCUMENT_NAME, VERIFY_DOCUMENT_NAME } from "@fleet-upgrade/core";
import { describe, expect, it } from "vitest";
import { SimulatedAccount } from "../../src/index";
import { scenario } from "./fixtures";

async function builder(account: SimulatedAccount) {
  const { ec2, ssm } = account.createClients();
  const run = () =>
    ec2.send(
      new RunInstancesCommand({
        ImageId: "ami-2023-61",
        InstanceType: "m6i.large",
        MinCount: 1,
        MaxCount: 1,
        ClientToken: "builder-x86_64",
        TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "Name", Value: "builder" }] }],
      }),
    );
  const first = await run();
  const again = await run();
  const instanceId = first.Instances?.[0]?.InstanceId ?? "";
  expect(again.Instances?.[0]?.InstanceId).toBe(instanceId);
  expect(instanceId).toMatch(/^i-[0-9a-f]{17}$/);
  const state = async () =>
    (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations?.[0]
      ?.Instances?.[0]?.State?.Name;
  expect(await state()).toBe("pending");
  account.clock.advanceTo(account.clock.now() + account.scenario.hardening.builderLaunchSeconds * 1000);
  expect(await state()).toBe("running");
  const ping = await ssm.send(
    new DescribeInstanceInformationCommand({ Filters: [{ Key: "InstanceIds", Values: [instanceId] }] }),
  );
  expect(ping.InstanceInformationList?.[0]?.PingStatus).toBe("Online");
  return { instanceId, ec2, ssm };
}

async function runDocument(
  account: SimulatedAccount,
  instanceId: string,
  documentName: string,
  parameters: Record<string, string[]> = {},
) {
  const { ssm } = account.createClients();
  const sent = await ssm.send(
    new SendCommandCommand({
      DocumentName: documentName,
      InstanceIds: [instanceId],
      Parameters: parameters,
      Comment: "bake",
    }),
  );
  const commandId = sent.Command?.CommandId ?? "";
  const invocation = () =>
    ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }));
  const statuses = [(await invocation()).Status];
  const start = account.clock.now();
  while (!["Success", "Failed"].includes((await invocation()).Status ?? "") && account.clock.advance()) {
    statuses.push((await invocation()).Status);
  }
  return { out: await invocation(), statuses, seconds: (account.clock.now() - start) / 1000, commandId };
}

describe("hardening on a builder", () => {
  it("applies the STIG document after stigSeconds, then FIPS with a reboot, and verify reports both", async () => {
    const account = SimulatedAccount.create(scenario());
    const { instanceId } = await builder(account);
    const stig = await runDocument(account, instanceId, STIG_DOCUMENT_NAME, { Level: ["High"] });
    expect(stig.out.Status).toBe("Success");
    expect(stig.statuses[0]).toBe("Pending");
    expect(stig.statuses).toContain("InProgress");
    expect(stig.seconds).toBe(600);
    const fips = await runDocument(account, instanceId, FIPS_DOCUMENT_NAME);
    expect(fips.out.Status).toBe("Success");
    expect(fips.seconds).toBe(120);
    const verify = await runDocument(account, instanceId, VERIFY_DOCUMENT_NAME);
    expect(verify.seconds).toBe(0);
    expect(JSON.parse(verify.out.StandardOutputContent ?? "")).toEqual({
      fips_enabled: true,
      kernel: "6.1.158-180.294.amzn2023",
      stig: "high",
    });
    const { ssm } = account.createClients();
    const listed = await ssm.send(
      new ListCommandsCommand({
        InstanceId: instanceId,
        Filters: [{ key: "DocumentName", value: STIG_DOCUMENT_NAME }],
      }),
    );
    expect(listed.Commands?.map((c) => c.CommandId)).toEqual([stig.commandId]);
  });

  it("fails the STIG document with stderr when the scenario says it fails", async () => {
    const account = SimulatedAccount.create(scenario({ faults: { stigFails: true } }));
    const { instanceId } = await builder(account);
    const stig = await runDocument(account, instanceId, STIG_DOCUMENT_NAME, { Level: ["High"] });
    expect(stig.out.Status).toBe("Failed");
    expect(stig.out.StandardErrorContent).toMatch(/STIG/);
    expect(stig.out.ResponseCode).toBe(1);
  });

  it("answers InvocationDoesNotExist for an unknown command", async () => {
    const { ssm } = SimulatedAccount.create(scenario()).createClients();
    const error = await ssm
      .send(
        new GetCommandInvocationCommand({
          CommandId: "00000000-0000-4000-8000-000000000000",
          InstanceId: "i-0123456789abcdef0",
        }),
      )
      .catch((e: unknown) => e);
    expect((error as Error).name).toBe("InvocationDoesNotExist");
  });

  it("creates an image that inherits the builder's hardening and rejects a duplicate name", async () => {
    const account = SimulatedAccount.create(scenario());
    const { instanceId, ec2 } = await builder(account);
    await runDocument(account, instanceId, STIG_DOCUMENT_NAME, { Level: ["Medium"] });
    const create = () =>
      ec2.send(
        new CreateImageCommand({
          InstanceId: instanceId,
          Name: "fleet-upgrade-al2023-6.1-x86_64-stig-medium",
          TagSpecifications: [
            { ResourceType: "image", Tags: [{ Key: "fleet-upgrade:source", Value: "ami-2023-61" }] },
          ],
        }),
      );
    const { ImageId } = await create();
    expect(ImageId).toMatch(/^ami-[0-9a-f]{17}$/);
    const duplicate = await create().catch((e: unknown) => e);
    expect((duplicate as Error).name).toBe("InvalidAMIName.Duplicate");
    const own = await ec2.send(
      new DescribeImagesCommand({
        Owners: ["self"],
        Filters: [{ Name: "tag:fleet-upgrade:source", Values: ["ami-2023-61"] }],
      }),
    );
    expect(own.Images?.map((i) => [i.ImageId, i.State, i.Architecture])).toEqual([
      [ImageId, "pending", "x86_64"],
    ]);
    account.clock.advanceTo(account.clock.now() + 300_000);
    const image = (await ec2.send(new DescribeImagesCommand({ ImageIds: [ImageId ?? ""] }))).Images?.[0];
    expect(image?.State).toBe("available");
    expect(Date.parse(image?.DeprecationTime ?? "") - Date.parse(image?.CreationDate ?? "")).toBe(
      90 * 86_400_000,
    );
    expect(account.image(ImageId ?? "")).toMatchObject({ stig: "medium", fips: false });
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
    const gone = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    expect(gone.Reservations?.[0]?.Instances?.[0]?.State?.Name).toBe("terminated");
  });

  it("makes group instances from a hardened image report compliance unless the scenario fails it", async () => {
    const base: Scenario = scenario();
    for (const complianceFails of [false, true]) {
      const account = SimulatedAccount.create({
        ...base,
        groups: base.groups.map((g) => ({ ...g, desired: 2, min: 2, onNewImage: { complianceFails } })),
      });
      const { instanceId, ec2 } = await builder(account);
      await runDocument(account, instanceId, STIG_DOCUMENT_NAME, { Level: ["High"] });
      await runDocument(account, instanceId, FIPS_DOCUMENT_NAME);
      const { ImageId } = await ec2.send(
        new CreateImageCommand({ InstanceId: instanceId, Name: "hardened" }),
      );
      account.clock.runUntilIdle();
      const { autoscaling } = account.createClients();
      const { CreateLaunchTemplateVersionCommand } = await import("@aws-sdk/client-ec2");
      const { StartInstanceRefreshCommand } = await import("@aws-sdk/client-auto-scaling");
      const v = await ec2.send(
        new CreateLaunchTemplateVersionCommand({
          LaunchTemplateName: "web-lt",
          SourceVersion: "3",
          LaunchTemplateData: { ImageId },
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
        }),
      );
      account.clock.runUntilIdle();
      const member = account.group("web")?.instances[0]?.instanceId ?? "";
      const verify = await runDocument(account, member, VERIFY_DOCUMENT_NAME);
      expect(JSON.parse(verify.out.StandardOutputContent ?? "")).toEqual({
        fips_enabled: !complianceFails,
        kernel: "6.1.158-180.294.amzn2023",
        stig: "high",
      });
    }
  });
});
