import {
  type Command,
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  paginateListCommandInvocations,
  paginateListCommands,
  SendCommandCommand,
  type SSMClient,
} from "@aws-sdk/client-ssm";
import { type CommandStatus, type ImageHardener, MAX_COMMAND_INSTANCES } from "@fleet-upgrade/core";
import { ClientNotGivenError, UnexpectedResponseError } from "./errors";
import { isErrorNamed } from "./support";

export interface SsmCommandRunnerClients {
  ssm: SSMClient;
}

/**
 * SendCommand's TimeoutSeconds: how long Run Command waits to deliver a command to the builder before it
 * ends TimedOut (DeliveryTimedOut) without running. It does not bound the run itself: that is each
 * document's own execution timeout (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html).
 */
export const COMMAND_TIMEOUT_SECONDS = 3600;

/**
 * Runs SSM documents on instances (Run Command) and reads their outcome: SSM alone, so a function that
 * only verifies bundles no EC2 client. {@link Ec2ImageHardener} adds the builder's EC2 calls; here
 * they fail with {@link ClientNotGivenError}.
 */
export class SsmCommandRunner implements ImageHardener {
  constructor(protected readonly clients: SsmCommandRunnerClients) {}

  async launchBuilder(_input: Parameters<ImageHardener["launchBuilder"]>[0]): Promise<string> {
    throw new ClientNotGivenError("ec2", "RunInstances");
  }

  async describeBuilder(_instanceId: string): Promise<{ state: string; pingStatus: string | null }> {
    throw new ClientNotGivenError("ec2", "DescribeInstances");
  }

  async createImage(_input: Parameters<ImageHardener["createImage"]>[0]): Promise<string> {
    throw new ClientNotGivenError("ec2", "CreateImage");
  }

  async terminate(_instanceId: string): Promise<void> {
    throw new ClientNotGivenError("ec2", "TerminateInstances");
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

  protected async pingStatus(instanceId: string): Promise<string | null> {
    const out = await this.clients.ssm.send(
      new DescribeInstanceInformationCommand({ Filters: [{ Key: "InstanceIds", Values: [instanceId] }] }),
    );
    return out.InstanceInformationList?.[0]?.PingStatus ?? null;
  }
}
