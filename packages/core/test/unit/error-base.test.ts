import { describe, expect, it } from "vitest";
import {
  errorName,
  FleetUpgradeError,
  HardeningFailedError,
  InvalidStageConfigError,
  isErrorNamed,
  RefreshFailedError,
  RunNotReadyError,
} from "../../src/index";

describe("the error base", () => {
  it("every named error of the domain is a FleetUpgradeError whose name is its own class's", () => {
    const errors = [
      new HardeningFailedError("bake failed"),
      new RefreshFailedError("refresh failed"),
      new RunNotReadyError("not ready"),
      new InvalidStageConfigError("prod", [{ field: "region", value: 1, expected: "a region" }]),
    ];
    for (const error of errors) {
      expect(error).toBeInstanceOf(FleetUpgradeError);
      expect(error.name).toBe(error.constructor.name);
    }
  });
});

describe("isErrorNamed", () => {
  it("matches an SDK-style error by its name, among several names", () => {
    const sdk = Object.assign(new Error("in progress"), { name: "InstanceRefreshInProgressFault" });
    expect(isErrorNamed(sdk, "ActiveInstanceRefreshNotFoundFault", "InstanceRefreshInProgressFault")).toBe(
      true,
    );
    expect(isErrorNamed(sdk, "IrreversibleInstanceRefreshFault")).toBe(false);
  });

  it("matches the app's own named errors and refuses values without a string name", () => {
    expect(isErrorNamed(new RefreshFailedError("x"), "RefreshFailedError")).toBe(true);
    expect(isErrorNamed(new Error("plain"), "RefreshFailedError")).toBe(false);
    expect(isErrorNamed("InstanceRefreshInProgressFault", "InstanceRefreshInProgressFault")).toBe(false);
    expect(isErrorNamed({ name: 7 }, "7")).toBe(false);
    expect(isErrorNamed(null, "null")).toBe(false);
    expect(errorName({ name: "ParameterNotFound" })).toBe("ParameterNotFound");
  });
});
