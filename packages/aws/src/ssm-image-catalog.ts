import { type EC2Client, type Image, paginateDescribeImages } from "@aws-sdk/client-ec2";
import type { ImageInfo } from "@fleet-upgrade/core";
import { describeImagesByIds, toImageInfo } from "./queries";
import { SsmParameterCatalog, type SsmParameterCatalogClients } from "./ssm-parameter-catalog";
import { hasAllTags } from "./support";

export interface SsmImageCatalogClients extends SsmParameterCatalogClients {
  ec2: EC2Client;
}

/**
 * AMIs and the SSM parameters that name them. Images of an architecture the product does not roll out
 * (i386, mac) are left out of every answer; unknown image ids and parameter names are simply absent.
 */
export class SsmImageCatalog extends SsmParameterCatalog {
  constructor(private readonly allClients: SsmImageCatalogClients) {
    super(allClients);
  }

  override async describeImages(imageIds: string[]): Promise<ImageInfo[]> {
    const images = await describeImagesByIds(this.allClients.ec2, imageIds);
    return toImageInfos(images);
  }

  override async findOwnImages(tags: Record<string, string>): Promise<ImageInfo[]> {
    const filters = Object.entries(tags).map(([key, value]) => ({ Name: `tag:${key}`, Values: [value] }));
    const images: Image[] = [];
    const pages = paginateDescribeImages(
      { client: this.allClients.ec2 },
      { Owners: ["self"], ...(filters.length > 0 && { Filters: filters }), MaxResults: 1000 },
    );
    for await (const page of pages) images.push(...(page.Images ?? []));
    return toImageInfos(images).filter((image) => hasAllTags(image.tags, tags));
  }
}

function toImageInfos(images: Image[]): ImageInfo[] {
  return images.flatMap((image) => {
    const info = toImageInfo(image);
    return info === null ? [] : [info];
  });
}
