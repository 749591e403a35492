import { SfnTaskResumer } from "@fleet-upgrade/aws";
import { describe, expect, it } from "vitest";
import { emfMetrics, sfnTaskResumer } from "../../../src/runtime/adapters";
import { depsFromEnvironment, type FunctionDeps, silentLogger } from "../../../src/runtime/deps";
import { lambdaHandler, taskHandler } from "../../../src/runtime/lambda";
import { noMetrics } from "../../../src/runtime/metrics";

const ENV = { AWS_REGION: "eu-west-1", LEDGER_TABLE: "fleet-upgrade-ci-Ledger" };

describe("a deployed function's dependencies", () => {
  it("builds the adapters its entry names, once; any other fails when used, naming it, and copying deps is harmless", () => {
    const deps = depsFromEnvironment(ENV, silentLogger, "refreshEvents", { resumer: sfnTaskResumer });
    expect(deps.resumer).toBeInstanceOf(SfnTaskResumer);
    expect(deps.resumer).toBe(deps.resumer);
    expect({ ...deps }.resumer).toBe(deps.resumer);
    expect(() => deps.rollout.describeGroup).toThrow(
      expect.objectContaining({
        name: "DependencyNotDeclaredError",
        functionName: "refreshEvents",
        dependency: "rollout",
      }),
    );
    expect(() => deps.notifier?.notify).toThrow(/refreshEvents used notifier/);
  });

  it("records metrics only when the entry names the EMF sink", () => {
    const quiet = depsFromEnvironment(ENV, silentLogger, "plan", {});
    expect(quiet.metricsSink).toBe(noMetrics);
    const counted = depsFromEnvironment(ENV, silentLogger, "finishGroup", { metricsSink: emfMetrics });
    expect(counted.metricsSink).not.toBe(noMetrics);
  });

  it("shows injected dependencies to a task as its deployed entry would: undeclared adapters fail", async () => {
    const usesRollout = async (_input: unknown, deps: FunctionDeps) => deps.rollout.describeGroup("web");
    taskHandler("probeLean", usesRollout, { resumer: sfnTaskResumer });
    const full = { rollout: { describeGroup: async () => null } } as unknown as FunctionDeps;
    const injected = lambdaHandler("probeLean", usesRollout, {
      ...full,
      logger: silentLogger,
      metricsSink: noMetrics,
    });
    await expect(injected({}, {} as never)).rejects.toMatchObject({
      name: "DependencyNotDeclaredError",
      dependency: "rollout",
    });
    const declared = lambdaHandler("probeFull", usesRollout, {
      ...full,
      logger: silentLogger,
      metricsSink: noMetrics,
    });
    await expect(declared({}, {} as never)).resolves.toBeNull();
  });
});
