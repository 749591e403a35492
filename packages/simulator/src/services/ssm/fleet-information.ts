import type { DescribeInstanceInformationCommandInput, GetInventoryCommandInput } from "@aws-sdk/client-ssm";
import { ServiceFault, validationFault } from "../../errors";
import type { InstanceState, World } from "../../world";
import { checkRange, isoMs, paginate, type ServiceHandlers, scanPage } from "../common";

/** SSM's view of the fleet: DescribeInstanceInformation and GetInventory. */

const S = "ssm" as const;
const AGENT_VERSION = "3.3.1957.0";

/** The managed instances, in creation order, for one `fleetVersion` of a world. */
interface FleetView {
  version: number;
  managed: InstanceState[];
  inventoried: InstanceState[];
}

const views = new WeakMap<World, FleetView>();

/**
 * Instances SSM knows: registered (the agent has pinged) and not terminated, in creation order.
 * Built once per change of the fleet (`world.fleetVersion`), so paging through N instances 50 at a
 * time costs O(N), not O(N) per page.
 */
function fleetView(world: World): FleetView {
  const cached = views.get(world);
  if (cached !== undefined && cached.version === world.fleetVersion) return cached;
  const managed: InstanceState[] = [];
  for (const instance of world.instances.values()) {
    if (instance.ping !== null && instance.state !== "terminated") managed.push(instance);
  }
  const view = {
    version: world.fleetVersion,
    managed,
    inventoried: managed.filter((instance) => instance.inventory),
  };
  views.set(world, view);
  return view;
}

const INFORMATION_KEYS = new Set(["InstanceIds", "PingStatus", "PlatformTypes", "ResourceType"]);

/**
 * The instances a DescribeInstanceInformation filter list can match, in creation order. With an
 * InstanceIds filter (and every key valid, so no error can depend on which instances are checked)
 * these are the named instances only, looked up by id, not the whole account.
 */
function informationCandidates(
  world: World,
  filters: readonly { key: string; values: string[] }[],
): readonly InstanceState[] {
  const byId = filters.find((f) => f.key === "InstanceIds");
  const allValid = filters.every((f) => INFORMATION_KEYS.has(f.key) || f.key.startsWith("tag:"));
  if (byId === undefined || !allValid) return fleetView(world).managed;
  const picked = new Map<string, InstanceState>();
  for (const id of byId.values) {
    const instance = world.instances.get(id);
    if (instance !== undefined && instance.ping !== null && instance.state !== "terminated")
      picked.set(id, instance);
  }
  const order = (instance: InstanceState): number => world.instanceOrder.get(instance.instanceId) ?? 0;
  return [...picked.values()].sort((a, b) => order(a) - order(b));
}

/**
 * Refuses a list longer or shorter than the model allows, as SSM's validation does, naming it.
 * Limits from ../shared/aws-models/ssm-2014-11-06.json: InventoryFilterList 1-5 filters,
 * InventoryFilterValueList 1-40 values, InstanceInformationFilterValueSet 1-100 values.
 */
function checkCount(field: string, count: number, min: number, max: number): void {
  if (count < min || count > max) {
    throw validationFault(
      S,
      `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must have length between ${min} and ${max} (got ${count})`,
    );
  }
}

/**
 * The instances a GetInventory call can return, in creation order. An `Equal` filter on
 * `AWS:InstanceInformation.InstanceId` (the model's own example of an inventory filter) names them:
 * only those are looked up, by id, instead of the whole account.
 */
function inventoryCandidates(world: World, filters: readonly InventoryFilter[]): readonly InstanceState[] {
  const byId = filters.find(
    (f) => f.Key === "AWS:InstanceInformation.InstanceId" && (f.Type ?? "Equal") === "Equal",
  );
  if (byId === undefined) return fleetView(world).inventoried;
  const picked = new Map<string, InstanceState>();
  for (const id of byId.Values ?? []) {
    const instance = world.instances.get(id);
    if (
      instance !== undefined &&
      instance.ping !== null &&
      instance.state !== "terminated" &&
      instance.inventory
    )
      picked.set(id, instance);
  }
  const order = (instance: InstanceState): number => world.instanceOrder.get(instance.instanceId) ?? 0;
  return [...picked.values()].sort((a, b) => order(a) - order(b));
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

export const fleetInformationHandlers: ServiceHandlers = {
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
    for (const [i, f] of (input.Filters ?? []).entries())
      checkCount(`filters.${i + 1}.member.values`, (f.Values ?? []).length, 1, 100);
    const instances = informationCandidates(ctx.world, filters).filter((instance) =>
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
    if (input.Filters !== undefined) checkCount("filters", filters.length, 1, 5);
    for (const [i, f] of filters.entries())
      checkCount(`filters.${i + 1}.member.values`, (f.Values ?? []).length, 1, 40);
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
      inventoryCandidates(ctx.world, filters),
      input.MaxResults ?? 50,
      input.NextToken,
      entity,
    );
    return { Entities: page, ...(nextToken !== undefined && { NextToken: nextToken }) };
  },
};
