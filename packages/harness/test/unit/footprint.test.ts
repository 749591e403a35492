import { DescribeAutoScalingGroupsCommand } from "@aws-sdk/client-auto-scaling";
import { generateFleetScenario, SimulatedAccount } from "@fleet-upgrade/simulator";
import { describe, expect, it } from "vitest";
import { dynamoItemBytes, FootprintMeter } from "../../src/footprint";

describe("run footprint", () => {
  it("counts each invocation's SDK calls on its own, even when invocations interleave", async () => {
    const account = SimulatedAccount.create(generateFleetScenario({ groups: 2, instances: 4, seed: 1 }));
    const meter = new FootprintMeter();
    const { autoscaling } = account.createClients();
    meter.countCalls(autoscaling);
    const describe = () => autoscaling.send(new DescribeAutoScalingGroupsCommand({}));
    await Promise.all([
      meter.invoke("three", async () => {
        for (let i = 0; i < 3; i++) await describe();
      }),
      meter.invoke("five", async () => {
        for (let i = 0; i < 5; i++) await describe();
      }),
    ]);
    await describe(); // outside any invocation: not counted
    expect(meter.footprint).toMatchObject({
      maxCallsPerInvocation: 5,
      maxCallsFunction: "five",
      invocations: 2,
    });
  });

  it("keeps the largest state input in bytes with the state's name", () => {
    const meter = new FootprintMeter();
    meter.stateEntered("Small", { a: 1 });
    meter.stateEntered("Large", { names: ["é".repeat(10)] });
    expect(meter.footprint).toMatchObject({ maxStatePayloadBytes: 34, maxStatePayloadState: "Large" });
  });

  it("sizes an item as DynamoDB does: names and values, nested maps and lists with their overhead", () => {
    // pk(2)+"RUN#a"(5) + sk(2)+"META"(4) + n(1)+"12345"(3+1 = 4) + m(1)+{3 + x(1)+true(1) + 1} + l(1)+[3 + 1+"ab"(2)]
    const bytes = dynamoItemBytes({
      pk: { S: "RUN#a" },
      sk: { S: "META" },
      n: { N: "12345" },
      m: { M: { x: { BOOL: true } } },
      l: { L: [{ S: "ab" }] },
    });
    expect(bytes).toBe(2 + 5 + 2 + 4 + 1 + 4 + 1 + 6 + 1 + 6);
  });
});
