import type { World } from "../world";
import type { GroupState, InstanceState, LaunchHooks } from "./types";

/** Instance lifecycle: launch into a group, running, in service, terminated; group capacity and timeline. */

export function createInstance(
  world: World,
  imageId: string,
  options: { instanceType: string; launchMs: number; reservationId: string; tags: Record<string, string> },
): InstanceState {
  const image = world.images.get(imageId);
  const n = world.nextIpIndex();
  const instance: InstanceState = {
    instanceId: world.ids.instanceId(),
    imageId,
    instanceType: options.instanceType,
    architecture: image?.architecture ?? "x86_64",
    platformName: image?.platform ?? "Amazon Linux",
    platformVersion: image?.platformVersion ?? "2",
    kernelVersion: image?.kernelVersion ?? "",
    state: "pending",
    lifecycle: null,
    healthy: false,
    groupName: null,
    launchTemplate: null,
    launchMs: options.launchMs,
    ping: null,
    lastPingMs: options.launchMs,
    stig: image?.stig ?? null,
    fips: image?.fips ?? false,
    newImage: false,
    reservationId: options.reservationId,
    privateIp: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
    availabilityZone: `${world.region}${"abc"[n % 3]}`,
    tags: { ...options.tags },
    inventory: true,
  };
  world.instanceOrder.set(instance.instanceId, world.instanceOrder.size);
  world.instances.set(instance.instanceId, instance);
  return instance;
}

export function createGroupInstance(
  world: World,
  group: GroupState,
  version: number,
  launchMs: number,
): InstanceState {
  const ref = group.template.versions[version - 1]?.imageRef ?? group.baseImageId;
  const imageId = world.resolveImageRef(ref) ?? group.baseImageId;
  const instance = world.createInstance(imageId, {
    instanceType: group.template.versions[version - 1]?.instanceType ?? "m6i.large",
    launchMs,
    reservationId: world.ids.reservationId(),
    tags: { "aws:autoscaling:groupName": group.name },
  });
  instance.groupName = group.name;
  instance.inventory = group.inventory;
  instance.lifecycle = "Pending";
  instance.launchTemplate = { id: group.template.id, name: group.template.name, version: String(version) };
  instance.newImage = imageId !== group.baseImageId;
  group.members.add(instance.instanceId);
  return instance;
}

/**
 * Launches `count` instances into a group from a numbered version: Pending now, running after the
 * group's launch time, in service and healthy after `warmupSeconds` more. Timer ids go to `timers`.
 */
export function launchIntoGroup(
  world: World,
  group: GroupState,
  count: number,
  version: number,
  warmupSeconds: number,
  timers: Set<number>,
  hooks: LaunchHooks = {},
): string[] {
  const start = world.now();
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push(createGroupInstance(world, group, version, start).instanceId);
  if (ids.length === 0) return ids;
  const failing =
    group.onNewImage.failLaunch === true && world.instances.get(ids[0] as string)?.newImage === true;
  const runningAt = start + group.launchSeconds * 1000;
  const running = world.clock.schedule(
    runningAt,
    () => {
      timers.delete(running);
      if (failing) {
        for (const id of ids) world.terminate(id);
        hooks.onFailed?.(ids);
        return;
      }
      for (const id of ids) {
        const instance = world.instances.get(id);
        if (instance === undefined || instance.state !== "pending") continue;
        instance.state = "running";
        instance.ping =
          instance.newImage && group.onNewImage.ssmOffline === true ? "ConnectionLost" : "Online";
        instance.lastPingMs = world.now();
        world.fleetVersion++;
      }
      const healthy = world.clock.schedule(
        runningAt + warmupSeconds * 1000,
        () => {
          timers.delete(healthy);
          for (const id of ids) world.putInService(id);
          hooks.onHealthy?.(ids);
        },
        `healthy ${group.name}`,
      );
      timers.add(healthy);
    },
    `running ${group.name}`,
  );
  timers.add(running);
  return ids;
}

export function putInService(world: World, instanceId: string): void {
  const instance = world.instances.get(instanceId);
  if (instance === undefined || instance.state === "terminated" || instance.lifecycle === "InService") return;
  instance.lifecycle = "InService";
  instance.healthy = true;
  const group = instance.groupName === null ? undefined : world.groups.get(instance.groupName);
  if (group === undefined) return;
  group.inServiceHealthy++;
  world.recordTimeline(group);
}

/** Terminates an instance at once (and takes it out of its group). */
export function terminate(world: World, instanceId: string): void {
  const instance = world.instances.get(instanceId);
  if (instance === undefined || instance.state === "terminated") return;
  const group = instance.groupName === null ? undefined : world.groups.get(instance.groupName);
  const counted = instance.lifecycle === "InService" && instance.healthy;
  instance.state = "terminated";
  instance.terminatedMs = world.now();
  instance.lifecycle = instance.lifecycle === null ? null : "Terminated";
  instance.healthy = false;
  instance.ping = null;
  world.fleetVersion++;
  if (group !== undefined) {
    group.members.delete(instanceId);
    if (counted) {
      group.inServiceHealthy--;
      world.recordTimeline(group);
    }
  }
}

/** What Auto Scaling does outside a refresh: launch from the group's own version up to desired. */
export function fillCapacity(world: World, group: GroupState): void {
  const deficit = group.desired - group.members.size;
  const version = world.resolveVersion(group.template, group.versionSpec);
  if (deficit <= 0 || version === undefined) return;
  world.launchIntoGroup(group, deficit, version, group.warmupSeconds, new Set());
}

export function recordTimeline(world: World, group: GroupState): void {
  const now = world.now();
  const last = group.timelineMs.length - 1;
  if (last >= 0 && group.timelineMs[last] === now) group.timelineValue[last] = group.inServiceHealthy;
  else {
    group.timelineMs.push(now);
    group.timelineValue.push(group.inServiceHealthy);
  }
  if (group.desired > 0) {
    const percent = (100 * group.inServiceHealthy) / group.desired;
    if (percent < group.minHealthyPercentSeen) group.minHealthyPercentSeen = percent;
  }
}
