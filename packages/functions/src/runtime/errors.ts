/**
 * Errors of the functions. Each sets `name` (a string literal, kept by the minified bundle): the
 * Lambda runtime reports it as the error type, so a state's Catch can tell one from another.
 */
import { FleetUpgradeError } from "@fleet-upgrade/core";

/** A function started without the variables its contract needs (runtime/environment.ts). */
export class EnvironmentIncompleteError extends FleetUpgradeError {
  override readonly name = "EnvironmentIncompleteError";
  constructor(
    readonly variables: string[],
    options?: { cause?: unknown },
  ) {
    super(
      `the function's environment is incomplete: ${variables.join(", ")} must be set (infra/function-specs.ts writes them; redeploy the stage)`,
      options,
    );
  }
}

/** A task was given a run id the ledger has no record of. */
export class RunNotFoundError extends FleetUpgradeError {
  override readonly name = "RunNotFoundError";
  constructor(readonly runId: string) {
    super(`run ${runId} is not in the ledger`);
  }
}

/** The run's record names no target image for an architecture it needs one for. */
export class TargetImageMissingError extends FleetUpgradeError {
  override readonly name = "TargetImageMissingError";
  constructor(
    readonly runId: string,
    readonly architecture: string,
  ) {
    super(`run ${runId} has no target image for ${architecture}`);
  }
}

/** The state names a wave the run's record does not have. */
export class WaveNotFoundError extends FleetUpgradeError {
  override readonly name = "WaveNotFoundError";
  constructor(
    readonly runId: string,
    readonly index: number,
  ) {
    super(`run ${runId} has no wave ${index}`);
  }
}

/** A group's state reached a wait or a poll without the id of the refresh it follows. */
export class RefreshIdMissingError extends FleetUpgradeError {
  override readonly name = "RefreshIdMissingError";
  constructor(
    readonly group: string,
    step: "waits" | "polls",
  ) {
    super(`group ${group} ${step} without a refresh id`);
  }
}

/** Auto Scaling no longer lists a refresh the run started (DescribeInstanceRefreshes). */
export class InstanceRefreshGoneError extends FleetUpgradeError {
  override readonly name = "InstanceRefreshGoneError";
  constructor(
    readonly group: string,
    readonly instanceRefreshId: string,
  ) {
    super(`instance refresh ${instanceRefreshId} of ${group} is gone from DescribeInstanceRefreshes`);
  }
}

/** A task used an adapter or client its entry point did not name, so its bundle does not carry it. */
export class DependencyNotDeclaredError extends FleetUpgradeError {
  override readonly name = "DependencyNotDeclaredError";
  constructor(
    readonly functionName: string,
    readonly dependency: string,
  ) {
    super(
      `${functionName} used ${dependency}, which its entry point does not name: add its factory to the entry's taskHandler call (runtime/adapters.ts) and the action to infra/iam.ts`,
    );
  }
}
