import {
  type _InstanceType,
  CreateImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  type EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import type { LaunchBuilderInput } from "@fleet-upgrade/core";
import { UnexpectedResponseError } from "./errors";
import { SsmCommandRunner, type SsmCommandRunnerClients } from "./ssm-command-runner";
import { isErrorNamed, recordToTags } from "./support";

export { COMMAND_TIMEOUT_SECONDS } from "./ssm-command-runner";

export interface Ec2ImageHardenerClients extends SsmCommandRunnerClients {
  ec2: EC2Client;
}

/** Launches a builder instance, runs SSM documents on it, images it and terminates it. */
export class Ec2ImageHardener extends SsmCommandRunner {
  constructor(private readonly allClients: Ec2ImageHardenerClients) {
    super(allClients);
  }

  override async launchBuilder(input: LaunchBuilderInput): Promise<string> {
    const out = await this.allClients.ec2.send(
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

  override async describeBuilder(instanceId: string): Promise<{ state: string; pingStatus: string | null }> {
    const [state, pingStatus] = await Promise.all([
      this.instanceState(instanceId),
      this.pingStatus(instanceId),
    ]);
    return { state, pingStatus };
  }

  override async createImage(input: {
    instanceId: string;
    name: string;
    tags: Record<string, string>;
  }): Promise<string> {
    try {
      const out = await this.allClients.ec2.send(
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
      const existing = await this.allClients.ec2.send(
        new DescribeImagesCommand({ Owners: ["self"], Filters: [{ Name: "name", Values: [input.name] }] }),
      );
      const imageId = existing.Images?.[0]?.ImageId;
      if (imageId === undefined) throw error;
      return imageId;
    }
  }

  override async terminate(instanceId: string): Promise<void> {
    try {
      await this.allClients.ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
    } catch (error) {
      if (!isErrorNamed(error, "InvalidInstanceID.NotFound")) throw error;
    }
  }

  private async instanceState(instanceId: string): Promise<string> {
    try {
      const out = await this.allClients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
      const instance = out.Reservations?.flatMap((reservation) => reservation.Instances ?? [])[0];
      // EC2 is eventually consistent: a just-launched instance can be invisible for a moment.
      return instance?.State?.Name ?? "pending";
    } catch (error) {
      if (isErrorNamed(error, "InvalidInstanceID.NotFound")) return "pending";
      throw error;
    }
  }
}
