import type {
  GetCommandInvocationCommandInput,
  ListCommandInvocationsCommandInput,
  ListCommandsCommandInput,
  SendCommandCommandInput,
} from "@aws-sdk/client-ssm";
import { LISTED_OUTPUT_CHARS, STIG_DOCUMENT_NAME } from "@fleet-upgrade/core";
import { ServiceFault, validationFault } from "../../errors";
import type { CommandState, InvocationState, World } from "../../world";
import { checkRange, isoMs, paginate, type ServiceContext, type ServiceHandlers } from "../common";
import { KNOWN_DOCUMENTS, runDocument } from "./documents";

/** SSM Run Command: SendCommand, ListCommands, ListCommandInvocations, GetCommandInvocation. */

const S = "ssm" as const;
const FINAL_STATUSES = new Set([
  "Success",
  "Failed",
  "Cancelled",
  "TimedOut",
  "DeliveryTimedOut",
  "Undeliverable",
  "Terminated",
]);

function commandStatus(command: CommandState): string {
  const statuses = [...command.invocations.values()].map((i) => i.status);
  if (statuses.every((s) => s === "Pending")) return "Pending";
  if (statuses.some((s) => !FINAL_STATUSES.has(s))) return "InProgress";
  if (statuses.every((s) => s === "Success")) return "Success";
  if (statuses.some((s) => s === "Failed")) return "Failed";
  return statuses.find((s) => s !== "Success") ?? "Failed";
}

function describeCommand(command: CommandState): object {
  const invocations = [...command.invocations.values()];
  return {
    CommandId: command.commandId,
    DocumentName: command.documentName,
    DocumentVersion: "$DEFAULT",
    Comment: command.comment,
    Parameters: structuredClone(command.parameters),
    InstanceIds: [...command.instanceIds],
    Targets: [],
    RequestedDateTime: new Date(command.requestedMs),
    Status: commandStatus(command),
    StatusDetails: commandStatus(command),
    TimeoutSeconds: command.timeoutSeconds,
    TargetCount: invocations.length,
    CompletedCount: invocations.filter((i) => FINAL_STATUSES.has(i.status)).length,
    ErrorCount: invocations.filter((i) => i.status === "Failed").length,
    DeliveryTimedOutCount: invocations.filter((i) => i.statusDetails === "DeliveryTimedOut").length,
    MaxConcurrency: "50",
    MaxErrors: "0",
  };
}

/**
 * The commands a CommandId or InstanceId narrows a listing to, newest first, looked up by index
 * rather than by scanning every command the account ever ran.
 */
function newestCommands(world: World, commandId?: string, instanceId?: string): CommandState[] {
  let commands: readonly CommandState[] = world.commands;
  if (commandId !== undefined) {
    const command = world.commandsById.get(commandId);
    commands = command === undefined ? [] : [command];
  } else if (instanceId !== undefined) {
    commands = world.commandsByInstance.get(instanceId) ?? [];
  }
  return [...commands].reverse();
}

function findInvocation(
  ctx: ServiceContext,
  commandId: string,
  instanceId: string,
): { command: CommandState; invocation: InvocationState } {
  const command = ctx.world.commandsById.get(commandId);
  const invocation = command?.invocations.get(instanceId);
  if (command === undefined || invocation === undefined) {
    throw new ServiceFault(
      "InvocationDoesNotExist",
      "An error occurred (InvocationDoesNotExist) when calling the GetCommandInvocation operation",
    );
  }
  return { command, invocation };
}

export const runCommandHandlers: ServiceHandlers = {
  SendCommand(ctx, raw) {
    const input = raw as SendCommandCommandInput;
    const { world } = ctx;
    const documentName = input.DocumentName ?? "";
    if (!KNOWN_DOCUMENTS.has(documentName)) {
      throw new ServiceFault(
        "InvalidDocument",
        `Document ${documentName} does not exist in the simulated account.`,
      );
    }
    const ids = input.InstanceIds ?? [];
    if (ids.length === 0)
      throw validationFault(S, "SendCommand needs InstanceIds (Targets are not simulated).");
    // TimeoutSeconds bounds delivery, not the run: a command not started by then ends TimedOut
    // (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html).
    checkRange(S, "TimeoutSeconds", input.TimeoutSeconds, 30, 2_592_000);
    const level = input.Parameters?.Level?.[0];
    if (
      documentName === STIG_DOCUMENT_NAME &&
      level !== undefined &&
      !["High", "Medium", "Low"].includes(level)
    ) {
      throw new ServiceFault(
        "InvalidParameters",
        `Parameter "Level" has value "${level}" not found in {High, Medium, Low}.`,
      );
    }
    const instances = ids.map((id) => {
      const instance = world.instances.get(id);
      if (instance === undefined || instance.ping === null || instance.state === "terminated") {
        throw new ServiceFault(
          "InvalidInstanceId",
          `Instances [[${id}]] not in a valid state for account ${world.accountId}`,
        );
      }
      return instance;
    });
    const command: CommandState = {
      commandId: world.ids.commandId(),
      documentName,
      comment: input.Comment ?? "",
      parameters: structuredClone((input.Parameters ?? {}) as Record<string, string[]>),
      instanceIds: [...ids],
      requestedMs: world.now(),
      timeoutSeconds: input.TimeoutSeconds ?? 3600,
      invocations: new Map(),
    };
    for (const instance of instances) {
      const invocation: InvocationState = {
        instanceId: instance.instanceId,
        status: "Pending",
        statusDetails: "Pending",
        stdout: "",
        stderr: "",
        responseCode: -1,
        startMs: null,
        endMs: null,
      };
      command.invocations.set(instance.instanceId, invocation);
      runDocument(world, command, instance, invocation);
    }
    world.commands.push(command);
    world.commandsById.set(command.commandId, command);
    for (const instanceId of command.invocations.keys()) {
      const list = world.commandsByInstance.get(instanceId);
      if (list === undefined) world.commandsByInstance.set(instanceId, [command]);
      else list.push(command);
    }
    return { Command: describeCommand(command) };
  },

  ListCommands(ctx, raw) {
    const input = raw as ListCommandsCommandInput;
    checkRange(S, "MaxResults", input.MaxResults, 1, 50);
    let commands = newestCommands(ctx.world, input.CommandId, input.InstanceId);
    if (input.CommandId !== undefined) commands = commands.filter((c) => c.commandId === input.CommandId);
    if (input.InstanceId !== undefined)
      commands = commands.filter((c) => c.invocations.has(input.InstanceId as string));
    for (const filter of input.Filters ?? []) {
      const value = filter.value ?? "";
      switch (filter.key) {
        case "DocumentName":
          commands = commands.filter((c) => c.documentName === value);
          break;
        case "Status":
          commands = commands.filter((c) => commandStatus(c) === value);
          break;
        case "InvokedAfter":
          commands = commands.filter((c) => c.requestedMs >= Date.parse(value));
          break;
        case "InvokedBefore":
          commands = commands.filter((c) => c.requestedMs <= Date.parse(value));
          break;
        default:
          throw new ServiceFault("InvalidFilterKey", `The filter key ${filter.key ?? ""} is not valid.`);
      }
    }
    const { page, nextToken } = paginate(S, commands, input.MaxResults ?? 50, input.NextToken);
    return { Commands: page.map(describeCommand), ...(nextToken !== undefined && { NextToken: nextToken }) };
  },

  ListCommandInvocations(ctx, raw) {
    const input = raw as ListCommandInvocationsCommandInput;
    checkRange(S, "MaxResults", input.MaxResults, 1, 50);
    const rows: object[] = [];
    for (const command of newestCommands(ctx.world, input.CommandId, input.InstanceId)) {
      if (input.CommandId !== undefined && command.commandId !== input.CommandId) continue;
      for (const invocation of command.invocations.values()) {
        if (input.InstanceId !== undefined && invocation.instanceId !== input.InstanceId) continue;
        rows.push({
          CommandId: command.commandId,
          InstanceId: invocation.instanceId,
          DocumentName: command.documentName,
          Comment: command.comment,
          RequestedDateTime: new Date(command.requestedMs),
          Status: invocation.status,
          StatusDetails: invocation.statusDetails,
          ...(input.Details === true && {
            CommandPlugins: [
              {
                Name: "aws:runShellScript",
                Status: invocation.status,
                ResponseCode: invocation.responseCode,
                // The listing's Output is capped at 2,500 characters (`CommandPluginOutput` in
                // ../shared/aws-models/ssm-2014-11-06.json); GetCommandInvocation returns up to 24,000.
                Output: invocation.stdout.slice(0, LISTED_OUTPUT_CHARS),
              },
            ],
          }),
        });
      }
    }
    const { page, nextToken } = paginate(S, rows, input.MaxResults ?? 50, input.NextToken);
    return { CommandInvocations: page, ...(nextToken !== undefined && { NextToken: nextToken }) };
  },

  GetCommandInvocation(ctx, raw) {
    const input = raw as GetCommandInvocationCommandInput;
    const { command, invocation } = findInvocation(ctx, input.CommandId ?? "", input.InstanceId ?? "");
    return {
      CommandId: command.commandId,
      InstanceId: invocation.instanceId,
      Comment: command.comment,
      DocumentName: command.documentName,
      DocumentVersion: "$DEFAULT",
      PluginName: input.PluginName ?? "aws:runShellScript",
      ResponseCode: invocation.responseCode,
      ExecutionStartDateTime: invocation.startMs === null ? "" : isoMs(invocation.startMs),
      ExecutionElapsedTime:
        invocation.startMs === null
          ? ""
          : `PT${((invocation.endMs ?? ctx.world.now()) - invocation.startMs) / 1000}S`,
      ExecutionEndDateTime: invocation.endMs === null ? "" : isoMs(invocation.endMs),
      Status: invocation.status,
      StatusDetails: invocation.statusDetails,
      StandardOutputContent: invocation.stdout,
      StandardOutputUrl: "",
      StandardErrorContent: invocation.stderr,
      StandardErrorUrl: "",
      CloudWatchOutputConfig: { CloudWatchLogGroupName: "", CloudWatchOutputEnabled: false },
    };
  },
};
