import { describe, expect, it } from "vitest";
import {
  HardeningFailedError,
  HealthRegressionError,
  InvalidRunRequestError,
  InvalidScenarioError,
  RefreshFailedError,
  RollbackImpossibleError,
  TargetImageNotFoundError,
} from "../../src/errors";

describe("errors", () => {
  it.each([
    ["TargetImageNotFoundError", TargetImageNotFoundError],
    ["HardeningFailedError", HardeningFailedError],
    ["RefreshFailedError", RefreshFailedError],
    ["RollbackImpossibleError", RollbackImpossibleError],
    ["HealthRegressionError", HealthRegressionError],
  ])("%s carries its name for Step Functions Catch, its message and its cause", (name, ErrorClass) => {
    const cause = new Error("underlying");
    const error = new ErrorClass("what went wrong", { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.message).toBe("what went wrong");
    expect(error.cause).toBe(cause);
    expect(String(error)).toBe(`${name}: what went wrong`);
  });

  it("validation errors list every problem in the message and keep them structured", () => {
    const problems = [
      { field: "rollout.checkpoints[0]", value: 0, expected: "an integer 1-99" },
      { field: "dryRun", value: "yes", expected: "true or false" },
    ];
    const request = new InvalidRunRequestError(problems);
    expect(request.name).toBe("InvalidRunRequestError");
    expect(request.problems).toEqual(problems);
    expect(request.message).toBe(
      'rollout.checkpoints[0]: got 0, expected an integer 1-99\ndryRun: got "yes", expected true or false',
    );
    const scenario = new InvalidScenarioError(problems);
    expect(scenario.name).toBe("InvalidScenarioError");
    expect(scenario.problems).toEqual(problems);
  });
});
