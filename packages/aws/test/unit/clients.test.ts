import { describe, expect, it } from "vitest";
import { createAwsClients } from "../../src/clients";

describe("createAwsClients", () => {
  it("creates every client with the region, five standard-mode attempts and the credentials given", async () => {
    const clients = createAwsClients({
      region: "eu-west-1",
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
    });

    expect(Object.keys(clients).sort()).toEqual([
      "autoscaling",
      "cloudwatch",
      "dynamodb",
      "ec2",
      "elbv2",
      "iam",
      "sfn",
      "sns",
      "ssm",
    ]);
    for (const client of Object.values(clients)) {
      expect(await client.config.region()).toBe("eu-west-1");
      expect(await client.config.maxAttempts()).toBe(5);
      expect((await client.config.retryStrategy()).mode).toBe("standard");
      expect(await client.config.credentials()).toMatchObject({ accessKeyId: "AKIDEXAMPLE" });
    }
  });

  it("points only the named client at an endpoint override and honours maxAttempts", async () => {
    const clients = createAwsClients({
      region: "us-east-1",
      endpoints: { dynamodb: "http://127.0.0.1:4567" },
      maxAttempts: 2,
    });

    const endpoint = await clients.dynamodb.config.endpoint?.();
    expect(endpoint?.hostname).toBe("127.0.0.1");
    expect(endpoint?.port).toBe(4567);
    expect(clients.ssm.config.endpoint).toBeUndefined();
    expect(await clients.ec2.config.maxAttempts()).toBe(2);
  });
});
