import {
  type _InstanceType,
  CreateImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  type EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import {
  type Command,
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  paginateListCommandInvocations,
  paginateListCommands,
  SendCommandCommand,
  type SSMClient,
} from "@aws-sdk/client-ssm";
import {
  type CommandStatus,
  type ImageHardener,
  type LaunchBuilderInput,
  MAX_COMMAND_INSTANCES,
} from "@fleet-upgrade/core";
import { UnexpectedResponseError } from "./errors";
import { isErrorNamed, recordToTags } from "./support";

export interface Ec2ImageHardenerClients {
  ec2: EC2Client;
  ssm: SSMClient;
}

/**
 * SendCommand's TimeoutSeconds: how long Run Command waits to deliver a command to the builder before it
 * ends TimedOut (DeliveryTimedOut) without running. It does not bound the run itself: that is each
 * document's own execution timeout (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html).
 */
export const COMMAND_TIMEOUT_SECONDS = 3600;

/** Launches a builder instance, runs SSM documents on it, images it and terminates it. */
export class Ec2ImageHardener implements ImageHardener {
  constructor(private readonly clients: Ec2ImageHardenerClients) {}

  async launchBuilder(input: LaunchBuilderInput): Promise<string> {
    const out = await this.clients.ec2.send(
      new RunInstancesCommand({
        ImageId: input.sourceImageId,
        // The SDK's union lags behind new instance types; EC2 validates the name.
        InstanceType: input.instanceType as _InstanceType,
        MinCount: 1,
        MaxCount: 1,
        ClientToken: input.clientToken,
        ...(input.instanceProfileName !== null && {
          IamInstanceProfile: { Name: input.instanceProfileName },
        }),
        ...(input.subnetId !== null && { SubnetId: input.subnetId }),
        TagSpecifications: [{ ResourceType: "instance", Tags: recordToTags(input.tags) }],
        MetadataOptions: { HttpTokens: "required" },
      }),
    );
    const instanceId = out.Instances?.[0]?.InstanceId;
    if (instanceId === undefined) throw new UnexpectedResponseError("RunInstances", "without an instance id");
    return instanceId;
  }

  async describeBuilder(instanceId: string): Promise<{ state: string; pingStatus: string | null }> {
    const [state, pingStatus] = await Promise.all([
      this.instanceState(instanceId),
      this.pingStatus(instanceId),
    ]);
    return { state, pingStatus };
  }

  async sendCommand(input: {
    documentName: string;
    instanceId: string;
    parameters: Record<string, string[]>;
    comment: string;
  }): Promise<string> {
    const { instanceId, ...rest } = input;
    return this.sendCommandTo({ ...rest, instanceIds: [instanceId] });
  }

  async sendCommandTo(input: {
    documentName: string;
    instanceIds: string[];
    parameters: Record<string, string[]>;
    comment: string;
  }): Promise<string> {
    if (input.instanceIds.length === 0 || input.instanceIds.length > MAX_COMMAND_INSTANCES) {
      throw new RangeError(
        `instanceIds: got ${input.instanceIds.length} instances, expected 1 to ${MAX_COMMAND_INSTANCES} (SendCommand's limit)`,
      );
    }
    const out = await this.clients.ssm.send(
      new SendCommandCommand({
        DocumentName: input.documentName,
        InstanceIds: input.instanceIds,
        Parameters: input.parameters,
        Comment: input.comment,
        TimeoutSeconds: COMMAND_TIMEOUT_SECONDS,
      }),
    );
    const commandId = out.Command?.CommandId;
    if (commandId === undefined) throw new UnexpectedResponseError("SendCommand", "without a command id");
    return commandId;
  }

  async listCommandStatuses(commandId: string): Promise<CommandStatus[]> {
    const statuses: CommandStatus[] = [];
    const pages = paginateListCommandInvocations(
      { client: this.clients.ssm },
      { CommandId: commandId, Details: true, MaxResults: 50 },
    );
    for await (const page of pages) {
      for (const invocation of page.CommandInvocations ?? []) {
        if (invocation.InstanceId === undefined) continue;
        // Each step of the document is a plugin; their outputs in order stand for the whole stdout.
        const plugins = invocation.CommandPlugins ?? [];
        statuses.push({
          commandId,
          instanceId: invocation.InstanceId,
          status: invocation.Status ?? "Pending",
          stdout: plugins.map((plugin) => plugin.Output ?? "").join("\n"),
          stderr: "",
        });
      }
    }
    return statuses;
  }

  async findCommand(input: {
    documentName: string;
    instanceId: string;
    comment: string;
  }): Promise<string | null> {
    const matches: Command[] = [];
    const pages = paginateListCommands(
      { client: this.clients.ssm },
      {
        InstanceId: input.instanceId,
        Filters: [{ key: "DocumentName", value: input.documentName }],
        MaxResults: 50,
      },
    );
    for await (const page of pages)
      matches.push(...(page.Commands ?? []).filter((command) => command.Comment === input.comment));
    // The newest attempt is the one whose outcome counts.
    const newest = matches.sort(
      (a, b) => (b.RequestedDateTime?.getTime() ?? 0) - (a.RequestedDateTime?.getTime() ?? 0),
    )[0];
    return newest?.CommandId ?? null;
  }

  async getCommandStatus(commandId: string, instanceId: string): Promise<CommandStatus> {
    try {
      const out = await this.clients.ssm.send(
        new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }),
      );
      return {
        commandId,
        instanceId,
        status: out.Status ?? "Pending",
        stdout: out.StandardOutputContent ?? "",
        stderr: out.StandardErrorContent ?? "",
      };
    } catch (error) {
      // Right after SendCommand the invocation may not exist yet.
      if (isErrorNamed(error, "InvocationDoesNotExist")) {
        return { commandId, instanceId, status: "Pending", stdout: "", stderr: "" };
      }
      throw error;
    }
  }

  async createImage(input: {
    instanceId: string;
    name: string;
    tags: Record<string, string>;
  }): Promise<string> {
    try {
      const out = await this.clients.ec2.send(
        new CreateImageCommand({
          InstanceId: input.instanceId,
          Name: input.name,
          TagSpecifications: [{ ResourceType: "image", Tags: recordToTags(input.tags) }],
          NoReboot: false,
        }),
      );
      if (out.ImageId === undefined) throw new UnexpectedResponseError("CreateImage", "without an image id");
      return out.ImageId;
    } catch (error) {
      if (!isErrorNamed(error, "InvalidAMIName.Duplicate")) throw error;
      // Names are deterministic: the image of that name is this step's own earlier attempt.
      const existing = await this.clients.ec2.send(
        new DescribeImagesCommand({ Owners: ["self"], Filters: [{ Name: "name", Values: [input.name] }] }),
      );
      const imageId = existing.Images?.[0]?.ImageId;
      if (imageId === undefined) throw error;
      return imageId;
    }
  }

  async terminate(instanceId: string): Promise<void> {
    try {
      await this.clients.ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
    } catch (error) {
      if (!isErrorNamed(error, "InvalidInstanceID.NotFound")) throw error;
    }
  }

  private async instanceState(instanceId: string): Promise<string> {
    try {
      const out = await this.clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
      const instance = out.Reservations?.flatMap((reservation) => reservation.Instances ?? [])[0];
      // EC2 is eventually consistent: a just-launched instance can be invisible for a moment.
      return instance?.State?.Name ?? "pending";
    } catch (error) {
      if (isErrorNamed(error, "InvalidInstanceID.NotFound")) return "pending";
      throw error;
    }
  }

  private async pingStatus(instanceId: string): Promise<string | null> {
    const out = await this.clients.ssm.send(
      new DescribeInstanceInformationCommand({ Filters: [{ Key: "InstanceIds", Values: [instanceId] }] }),
    );
    return out.InstanceInformationList?.[0]?.PingStatus ?? null;
  }
}
