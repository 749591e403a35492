import "aws-sdk-client-mock-vitest/extend";
import {
  CreateImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  EC2Client,
  EC2ServiceException,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import {
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  InvalidCommandId,
  InvocationDoesNotExist,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  SendCommandCommand,
  SSMClient,
} from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { Ec2ImageHardener } from "../../src/ec2-image-hardener";
import { UnexpectedResponseError } from "../../src/errors";

const ec2 = mockClient(EC2Client);
const ssm = mockClient(SSMClient);
const hardener = new Ec2ImageHardener({
  ec2: new EC2Client({ region: "us-east-1" }),
  ssm: new SSMClient({ region: "us-east-1" }),
});

function ec2Error(name: string): EC2ServiceException {
  return new EC2ServiceException({ name, $fault: "client", $metadata: {}, message: name });
}

afterEach(() => {
  ec2.reset();
  ssm.reset();
});

describe("Ec2ImageHardener.launchBuilder", () => {
  it("launches one builder with the client token, profile, subnet, tags and IMDSv2 required", async () => {
    ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: "i-builder" }] });

    const instanceId = await hardener.launchBuilder({
      sourceImageId: "ami-src",
      architecture: "arm64",
      instanceType: "m7g.large",
      clientToken: "run-1-arm64",
      instanceProfileName: "fleet-upgrade-builder",
      subnetId: "subnet-1",
      tags: { Name: "fleet-upgrade-builder", "fleet-upgrade:run": "run-1" },
    });

    expect(instanceId).toBe("i-builder");
    expect(ec2).toHaveReceivedCommandTimes(RunInstancesCommand, 1);
    expect(ec2.commandCalls(RunInstancesCommand)[0]?.args[0].input).toEqual({
      ImageId: "ami-src",
      InstanceType: "m7g.large",
      MinCount: 1,
      MaxCount: 1,
      ClientToken: "run-1-arm64",
      IamInstanceProfile: { Name: "fleet-upgrade-builder" },
      SubnetId: "subnet-1",
      TagSpecifications: [
        {
          ResourceType: "instance",
          Tags: [
            { Key: "Name", Value: "fleet-upgrade-builder" },
            { Key: "fleet-upgrade:run", Value: "run-1" },
          ],
        },
      ],
      MetadataOptions: { HttpTokens: "required" },
    });
  });

  it("leaves out the instance profile and subnet when none is given", async () => {
    ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: "i-builder" }] });

    await hardener.launchBuilder({
      sourceImageId: "ami-src",
      architecture: "x86_64",
      instanceType: "m7i.large",
      clientToken: "t",
      instanceProfileName: null,
      subnetId: null,
      tags: {},
    });

    const input = ec2.commandCalls(RunInstancesCommand)[0]?.args[0].input;
    expect(input).not.toHaveProperty("IamInstanceProfile");
    expect(input).not.toHaveProperty("SubnetId");
  });

  it("fails with UnexpectedResponseError when RunInstances returns no instance", async () => {
    ec2.on(RunInstancesCommand).resolves({ Instances: [] });

    await expect(
      hardener.launchBuilder({
        sourceImageId: "ami-src",
        architecture: "x86_64",
        instanceType: "m7i.large",
        clientToken: "t",
        instanceProfileName: null,
        subnetId: null,
        tags: {},
      }),
    ).rejects.toBeInstanceOf(UnexpectedResponseError);
  });
});

describe("Ec2ImageHardener.describeBuilder", () => {
  it("returns the EC2 state and the SSM ping status of the builder", async () => {
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [{ Instances: [{ InstanceId: "i-builder", State: { Name: "running", Code: 16 } }] }],
    });
    ssm.on(DescribeInstanceInformationCommand).resolves({
      InstanceInformationList: [{ InstanceId: "i-builder", PingStatus: "Online" }],
    });

    expect(await hardener.describeBuilder("i-builder")).toEqual({ state: "running", pingStatus: "Online" });
    expect(ec2).toHaveReceivedCommandWith(DescribeInstancesCommand, { InstanceIds: ["i-builder"] });
    expect(ssm).toHaveReceivedCommandWith(DescribeInstanceInformationCommand, {
      Filters: [{ Key: "InstanceIds", Values: ["i-builder"] }],
    });
  });

  it("reports a builder EC2 does not show yet as pending with no ping status", async () => {
    ec2.on(DescribeInstancesCommand).rejects(ec2Error("InvalidInstanceID.NotFound"));
    ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [] });

    expect(await hardener.describeBuilder("i-new")).toEqual({ state: "pending", pingStatus: null });
  });
});

describe("Ec2ImageHardener commands", () => {
  it("sends the document to the one instance with parameters, comment and a one-hour timeout", async () => {
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: "cmd-1" } });

    const commandId = await hardener.sendCommand({
      documentName: "AWSEC2-ConfigureSTIG",
      instanceId: "i-builder",
      parameters: { Level: ["High"] },
      comment: "fleet-upgrade run-1 stig",
    });

    expect(commandId).toBe("cmd-1");
    expect(ssm.commandCalls(SendCommandCommand)[0]?.args[0].input).toEqual({
      DocumentName: "AWSEC2-ConfigureSTIG",
      InstanceIds: ["i-builder"],
      Parameters: { Level: ["High"] },
      Comment: "fleet-upgrade run-1 stig",
      TimeoutSeconds: 3600,
    });
  });

  it("finds the newest earlier command with the same comment across ListCommands pages", async () => {
    ssm
      .on(ListCommandsCommand)
      .resolves({
        Commands: [
          {
            CommandId: "cmd-other",
            Comment: "fleet-upgrade run-2 stig",
            RequestedDateTime: new Date("2026-10-01T10:05:00Z"),
          },
          {
            CommandId: "cmd-old",
            Comment: "fleet-upgrade run-1 stig",
            RequestedDateTime: new Date("2026-10-01T09:00:00Z"),
          },
        ],
        NextToken: "commands-2",
      })
      .on(ListCommandsCommand, { NextToken: "commands-2" })
      .resolves({
        Commands: [
          {
            CommandId: "cmd-new",
            Comment: "fleet-upgrade run-1 stig",
            RequestedDateTime: new Date("2026-10-01T10:00:00Z"),
          },
        ],
      });

    const found = await hardener.findCommand({
      documentName: "AWSEC2-ConfigureSTIG",
      instanceId: "i-builder",
      comment: "fleet-upgrade run-1 stig",
    });

    expect(found).toBe("cmd-new");
    const filter = {
      InstanceId: "i-builder",
      Filters: [{ key: "DocumentName" as const, value: "AWSEC2-ConfigureSTIG" }],
      MaxResults: 50,
    };
    expect(ssm).toHaveReceivedCommandTimes(ListCommandsCommand, 2);
    expect(ssm).toHaveReceivedNthCommandWith(ListCommandsCommand, 1, filter);
    expect(ssm).toHaveReceivedNthCommandWith(ListCommandsCommand, 2, { ...filter, NextToken: "commands-2" });
  });

  it("returns null when no command carries the comment", async () => {
    ssm.on(ListCommandsCommand).resolves({ Commands: [{ CommandId: "cmd-x", Comment: "someone else" }] });

    expect(await hardener.findCommand({ documentName: "D", instanceId: "i-1", comment: "mine" })).toBeNull();
  });

  it("maps GetCommandInvocation to status, stdout and stderr", async () => {
    ssm.on(GetCommandInvocationCommand).resolves({
      Status: "Success",
      StandardOutputContent: '{"fips_enabled": true}',
      StandardErrorContent: "",
    });

    expect(await hardener.getCommandStatus("cmd-1", "i-builder")).toEqual({
      commandId: "cmd-1",
      instanceId: "i-builder",
      status: "Success",
      stdout: '{"fips_enabled": true}',
      stderr: "",
    });
    expect(ssm).toHaveReceivedCommandWith(GetCommandInvocationCommand, {
      CommandId: "cmd-1",
      InstanceId: "i-builder",
    });
  });

  it("reports an invocation that does not exist yet as Pending", async () => {
    ssm
      .on(GetCommandInvocationCommand)
      .rejects(new InvocationDoesNotExist({ $metadata: {}, message: "not yet" }));

    expect(await hardener.getCommandStatus("cmd-1", "i-builder")).toEqual({
      commandId: "cmd-1",
      instanceId: "i-builder",
      status: "Pending",
      stdout: "",
      stderr: "",
    });
  });

  it("sends one command to several instances, and refuses more than SendCommand takes", async () => {
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: "cmd-many" } });
    const input = { documentName: "Verify", parameters: {}, comment: "verify web" };

    expect(await hardener.sendCommandTo({ ...input, instanceIds: ["i-1", "i-2"] })).toBe("cmd-many");
    expect(ssm).toHaveReceivedCommandWith(SendCommandCommand, {
      DocumentName: "Verify",
      InstanceIds: ["i-1", "i-2"],
      Comment: "verify web",
    });
    const tooMany = Array.from({ length: 51 }, (_, i) => `i-${i}`);
    await expect(hardener.sendCommandTo({ ...input, instanceIds: tooMany })).rejects.toThrow(
      "instanceIds: got 51 instances, expected 1 to 50",
    );
    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 1);
  });

  it("lists every invocation of a command with its status and output, over all pages", async () => {
    ssm
      .on(ListCommandInvocationsCommand)
      .resolvesOnce({
        CommandInvocations: [
          { InstanceId: "i-1", Status: "Success", CommandPlugins: [{ Name: "Verify", Output: "report-1" }] },
        ],
        NextToken: "page-2",
      })
      .resolvesOnce({ CommandInvocations: [{ InstanceId: "i-2", Status: "InProgress" }] });

    expect(await hardener.listCommandStatuses("cmd-1")).toEqual([
      { commandId: "cmd-1", instanceId: "i-1", status: "Success", stdout: "report-1", stderr: "" },
      { commandId: "cmd-1", instanceId: "i-2", status: "InProgress", stdout: "", stderr: "" },
    ]);
    expect(ssm).toHaveReceivedNthCommandWith(ListCommandInvocationsCommand, 1, {
      CommandId: "cmd-1",
      Details: true,
      MaxResults: 50,
    });
    expect(ssm).toHaveReceivedNthCommandWith(ListCommandInvocationsCommand, 2, {
      CommandId: "cmd-1",
      Details: true,
      MaxResults: 50,
      NextToken: "page-2",
    });
  });

  it("propagates other GetCommandInvocation errors", async () => {
    ssm.on(GetCommandInvocationCommand).rejects(new InvalidCommandId({ $metadata: {}, message: "bad id" }));

    await expect(hardener.getCommandStatus("cmd-?", "i-builder")).rejects.toBeInstanceOf(InvalidCommandId);
  });
});

describe("Ec2ImageHardener.createImage", () => {
  const input = {
    instanceId: "i-builder",
    name: "fleet-upgrade-al2023-abc123",
    tags: { "fleet-upgrade:source": "ami-src" },
  };

  it("creates the image with a reboot and tags on the image", async () => {
    ec2.on(CreateImageCommand).resolves({ ImageId: "ami-hardened" });

    expect(await hardener.createImage(input)).toBe("ami-hardened");
    expect(ec2.commandCalls(CreateImageCommand)[0]?.args[0].input).toEqual({
      InstanceId: "i-builder",
      Name: "fleet-upgrade-al2023-abc123",
      TagSpecifications: [
        { ResourceType: "image", Tags: [{ Key: "fleet-upgrade:source", Value: "ami-src" }] },
      ],
      NoReboot: false,
    });
  });

  it("returns the existing image of that name when the name is a duplicate", async () => {
    ec2.on(CreateImageCommand).rejects(ec2Error("InvalidAMIName.Duplicate"));
    ec2.on(DescribeImagesCommand).resolves({ Images: [{ ImageId: "ami-earlier" }] });

    expect(await hardener.createImage(input)).toBe("ami-earlier");
    expect(ec2).toHaveReceivedCommandExactlyOnceWith(DescribeImagesCommand, {
      Owners: ["self"],
      Filters: [{ Name: "name", Values: ["fleet-upgrade-al2023-abc123"] }],
    });
  });

  it("rethrows the duplicate error when no image of that name can be found", async () => {
    ec2.on(CreateImageCommand).rejects(ec2Error("InvalidAMIName.Duplicate"));
    ec2.on(DescribeImagesCommand).resolves({ Images: [] });

    await expect(hardener.createImage(input)).rejects.toMatchObject({ name: "InvalidAMIName.Duplicate" });
  });
});

describe("Ec2ImageHardener.terminate", () => {
  it("terminates the builder", async () => {
    ec2.on(TerminateInstancesCommand).resolves({});

    await hardener.terminate("i-builder");

    expect(ec2).toHaveReceivedCommandExactlyOnceWith(TerminateInstancesCommand, {
      InstanceIds: ["i-builder"],
    });
  });

  it("treats a builder that no longer exists as terminated", async () => {
    ec2.on(TerminateInstancesCommand).rejects(ec2Error("InvalidInstanceID.NotFound"));

    await expect(hardener.terminate("i-gone")).resolves.toBeUndefined();
  });

  it("propagates other termination errors", async () => {
    ec2.on(TerminateInstancesCommand).rejects(ec2Error("UnauthorizedOperation"));

    await expect(hardener.terminate("i-builder")).rejects.toMatchObject({ name: "UnauthorizedOperation" });
  });
});
