import type { SSMClient } from "@aws-sdk/client-ssm";
import type { ImageCatalog, ImageInfo } from "@fleet-upgrade/core";
import { ClientNotGivenError } from "./errors";
import { getParameterValues } from "./queries";

export interface SsmParameterCatalogClients {
  ssm: SSMClient;
}

/**
 * The SSM parameters that name AMIs, through SSM alone, so a function that only reads them bundles no
 * EC2 client. {@link SsmImageCatalog} adds the image reads (EC2); here they fail with
 * {@link ClientNotGivenError}.
 */
export class SsmParameterCatalog implements ImageCatalog {
  constructor(protected readonly clients: SsmParameterCatalogClients) {}

  getParameters(names: string[]): Promise<Record<string, string>> {
    return getParameterValues(this.clients.ssm, names);
  }

  async describeImages(_imageIds: string[]): Promise<ImageInfo[]> {
    throw new ClientNotGivenError("ec2", "DescribeImages");
  }

  async findOwnImages(_tags: Record<string, string>): Promise<ImageInfo[]> {
    throw new ClientNotGivenError("ec2", "DescribeImages");
  }
}
