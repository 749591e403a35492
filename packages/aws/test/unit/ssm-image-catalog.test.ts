import "aws-sdk-client-mock-vitest/extend";
import { DescribeImagesCommand, EC2Client, EC2ServiceException } from "@aws-sdk/client-ec2";
import { GetParametersCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { SsmImageCatalog } from "../../src/ssm-image-catalog";

const ssm = mockClient(SSMClient);
const ec2 = mockClient(EC2Client);
const catalog = new SsmImageCatalog({
  ssm: new SSMClient({ region: "us-east-1" }),
  ec2: new EC2Client({ region: "us-east-1" }),
});

function ec2Error(name: string): EC2ServiceException {
  return new EC2ServiceException({ name, $fault: "client", $metadata: {}, message: name });
}

afterEach(() => {
  ssm.reset();
  ec2.reset();
});

describe("SsmImageCatalog.getParameters", () => {
  it("asks for at most 10 names per GetParameters call and returns only the names that exist", async () => {
    const names = Array.from({ length: 12 }, (_, i) => `/aws/service/ami-amazon-linux-latest/p${i}`);
    ssm.on(GetParametersCommand).callsFake((input: { Names: string[] }) => ({
      Parameters: input.Names.filter((name) => name !== names[11]).map((Name) => ({
        Name,
        Value: `ami-${Name.slice(-2)}`,
      })),
      InvalidParameters: input.Names.filter((name) => name === names[11]),
    }));

    const values = await catalog.getParameters(names);

    expect(ssm).toHaveReceivedCommandTimes(GetParametersCommand, 2);
    expect(ssm).toHaveReceivedNthCommandWith(GetParametersCommand, 1, { Names: names.slice(0, 10) });
    expect(ssm).toHaveReceivedNthCommandWith(GetParametersCommand, 2, { Names: names.slice(10) });
    expect(Object.keys(values)).toHaveLength(11);
    expect(values[names[0] as string]).toBe("ami-p0");
    expect(values).not.toHaveProperty(names[11] as string);
  });

  it("keys a value asked with a version selector by the name as asked", async () => {
    ssm
      .on(GetParametersCommand)
      .resolves({ Parameters: [{ Name: "/golden/api", Selector: ":3", Value: "ami-3" }] });

    expect(await catalog.getParameters(["/golden/api:3"])).toEqual({ "/golden/api:3": "ami-3" });
  });
});

describe("SsmImageCatalog.describeImages", () => {
  it("describes images 100 ids per call and maps name, architecture, dates and tags", async () => {
    const ids = Array.from({ length: 150 }, (_, i) => `ami-${String(i).padStart(3, "0")}`);
    ec2.on(DescribeImagesCommand).callsFake((input: { ImageIds: string[] }) => ({
      Images: input.ImageIds.map((ImageId) => ({
        ImageId,
        Name: `al2023-ami-${ImageId}`,
        Architecture: "arm64",
        State: "available",
        CreationDate: "2026-09-01T10:00:00.000Z",
        DeprecationTime: "2026-11-30T10:00:00.000Z",
        Tags: [{ Key: "fleet-upgrade:source", Value: "ami-src" }],
      })),
    }));

    const images = await catalog.describeImages(ids);

    expect(ec2).toHaveReceivedCommandTimes(DescribeImagesCommand, 2);
    expect(ec2).toHaveReceivedNthCommandWith(DescribeImagesCommand, 1, { ImageIds: ids.slice(0, 100) });
    expect(ec2).toHaveReceivedNthCommandWith(DescribeImagesCommand, 2, { ImageIds: ids.slice(100) });
    expect(images).toHaveLength(150);
    expect(images[0]).toEqual({
      imageId: "ami-000",
      name: "al2023-ami-ami-000",
      architecture: "arm64",
      state: "available",
      creationDate: "2026-09-01T10:00:00.000Z",
      deprecationTime: "2026-11-30T10:00:00.000Z",
      tags: { "fleet-upgrade:source": "ami-src" },
    });
  });

  it("maps absent dates to null and leaves out images of an architecture the product does not roll out", async () => {
    ec2.on(DescribeImagesCommand).resolves({
      Images: [
        { ImageId: "ami-x86", Name: "x", Architecture: "x86_64", State: "pending" },
        { ImageId: "ami-mac", Name: "m", Architecture: "arm64_mac", State: "available" },
      ],
    });

    expect(await catalog.describeImages(["ami-x86", "ami-mac"])).toEqual([
      {
        imageId: "ami-x86",
        name: "x",
        architecture: "x86_64",
        state: "pending",
        creationDate: null,
        deprecationTime: null,
        tags: {},
      },
    ]);
  });

  it("asks again one id at a time when a batch fails on an unknown id, so only that image is missing", async () => {
    ec2
      .on(DescribeImagesCommand)
      .rejects(ec2Error("InvalidAMIID.NotFound"))
      .on(DescribeImagesCommand, { ImageIds: ["ami-good"] })
      .resolves({ Images: [{ ImageId: "ami-good", Name: "g", Architecture: "x86_64", State: "available" }] });

    const images = await catalog.describeImages(["ami-good", "ami-gone"]);

    expect(images.map((image) => image.imageId)).toEqual(["ami-good"]);
    expect(ec2).toHaveReceivedCommandTimes(DescribeImagesCommand, 3);
    expect(ec2).toHaveReceivedNthCommandWith(DescribeImagesCommand, 3, { ImageIds: ["ami-gone"] });
  });

  it("propagates other EC2 errors", async () => {
    ec2.on(DescribeImagesCommand).rejects(ec2Error("UnauthorizedOperation"));

    await expect(catalog.describeImages(["ami-1"])).rejects.toMatchObject({ name: "UnauthorizedOperation" });
  });
});

describe("SsmImageCatalog.findOwnImages", () => {
  it("lists this account's images with every tag, 1000 per page, across pages", async () => {
    const image = (ImageId: string, tags: Record<string, string>) => ({
      ImageId,
      Name: ImageId,
      Architecture: "x86_64" as const,
      State: "available" as const,
      Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    });
    const wanted = { "fleet-upgrade:source": "ami-src", "fleet-upgrade:fips": "true" };
    ec2
      .on(DescribeImagesCommand)
      .resolves({ Images: [image("ami-1", wanted)], NextToken: "images-2" })
      .on(DescribeImagesCommand, { NextToken: "images-2" })
      .resolves({ Images: [image("ami-2", wanted), image("ami-3", { "fleet-upgrade:source": "ami-src" })] });

    const images = await catalog.findOwnImages(wanted);

    const filters = [
      { Name: "tag:fleet-upgrade:source", Values: ["ami-src"] },
      { Name: "tag:fleet-upgrade:fips", Values: ["true"] },
    ];
    expect(ec2).toHaveReceivedCommandTimes(DescribeImagesCommand, 2);
    expect(ec2).toHaveReceivedNthCommandWith(DescribeImagesCommand, 1, {
      Owners: ["self"],
      Filters: filters,
      MaxResults: 1000,
    });
    expect(ec2).toHaveReceivedNthCommandWith(DescribeImagesCommand, 2, {
      Owners: ["self"],
      Filters: filters,
      MaxResults: 1000,
      NextToken: "images-2",
    });
    expect(images.map((found) => found.imageId)).toEqual(["ami-1", "ami-2"]);
  });
});
