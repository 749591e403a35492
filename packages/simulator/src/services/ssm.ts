import type {
  DescribeInstanceInformationCommandInput,
  GetCommandInvocationCommandInput,
  GetInventoryCommandInput,
  GetParameterCommandInput,
  GetParametersByPathCommandInput,
  GetParametersCommandInput,
  ListCommandInvocationsCommandInput,
  ListCommandsCommandInput,
  SendCommandCommandInput,
} from "@aws-sdk/client-ssm";
import { FIPS_DOCUMENT_NAME, STIG_DOCUMENT_NAME, VERIFY_DOCUMENT_NAME } from "@fleet-upgrade/core";
import { ServiceFault, validationFault } from "../errors";
import type { CommandState, InstanceState, InvocationState, ParameterState, World } from "../world";
import { checkRange, isoMs, paginate, type ServiceContext, type ServiceHandlers, scanPage } from "./common";

const S = "ssm" as const;
const AGENT_VERSION = "3.3.1957.0";
const FINAL_STATUSES = new Set([
  "Success",
  "Failed",
  "Cancelled",
  "TimedOut",
  "DeliveryTimedOut",
  "Undeliverable",
  "Terminated",
]);

function describeParameter(world: World, parameter: ParameterState): object {
  return {
    Name: parameter.name,
    Type: "String",
    Value: parameter.value,
    Version: parameter.version,
    LastModifiedDate: new Date(parameter.lastModifiedMs),
    ARN: parameter.name.startsWith("/aws/service/")
      ? `arn:aws:ssm:${world.region}::parameter${parameter.name}`
      : `arn:aws:ssm:${world.region}:${world.accountId}:parameter${parameter.name.startsWith("/") ? "" : "/"}${parameter.name}`,
    DataType: parameter.value.startsWith("ami-") ? "aws:ec2:image" : "text",
  };
}

/** Instances SSM knows: registered (the agent has pinged) and not terminated. */
function managed(world: World): InstanceState[] {
  const out: InstanceState[] = [];
  for (const instance of world.instances.values()) {
    if (instance.ping !== null && instance.state !== "terminated") out.push(instance);
  }
  return out;
}

/** `5.10.245-245.983.amzn2` -> version `5.10.245`, release `245.983.amzn2`. */
export function splitKernel(kernelVersion: string): { version: string; release: string } {
  const dash = kernelVersion.indexOf("-");
  if (dash < 0) return { version: kernelVersion, release: "" };
  return { version: kernelVersion.slice(0, dash), release: kernelVersion.slice(dash + 1) };
}

function applications(instance: InstanceState): Record<string, string>[] {
  const kernel = splitKernel(instance.kernelVersion);
  const arch = instance.architecture === "arm64" ? "aarch64" : "x86_64";
  const dist = instance.platformVersion === "2" ? "amzn2" : "amzn2023";
  return [
    {
      Name: "kernel",
      Version: kernel.version,
      Release: kernel.release,
      Architecture: arch,
      Publisher: "Amazon Linux",
    },
    { Name: "bash", Version: "5.2.15", Release: `1.${dist}`, Architecture: arch, Publisher: "Amazon Linux" },
    {
      Name: "openssl-libs",
      Version: "3.0.8",
      Release: `1.${dist}`,
      Architecture: arch,
      Publisher: "Amazon Linux",
    },
  ];
}

function instanceInformation(world: World, instance: InstanceState): Record<string, string> {
  return {
    AgentType: "amazon-ssm-agent",
    AgentVersion: AGENT_VERSION,
    ComputerName: `ip-${instance.privateIp.replaceAll(".", "-")}.${world.region}.compute.internal`,
    InstanceId: instance.instanceId,
    InstanceStatus: instance.ping === "Online" ? "Active" : "ConnectionLost",
    IpAddress: instance.privateIp,
    PlatformName: instance.platformName,
    PlatformType: "Linux",
    PlatformVersion: instance.platformVersion,
    ResourceType: "EC2Instance",
  };
}

type InventoryFilter = NonNullable<GetInventoryCommandInput["Filters"]>[number];

function compare(type: string, actual: string, values: readonly string[]): boolean {
  switch (type) {
    case "Equal":
      return values.includes(actual);
    case "NotEqual":
      return !values.includes(actual);
    case "BeginWith":
      return values.some((v) => actual.startsWith(v));
    case "Exists":
      return true;
    default:
      throw new ServiceFault(
        "InvalidFilter",
        `Filter type ${type} is not supported by the simulated account.`,
      );
  }
}

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

/** Runs a document on one instance on the virtual clock: Pending -> InProgress -> Success/Failed. */
function runDocument(
  world: World,
  command: CommandState,
  instance: InstanceState,
  invocation: InvocationState,
): void {
  const h = world.scenario.hardening;
  const start = world.now();
  const begin = (): void => {
    invocation.status = "InProgress";
    invocation.statusDetails = "InProgress";
    invocation.startMs = world.now();
  };
  const end = (
    status: "Success" | "Failed",
    stdout: string,
    stderr = "",
    code = status === "Success" ? 0 : 1,
  ): void => {
    invocation.status = status;
    invocation.statusDetails = status;
    invocation.stdout = stdout;
    invocation.stderr = stderr;
    invocation.responseCode = code;
    invocation.endMs = world.now();
  };
  const alive = (): boolean => instance.state !== "terminated";
  if (instance.ping !== "Online") {
    // The agent is not reachable: the command waits for delivery until its timeout, then ends
    // TimedOut with detail DeliveryTimedOut (Undeliverable is for an instance SSM does not manage):
    // https://docs.aws.amazon.com/systems-manager/latest/userguide/monitor-commands.html
    world.clock.schedule(
      start + command.timeoutSeconds * 1000,
      () => {
        if (invocation.status !== "Pending") return;
        invocation.status = "TimedOut";
        invocation.statusDetails = "DeliveryTimedOut";
        invocation.endMs = world.now();
      },
      `undeliverable ${command.commandId}`,
    );
    return;
  }
  world.clock.schedule(start, begin, `command start ${command.commandId}`);
  switch (command.documentName) {
    case STIG_DOCUMENT_NAME: {
      const level = (command.parameters.Level?.[0] ?? "High").toLowerCase();
      world.clock.schedule(
        start + h.stigSeconds * 1000,
        () => {
          if (!alive()) return end("Failed", "", "The instance was terminated.", -1);
          if (world.scenario.faults.stigFails) {
            end(
              "Failed",
              "Applying DISA STIG (simulated)...\n",
              `STIG remediation failed: package install of scap-security-guide failed (simulated fault stigFails) at level ${level}.\n`,
            );
            return;
          }
          instance.stig = level;
          end("Success", `Applied DISA STIG ${level} settings (simulated). The instance is compliant.\n`);
        },
        `stig ${command.commandId}`,
      );
      return;
    }
    case FIPS_DOCUMENT_NAME: {
      world.clock.schedule(
        start + h.fipsSeconds * 1000,
        () => {
          if (!alive()) return;
          instance.ping = "ConnectionLost";
        },
        `fips reboot ${command.commandId}`,
      );
      world.clock.schedule(
        start + (h.fipsSeconds + h.rebootSeconds) * 1000,
        () => {
          if (!alive()) return end("Failed", "", "The instance was terminated.", -1);
          instance.ping = "Online";
          instance.lastPingMs = world.now();
          instance.fips = true;
          end("Success", "FIPS mode is enabled.\nRebooted; fips-mode-setup --check: FIPS mode is enabled.\n");
        },
        `fips ${command.commandId}`,
      );
      return;
    }
    case VERIFY_DOCUMENT_NAME: {
      world.clock.schedule(
        start,
        () => {
          const group = instance.groupName === null ? undefined : world.groups.get(instance.groupName);
          const fails = instance.newImage && group?.onNewImage.complianceFails === true;
          const report = {
            fips_enabled: fails ? false : instance.fips,
            kernel: instance.kernelVersion,
            stig: instance.stig,
          };
          end("Success", `${JSON.stringify(report)}\n`);
        },
        `verify ${command.commandId}`,
      );
      return;
    }
    default: {
      const commands = command.parameters.commands ?? [];
      world.clock.schedule(
        start,
        () => {
          const out = commands.some((c) => c.includes("uname -r"))
            ? `${instance.kernelVersion}.${instance.architecture}\n`
            : "";
          end("Success", out);
        },
        `shell ${command.commandId}`,
      );
    }
  }
}

const KNOWN_DOCUMENTS = new Set([
  STIG_DOCUMENT_NAME,
  FIPS_DOCUMENT_NAME,
  VERIFY_DOCUMENT_NAME,
  "AWS-RunShellScript",
]);

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

export const ssmHandlers: ServiceHandlers = {
  GetParameters(ctx, raw) {
    const input = raw as GetParametersCommandInput;
    const names = input.Names ?? [];
    if (names.length < 1 || names.length > 10) {
      throw validationFault(
        S,
        `1 validation error detected: Value '[${names.join(", ")}]' at 'names' failed to satisfy constraint: Member must have length ${names.length < 1 ? "greater than or equal to 1" : "less than or equal to 10"} (Names takes 1-10 names, got ${names.length})`,
      );
    }
    const found: object[] = [];
    const invalid: string[] = [];
    for (const name of names) {
      const parameter = ctx.world.parameters.get(name);
      if (parameter === undefined) invalid.push(name);
      else found.push(describeParameter(ctx.world, parameter));
    }
    return { Parameters: found, InvalidParameters: invalid };
  },

  GetParameter(ctx, raw) {
    const input = raw as GetParameterCommandInput;
    const parameter = ctx.world.parameters.get(input.Name ?? "");
    if (parameter === undefined)
      throw new ServiceFault("ParameterNotFound", `Parameter ${input.Name ?? ""} not found.`);
    return { Parameter: describeParameter(ctx.world, parameter) };
  },

  GetParametersByPath(ctx, raw) {
    const input = raw as GetParametersByPathCommandInput;
    checkRange(S, "MaxResults", input.MaxResults, 1, 10);
    const path = (input.Path ?? "/").replace(/\/?$/, "/");
    const matching = [...ctx.world.parameters.values()].filter((p) => {
      if (!p.name.startsWith(path)) return false;
      return input.Recursive === true || !p.name.slice(path.length).includes("/");
    });
    const { page, nextToken } = paginate(S, matching, input.MaxResults ?? 10, input.NextToken);
    return {
      Parameters: page.map((p) => describeParameter(ctx.world, p)),
      ...(nextToken !== undefined && { NextToken: nextToken }),
    };
  },

  DescribeInstanceInformation(ctx, raw) {
    const input = raw as DescribeInstanceInformationCommandInput;
    checkRange(S, "MaxResults", input.MaxResults, 5, 50);
    const filters: { key: string; values: string[] }[] = [
      ...(input.Filters ?? []).map((f) => ({ key: f.Key ?? "", values: f.Values ?? [] })),
      ...(input.InstanceInformationFilterList ?? []).map((f) => ({
        key: f.key ?? "",
        values: f.valueSet ?? [],
      })),
    ];
    const instances = managed(ctx.world).filter((instance) =>
      filters.every(({ key, values }) => {
        switch (key) {
          case "InstanceIds":
            return values.includes(instance.instanceId);
          case "PingStatus":
            return values.includes(instance.ping ?? "");
          case "PlatformTypes":
            return values.includes("Linux");
          case "ResourceType":
            return values.includes("EC2Instance");
          default:
            if (key.startsWith("tag:")) {
              const value = instance.tags[key.slice(4)];
              return value !== undefined && values.includes(value);
            }
            throw new ServiceFault(
              "InvalidInstanceInformationFilterValue",
              `The filter key ${key} is not valid.`,
            );
        }
      }),
    );
    const { page, nextToken } = paginate(S, instances, input.MaxResults ?? 50, input.NextToken);
    return {
      InstanceInformationList: page.map((instance) => ({
        InstanceId: instance.instanceId,
        PingStatus: instance.ping ?? "Inactive",
        LastPingDateTime: new Date(instance.ping === "Online" ? ctx.world.now() : instance.lastPingMs),
        AgentVersion: AGENT_VERSION,
        IsLatestVersion: false,
        PlatformType: "Linux",
        PlatformName: instance.platformName,
        PlatformVersion: instance.platformVersion,
        ResourceType: "EC2Instance",
        IPAddress: instance.privateIp,
        ComputerName: `ip-${instance.privateIp.replaceAll(".", "-")}.${ctx.world.region}.compute.internal`,
        SourceId: instance.instanceId,
        SourceType: "AWS::EC2::Instance",
      })),
      ...(nextToken !== undefined && { NextToken: nextToken }),
    };
  },

  GetInventory(ctx, raw) {
    const input = raw as GetInventoryCommandInput;
    checkRange(S, "MaxResults", input.MaxResults, 1, 50);
    const filters: InventoryFilter[] = input.Filters ?? [];
    const types = (input.ResultAttributes ?? []).map((a) => a.TypeName ?? "");
    for (const type of types) {
      if (type !== "AWS:Application" && type !== "AWS:InstanceInformation") {
        throw new ServiceFault(
          "InvalidResultAttributeException",
          `The inventory type ${type} is not supported by the simulated account.`,
        );
      }
    }
    const wantApps = types.length === 0 || types.includes("AWS:Application");
    const wantInfo = types.length === 0 || types.includes("AWS:InstanceInformation");
    const captureTime = isoMs(ctx.world.now()).replace(/\.\d{3}Z$/, "Z");
    const entity = (instance: InstanceState): object | undefined => {
      let apps: Record<string, string>[] | undefined;
      let info: Record<string, string> | undefined;
      for (const filter of filters) {
        const key = filter.Key ?? "";
        const type = filter.Type ?? "Equal";
        const values = filter.Values ?? [];
        const dot = key.lastIndexOf(".");
        const typeName = key.slice(0, dot);
        const attribute = key.slice(dot + 1);
        if (typeName === "AWS:Application") {
          // Only the matching rows are returned, and an instance without one is left out.
          apps = (apps ?? applications(instance)).filter((row) =>
            compare(type, row[attribute] ?? "", values),
          );
          if (apps.length === 0) return undefined;
        } else if (typeName === "AWS:InstanceInformation") {
          info ??= instanceInformation(ctx.world, instance);
          if (!compare(type, info[attribute] ?? "", values)) return undefined;
        } else {
          throw new ServiceFault("InvalidFilterKey", `The filter key ${key} is not valid.`);
        }
      }
      const data: Record<string, object> = {};
      if (wantApps) {
        data["AWS:Application"] = {
          TypeName: "AWS:Application",
          SchemaVersion: "1.1",
          CaptureTime: captureTime,
          Content: apps ?? applications(instance),
        };
      }
      if (wantInfo) {
        data["AWS:InstanceInformation"] = {
          TypeName: "AWS:InstanceInformation",
          SchemaVersion: "1.0",
          CaptureTime: captureTime,
          Content: [info ?? instanceInformation(ctx.world, instance)],
        };
      }
      return { Id: instance.instanceId, Data: data };
    };
    // Only instances with an inventory association report inventory
    // (https://docs.aws.amazon.com/systems-manager/latest/userguide/inventory-collection.html).
    const { page, nextToken } = scanPage(
      S,
      managed(ctx.world).filter((instance) => instance.inventory),
      input.MaxResults ?? 50,
      input.NextToken,
      entity,
    );
    return { Entities: page, ...(nextToken !== undefined && { NextToken: nextToken }) };
  },

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
    return { Command: describeCommand(command) };
  },

  ListCommands(ctx, raw) {
    const input = raw as ListCommandsCommandInput;
    checkRange(S, "MaxResults", input.MaxResults, 1, 50);
    let commands = [...ctx.world.commands].reverse();
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
    for (const command of [...ctx.world.commands].reverse()) {
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
                Output: invocation.stdout,
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
