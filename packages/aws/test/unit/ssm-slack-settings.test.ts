import "aws-sdk-client-mock-vitest/extend";
import { GetParameterCommand, ParameterNotFound, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { SsmSlackSettings } from "../../src/ssm-slack-settings";

const ssm = mockClient(SSMClient);
const names = { signingSecretParameter: "/fu/slack-secret", allowedUsersParameter: "/fu/slack-users" };
const settings = () => new SsmSlackSettings({ ssm: new SSMClient({ region: "us-east-1" }) }, names);

afterEach(() => {
  ssm.reset();
});

describe("SsmSlackSettings", () => {
  it("reads the secret decrypted and the user list, once per cold start", async () => {
    ssm.on(GetParameterCommand, { Name: "/fu/slack-secret" }).resolves({ Parameter: { Value: "s3cret" } });
    ssm.on(GetParameterCommand, { Name: "/fu/slack-users" }).resolves({ Parameter: { Value: "U1, U2" } });
    const source = settings();
    expect(await source.load()).toEqual({ signingSecret: "s3cret", allowedUsers: ["U1", "U2"] });
    await source.load();
    expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 2);
    expect(ssm).toHaveReceivedCommandWith(GetParameterCommand, {
      Name: "/fu/slack-secret",
      WithDecryption: true,
    });
  });

  it("treats a missing parameter as unconfigured, and retries after a failed read", async () => {
    ssm.on(GetParameterCommand).rejectsOnce(new Error("throttled"));
    const source = settings();
    await expect(source.load()).rejects.toThrow("throttled");
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ $metadata: {}, message: "none" }));
    expect(await source.load()).toEqual({ signingSecret: null, allowedUsers: [] });
  });
});
