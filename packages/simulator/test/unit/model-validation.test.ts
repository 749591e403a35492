import { DescribeAutoScalingGroupsCommand, StartInstanceRefreshCommand } from "@aws-sdk/client-auto-scaling";
import { TerminateInstancesCommand } from "@aws-sdk/client-ec2";
import { GetParametersCommand } from "@aws-sdk/client-ssm";
import { describe, expect, it } from "vitest";
import { apiModel, SimulatedAccount } from "../../src/index";
import { scenario } from "./fixtures";

function account() {
  const sim = SimulatedAccount.create(scenario());
  return { sim, clients: sim.createClients({ maxAttempts: 1 }) };
}

describe("requests checked against AWS's API models before the simulator answers", () => {
  it("refuses an empty group name with AWS's wording, and keeps the refusal", async () => {
    const { sim, clients } = account();
    await expect(
      clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ["web", ""] })),
    ).rejects.toMatchObject({
      name: "ValidationError",
      message:
        "1 validation error detected: Value '' at 'autoScalingGroupNames.2.member' failed to satisfy constraint: Member must have length greater than or equal to 1",
    });
    expect(sim.modelViolations()).toHaveLength(1);
  });

  it("refuses a missing required member, a bad enum and a too-long alarm name in one answer", async () => {
    const { sim, clients } = account();
    const refused = clients.autoscaling.send(
      new StartInstanceRefreshCommand({
        AutoScalingGroupName: undefined as unknown as string,
        Preferences: {
          // biome-ignore lint/suspicious/noExplicitAny: deliberately outside the SDK's union
          ScaleInProtectedInstances: "Sometimes" as any,
          AlarmSpecification: { Alarms: ["x".repeat(256)] },
        },
      }),
    );
    await expect(refused).rejects.toMatchObject({ name: "ValidationError" });
    const message = (await refused.catch((error: Error) => error.message)) as string;
    expect(message).toMatch(/^3 validation errors detected: /);
    expect(message).toContain(
      "Value null at 'autoScalingGroupName' failed to satisfy constraint: Member must not be null",
    );
    expect(message).toContain(
      "at 'preferences.scaleInProtectedInstances' failed to satisfy constraint: Member must satisfy enum value set: [Refresh, Ignore, Wait]",
    );
    expect(message).toContain(
      "at 'preferences.alarmSpecification.alarms.1.member' failed to satisfy constraint: Member must have length less than or equal to 255",
    );
    expect(sim.group("web")?.refreshes).toEqual([]);
  });

  it("answers SSM's ValidationException for 11 parameter names", async () => {
    const { clients } = account();
    const names = Array.from({ length: 11 }, (_, i) => `/p/${i}`);
    await expect(clients.ssm.send(new GetParametersCommand({ Names: names }))).rejects.toMatchObject({
      name: "ValidationException",
      message: expect.stringContaining(
        "at 'names' failed to satisfy constraint: Member must have length less than or equal to 10",
      ),
    });
  });

  it("checks EC2 against the rules written from its API reference", async () => {
    const { clients } = account();
    await expect(
      clients.ec2.send(new TerminateInstancesCommand({ InstanceIds: undefined as unknown as string[] })),
    ).rejects.toMatchObject({
      name: "InvalidParameterValue",
      message: expect.stringContaining("Value null at 'instanceIds'"),
    });
  });

  it("names a member the model does not have, and an operation the service does not have", () => {
    const model = apiModel("autoscaling");
    expect(model.check("DescribeAutoScalingGroups", { GroupNames: ["a"] })?.message).toContain(
      "at 'groupNames' failed to satisfy constraint: Member must be one the API model names",
    );
    expect(model.check("DeleteEverything", {})).toMatchObject({ code: "InvalidAction" });
    expect(model.check("DescribeAutoScalingGroups", { MaxRecords: 100, NextToken: undefined })).toBeNull();
  });
});
