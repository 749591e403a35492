// Over 300 lines on purpose: one service's handler table (launch templates, images, instances, tags);
// the describe/filter helpers are shared by several of its operations.
import type {
  CreateImageCommandInput,
  CreateLaunchTemplateVersionCommandInput,
  CreateTagsCommandInput,
  DescribeImagesCommandInput,
  DescribeInstancesCommandInput,
  DescribeLaunchTemplatesCommandInput,
  DescribeLaunchTemplateVersionsCommandInput,
  RunInstancesCommandInput,
  TerminateInstancesCommandInput,
} from "@aws-sdk/client-ec2";
import { ServiceFault, validationFault } from "../errors";
import {
  ACCOUNT_ID,
  AMAZON_OWNER_ID,
  type ImageState,
  type InstanceState,
  type TemplateState,
} from "../world";
import {
  checkRange,
  isoMs,
  paginate,
  type ServiceContext,
  type ServiceHandlers,
  tagList,
  wildcardMatch,
} from "./common";
import { instanceProfileArn } from "./iam";

const S = "ec2" as const;
const DEPRECATION_MS = 90 * 86_400_000;
const STATE_CODE: Record<InstanceState["state"], number> = {
  pending: 0,
  running: 16,
  "shutting-down": 32,
  terminated: 48,
};

function templateOrFail(
  ctx: ServiceContext,
  id: string | undefined,
  name: string | undefined,
): TemplateState {
  if (id !== undefined) {
    const template = ctx.world.templates.get(id);
    if (template === undefined) {
      throw new ServiceFault(
        "InvalidLaunchTemplateId.NotFound",
        `The specified launch template, with template ID ${id}, does not exist.`,
      );
    }
    return template;
  }
  if (name !== undefined) {
    const template = ctx.world.templatesByName.get(name);
    if (template === undefined) {
      throw new ServiceFault(
        "InvalidLaunchTemplateName.NotFoundException",
        `The specified launch template, with template name ${name}, does not exist.`,
      );
    }
    return template;
  }
  throw new ServiceFault(
    "MissingParameter",
    "The request must contain the parameter LaunchTemplateId or LaunchTemplateName.",
  );
}

function describeVersion(template: TemplateState, number: number): object {
  const version = template.versions[number - 1];
  return {
    LaunchTemplateId: template.id,
    LaunchTemplateName: template.name,
    VersionNumber: number,
    ...(version?.description !== undefined &&
      version.description !== null && { VersionDescription: version.description }),
    CreateTime: new Date(version?.createMs ?? template.createMs),
    CreatedBy: `arn:aws:iam::${ACCOUNT_ID}:role/fleet-admin`,
    DefaultVersion: template.defaultVersion === number,
    LaunchTemplateData: {
      ImageId: version?.imageRef,
      InstanceType: version?.instanceType,
      // EC2 serves user data base64-encoded (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ResponseLaunchTemplateData.html).
      ...(template.userData !== null && { UserData: Buffer.from(template.userData).toString("base64") }),
      ...(template.instanceProfileRole !== null && {
        IamInstanceProfile: {
          Arn: instanceProfileArn(template.instanceProfileRole),
        },
      }),
    },
  };
}

function describeImage(image: ImageState): object {
  const tags = tagList(image.tags);
  return {
    ImageId: image.imageId,
    Name: image.name,
    Description: image.description,
    Architecture: image.architecture,
    State: image.state,
    CreationDate: isoMs(image.creationMs),
    DeprecationTime: isoMs(image.creationMs + DEPRECATION_MS),
    OwnerId: image.ownerId,
    ...(image.ownerId === AMAZON_OWNER_ID && { ImageOwnerAlias: "amazon" }),
    Public: image.ownerId === AMAZON_OWNER_ID,
    ImageLocation: `${image.ownerId === AMAZON_OWNER_ID ? "amazon" : image.ownerId}/${image.name}`,
    ImageType: "machine",
    PlatformDetails: "Linux/UNIX",
    UsageOperation: "RunInstances",
    RootDeviceType: "ebs",
    RootDeviceName: "/dev/xvda",
    VirtualizationType: "hvm",
    Hypervisor: "xen",
    EnaSupport: true,
    BootMode: "uefi-preferred",
    ...(tags.length > 0 && { Tags: tags }),
  };
}

function describeInstance(instance: InstanceState): object {
  const tags = tagList(instance.tags);
  return {
    InstanceId: instance.instanceId,
    ImageId: instance.imageId,
    InstanceType: instance.instanceType,
    State: { Code: STATE_CODE[instance.state], Name: instance.state },
    LaunchTime: new Date(instance.launchMs),
    Architecture: instance.architecture,
    Placement: { AvailabilityZone: instance.availabilityZone, Tenancy: "default" },
    PrivateIpAddress: instance.privateIp,
    PrivateDnsName: `ip-${instance.privateIp.replaceAll(".", "-")}.ec2.internal`,
    PlatformDetails: "Linux/UNIX",
    // The EC2 model's HypervisorType is `ovm | xen`; Nitro instances report `xen`
    // (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Instance.html).
    Hypervisor: "xen",
    RootDeviceType: "ebs",
    VirtualizationType: "hvm",
    ...(tags.length > 0 && { Tags: tags }),
  };
}

function instanceOrFail(ctx: ServiceContext, id: string): InstanceState {
  const instance = ctx.world.instances.get(id);
  if (instance === undefined) {
    throw new ServiceFault("InvalidInstanceID.NotFound", `The instance ID '${id}' does not exist`);
  }
  return instance;
}

type Ec2Filter = { Name?: string | undefined; Values?: string[] | undefined };

function filterMatches(
  filters: readonly Ec2Filter[] | undefined,
  field: (name: string) => string[] | undefined,
): boolean {
  for (const filter of filters ?? []) {
    const name = filter.Name ?? "";
    const actual = field(name);
    if (actual === undefined)
      throw new ServiceFault("InvalidParameterValue", `The filter '${name}' is invalid`);
    const wanted = filter.Values ?? [];
    if (!wanted.some((pattern) => actual.some((value) => wildcardMatch(pattern, value)))) return false;
  }
  return true;
}

function tagField(tags: Record<string, string>, name: string): string[] | undefined {
  if (name.startsWith("tag:")) {
    const value = tags[name.slice(4)];
    return value === undefined ? [] : [value];
  }
  if (name === "tag-key") return Object.keys(tags);
  if (name === "tag-value") return Object.values(tags);
  return undefined;
}

export const ec2Handlers: ServiceHandlers = {
  DescribeLaunchTemplates(ctx, raw) {
    const input = raw as DescribeLaunchTemplatesCommandInput;
    checkRange(S, "MaxResults", input.MaxResults, 1, 200);
    let templates: TemplateState[];
    if ((input.LaunchTemplateIds?.length ?? 0) > 0 || (input.LaunchTemplateNames?.length ?? 0) > 0) {
      templates = [
        ...(input.LaunchTemplateIds ?? []).map((id) => templateOrFail(ctx, id, undefined)),
        ...(input.LaunchTemplateNames ?? []).map((name) => templateOrFail(ctx, undefined, name)),
      ];
    } else {
      templates = [...ctx.world.templates.values()];
    }
    const { page, nextToken } = paginate(S, templates, input.MaxResults ?? 200, input.NextToken);
    return {
      LaunchTemplates: page.map((template) => ({
        LaunchTemplateId: template.id,
        LaunchTemplateName: template.name,
        CreateTime: new Date(template.createMs),
        CreatedBy: `arn:aws:iam::${ACCOUNT_ID}:role/fleet-admin`,
        DefaultVersionNumber: template.defaultVersion,
        LatestVersionNumber: template.versions.length,
        ...(Object.keys(template.tags).length > 0 && { Tags: tagList(template.tags) }),
      })),
      ...(nextToken !== undefined && { NextToken: nextToken }),
    };
  },

  DescribeLaunchTemplateVersions(ctx, raw) {
    const input = raw as DescribeLaunchTemplateVersionsCommandInput;
    checkRange(S, "MaxResults", input.MaxResults, 1, 200);
    const template = templateOrFail(ctx, input.LaunchTemplateId, input.LaunchTemplateName);
    let numbers: number[];
    if ((input.Versions?.length ?? 0) > 0) {
      numbers = [];
      for (const spec of input.Versions ?? []) {
        const n = ctx.world.resolveVersion(template, spec);
        if (n === undefined) {
          throw new ServiceFault(
            "InvalidLaunchTemplateId.VersionNotFound",
            `Could not find launch template version ${spec} for launch template ${template.id}.`,
          );
        }
        if (!numbers.includes(n)) numbers.push(n);
      }
    } else {
      const min = input.MinVersion === undefined ? 1 : Number(input.MinVersion);
      const max = input.MaxVersion === undefined ? template.versions.length : Number(input.MaxVersion);
      numbers = template.versions.map((v) => v.number).filter((n) => n >= min && n <= max);
    }
    const { page, nextToken } = paginate(S, numbers, input.MaxResults ?? 200, input.NextToken);
    return {
      LaunchTemplateVersions: page.map((n) => describeVersion(template, n)),
      ...(nextToken !== undefined && { NextToken: nextToken }),
    };
  },

  CreateLaunchTemplateVersion(ctx, raw) {
    const input = raw as CreateLaunchTemplateVersionCommandInput;
    const template = templateOrFail(ctx, input.LaunchTemplateId, input.LaunchTemplateName);
    if (input.ClientToken !== undefined) {
      const existing = template.tokens.get(input.ClientToken);
      if (existing !== undefined) return { LaunchTemplateVersion: describeVersion(template, existing) };
    }
    let source = undefined as (typeof template.versions)[number] | undefined;
    if (input.SourceVersion !== undefined) {
      const n = ctx.world.resolveVersion(template, input.SourceVersion);
      source = n === undefined ? undefined : template.versions[n - 1];
      if (source === undefined) {
        throw new ServiceFault(
          "InvalidLaunchTemplateId.VersionNotFound",
          `Could not find source launch template version ${input.SourceVersion} for launch template ${template.id}.`,
        );
      }
    }
    const imageRef = input.LaunchTemplateData?.ImageId ?? source?.imageRef;
    if (imageRef === undefined) {
      throw new ServiceFault("MissingParameter", "The launch template data must specify an ImageId.");
    }
    const resolved = ctx.world.resolveImageRef(imageRef);
    if (!imageRef.startsWith("resolve:ssm:") && (resolved === undefined || !ctx.world.images.has(resolved))) {
      throw new ServiceFault("InvalidAMIID.NotFound", `The image id '[${imageRef}]' does not exist`);
    }
    const number = template.versions.length + 1;
    template.versions.push({
      number,
      imageRef,
      description: input.VersionDescription ?? null,
      createMs: ctx.world.now(),
      instanceType: input.LaunchTemplateData?.InstanceType ?? source?.instanceType ?? "m6i.large",
    });
    if (input.ClientToken !== undefined) template.tokens.set(input.ClientToken, number);
    return { LaunchTemplateVersion: describeVersion(template, number) };
  },

  DescribeImages(ctx, raw) {
    const input = raw as DescribeImagesCommandInput;
    const ids = input.ImageIds ?? [];
    if (ids.length > 0 && input.MaxResults !== undefined) {
      throw new ServiceFault(
        "InvalidParameterCombination",
        "The parameter imageIdsSet cannot be used with the parameter maxResults",
      );
    }
    checkRange(S, "MaxResults", input.MaxResults, 5, 1000);
    let images: ImageState[];
    if (ids.length > 0) {
      const missing = ids.filter((id) => !ctx.world.images.has(id));
      if (missing.length > 0) {
        throw new ServiceFault(
          "InvalidAMIID.NotFound",
          `The image ids '[${missing.join(", ")}]' do not exist`,
        );
      }
      images = ids.map((id) => ctx.world.images.get(id) as ImageState);
    } else {
      const now = ctx.world.now();
      images = [...ctx.world.images.values()].filter(
        (image) => input.IncludeDeprecated === true || image.creationMs + DEPRECATION_MS > now,
      );
    }
    const owners = input.Owners ?? [];
    images = images.filter((image) => {
      if (owners.length > 0) {
        const ok = owners.some(
          (owner) =>
            owner === image.ownerId ||
            (owner === "self" && image.ownerId === ACCOUNT_ID) ||
            (owner === "amazon" && image.ownerId === AMAZON_OWNER_ID),
        );
        if (!ok) return false;
      }
      return filterMatches(input.Filters, (name) => {
        if (name === "name") return [image.name];
        if (name === "image-id") return [image.imageId];
        if (name === "state") return [image.state];
        if (name === "architecture") return [image.architecture];
        if (name === "owner-id") return [image.ownerId];
        return tagField(image.tags, name);
      });
    });
    const { page, nextToken } = paginate(S, images, input.MaxResults ?? 1000, input.NextToken);
    return { Images: page.map(describeImage), ...(nextToken !== undefined && { NextToken: nextToken }) };
  },

  RunInstances(ctx, raw) {
    const input = raw as RunInstancesCommandInput;
    const { world } = ctx;
    if (input.ClientToken !== undefined) {
      const earlier = world.reservationsByToken.get(input.ClientToken);
      if (earlier !== undefined) {
        return {
          ReservationId: earlier.reservationId,
          OwnerId: ACCOUNT_ID,
          Groups: [],
          Instances: earlier.instanceIds.map((id) =>
            describeInstance(world.instances.get(id) as InstanceState),
          ),
        };
      }
    }
    const imageId = input.ImageId;
    const image = imageId === undefined ? undefined : world.images.get(imageId);
    if (image === undefined || image.state !== "available") {
      throw new ServiceFault("InvalidAMIID.NotFound", `The image id '[${imageId ?? ""}]' does not exist`);
    }
    const min = input.MinCount ?? 1;
    const max = input.MaxCount ?? min;
    if (min < 1 || max < min)
      throw validationFault(
        S,
        `MinCount (${min}) and MaxCount (${max}) must satisfy 1 <= MinCount <= MaxCount.`,
      );
    const tags: Record<string, string> = {};
    for (const spec of input.TagSpecifications ?? []) {
      if (spec.ResourceType !== "instance") continue;
      for (const tag of spec.Tags ?? []) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? "";
    }
    const reservationId = world.ids.reservationId();
    const launched: InstanceState[] = [];
    for (let i = 0; i < max; i++) {
      launched.push(
        world.createInstance(image.imageId, {
          instanceType: input.InstanceType ?? "m6i.large",
          launchMs: world.now(),
          reservationId,
          tags,
        }),
      );
    }
    const readyAt = world.now() + world.scenario.hardening.builderLaunchSeconds * 1000;
    world.clock.schedule(
      readyAt,
      () => {
        for (const instance of launched) {
          if (instance.state !== "pending") continue;
          instance.state = "running";
          instance.ping = "Online";
          world.fleetVersion++;
          instance.lastPingMs = world.now();
        }
      },
      "builder running",
    );
    const ids = launched.map((instance) => instance.instanceId);
    if (input.ClientToken !== undefined)
      world.reservationsByToken.set(input.ClientToken, { reservationId, instanceIds: ids });
    return {
      ReservationId: reservationId,
      OwnerId: ACCOUNT_ID,
      Groups: [],
      Instances: launched.map(describeInstance),
    };
  },

  DescribeInstances(ctx, raw) {
    const input = raw as DescribeInstancesCommandInput;
    const ids = input.InstanceIds ?? [];
    if (ids.length > 0 && input.MaxResults !== undefined) {
      throw new ServiceFault(
        "InvalidParameterCombination",
        "The parameter instancesSet cannot be used with the parameter maxResults",
      );
    }
    checkRange(S, "MaxResults", input.MaxResults, 5, 1000);
    const instances =
      ids.length > 0 ? ids.map((id) => instanceOrFail(ctx, id)) : [...ctx.world.instances.values()];
    const matching = instances.filter((instance) =>
      filterMatches(input.Filters, (name) => {
        if (name === "instance-state-name") return [instance.state];
        if (name === "instance-id") return [instance.instanceId];
        if (name === "image-id") return [instance.imageId];
        return tagField(instance.tags, name);
      }),
    );
    const { page, nextToken } = paginate(S, matching, input.MaxResults ?? 1000, input.NextToken);
    const reservations = new Map<string, object[]>();
    for (const instance of page) {
      const list = reservations.get(instance.reservationId) ?? [];
      list.push(describeInstance(instance));
      reservations.set(instance.reservationId, list);
    }
    return {
      Reservations: [...reservations].map(([ReservationId, Instances]) => ({
        ReservationId,
        OwnerId: ACCOUNT_ID,
        Groups: [],
        Instances,
      })),
      ...(nextToken !== undefined && { NextToken: nextToken }),
    };
  },

  CreateImage(ctx, raw) {
    const input = raw as CreateImageCommandInput;
    const { world } = ctx;
    const instance = instanceOrFail(ctx, input.InstanceId ?? "");
    const name = input.Name ?? "";
    if (!/^[a-zA-Z0-9()[\]./\-'@_ ]{3,128}$/.test(name)) {
      throw new ServiceFault(
        "InvalidAMIName.Malformed",
        `AMI names must be 3-128 characters of letters, numbers, ( ) [ ] . / - ' @ _ or spaces, got ${JSON.stringify(name)}`,
      );
    }
    for (const image of world.images.values()) {
      if (image.ownerId === ACCOUNT_ID && image.name === name) {
        throw new ServiceFault(
          "InvalidAMIName.Duplicate",
          `AMI name ${name} is already in use by AMI ${image.imageId}`,
        );
      }
    }
    if (instance.state !== "running") {
      throw new ServiceFault(
        "IncorrectInstanceState",
        `The instance '${instance.instanceId}' is not in the 'running' or 'stopped' state (it is '${instance.state}').`,
      );
    }
    const tags: Record<string, string> = {};
    for (const spec of input.TagSpecifications ?? []) {
      if (spec.ResourceType !== "image") continue;
      for (const tag of spec.Tags ?? []) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? "";
    }
    const image: ImageState = {
      imageId: world.ids.imageId(),
      name,
      description: input.Description ?? "",
      architecture: instance.architecture,
      platform: instance.platformName,
      platformVersion: instance.platformVersion,
      kernelVersion: instance.kernelVersion,
      state: "pending",
      creationMs: world.now(),
      ownerId: ACCOUNT_ID,
      tags,
      stig: instance.stig,
      fips: instance.fips,
      sourceInstanceId: instance.instanceId,
    };
    world.images.set(image.imageId, image);
    world.clock.schedule(
      world.now() + world.scenario.hardening.imageSeconds * 1000,
      () => {
        image.state = "available";
      },
      `image available ${image.imageId}`,
    );
    return { ImageId: image.imageId };
  },

  TerminateInstances(ctx, raw) {
    const input = raw as TerminateInstancesCommandInput;
    const instances = (input.InstanceIds ?? []).map((id) => instanceOrFail(ctx, id));
    const out = instances.map((instance) => {
      const previous = instance.state;
      const group = instance.groupName === null ? undefined : ctx.world.groups.get(instance.groupName);
      ctx.world.terminate(instance.instanceId);
      if (group !== undefined && ctx.engine.activeRefresh(group) === undefined) {
        ctx.world.fillCapacity(group);
        ctx.engine.evaluateAlarms(group);
      }
      return {
        InstanceId: instance.instanceId,
        PreviousState: { Code: STATE_CODE[previous], Name: previous },
        CurrentState:
          previous === "terminated" ? { Code: 48, Name: "terminated" } : { Code: 32, Name: "shutting-down" },
      };
    });
    return { TerminatingInstances: out };
  },

  CreateTags(ctx, raw) {
    const input = raw as CreateTagsCommandInput;
    for (const id of input.Resources ?? []) {
      const target = ctx.world.images.get(id)?.tags ?? ctx.world.instances.get(id)?.tags;
      if (target === undefined) {
        throw new ServiceFault(
          id.startsWith("ami-") ? "InvalidAMIID.NotFound" : "InvalidID",
          `The ID '${id}' is not valid`,
        );
      }
      for (const tag of input.Tags ?? []) if (tag.Key !== undefined) target[tag.Key] = tag.Value ?? "";
    }
    return {};
  },
};
