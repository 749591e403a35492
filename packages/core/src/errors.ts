import { formatProblems, MAX_REASON_LENGTH, type Problem, renderValue } from "./validation";

/**
 * Errors of the domain. Each sets `name`: Step Functions matches `Retry` and `Catch` on it (the
 * Lambda runtime reports it as `errorType`), so a name here is part of the state machine's contract.
 */

/** Options every domain error accepts: the underlying error, kept for the log. */
export interface DomainErrorOptions {
  cause?: unknown;
}

/**
 * The base of every named error of the app. A subclass sets `name` as a string literal, never from
 * its class name: the Lambda bundle is minified, and a Catch must still see `RefreshFailedError`.
 */
export abstract class FleetUpgradeError extends Error {
  abstract override readonly name: string;
}

/** `name` of a thrown value (SDK v3 service errors carry the service's error code there). */
export function errorName(error: unknown): string | undefined {
  if (typeof error === "object" && error !== null && "name" in error) {
    const name = (error as { name: unknown }).name;
    return typeof name === "string" ? name : undefined;
  }
  return undefined;
}

/**
 * Whether a thrown value is named one of `names`: SDK v3 service errors (and the app's own) are told
 * apart by `name`, without importing the SDK's exception classes.
 *
 * @example
 * if (!isErrorNamed(error, "InstanceRefreshInProgressFault")) throw error;
 */
export function isErrorNamed(error: unknown, ...names: string[]): boolean {
  const name = errorName(error);
  return name !== undefined && names.includes(name);
}

/** A run request failed validation; `problems` lists every problem, the message one per line. */
export class InvalidRunRequestError extends FleetUpgradeError {
  override readonly name = "InvalidRunRequestError";
  readonly problems: Problem[];
  constructor(problems: Problem[]) {
    super(formatProblems(problems));
    this.problems = problems;
  }
}

/** A scenario file failed validation; `problems` lists every problem, the message one per line. */
export class InvalidScenarioError extends FleetUpgradeError {
  override readonly name = "InvalidScenarioError";
  readonly problems: Problem[];
  constructor(problems: Problem[]) {
    super(formatProblems(problems));
    this.problems = problems;
  }
}

/**
 * A reason (of a run, an abort) longer than {@link MAX_REASON_LENGTH} characters, refused before
 * anything is recorded. The message names the field, the start of the value and the limit.
 */
export class ReasonTooLongError extends FleetUpgradeError {
  override readonly name = "ReasonTooLongError";
  readonly problems: Problem[];
  constructor(
    readonly field: string,
    readonly value: string,
  ) {
    const expected = `a string of at most ${MAX_REASON_LENGTH} characters (this one has ${value.length})`;
    super(`${field}: got ${renderValue(value)}, expected ${expected}`);
    this.problems = [{ field, value, expected }];
  }
}

/** Throws {@link ReasonTooLongError} when `value` is longer than {@link MAX_REASON_LENGTH}. */
export function checkReasonLength(field: string, value: string): string {
  if (value.length > MAX_REASON_LENGTH) throw new ReasonTooLongError(field, value);
  return value;
}

/** No AL2023 image for the requested kernel track, flavour or architecture (or the pinned id is gone). */
export class TargetImageNotFoundError extends FleetUpgradeError {
  override readonly name = "TargetImageNotFoundError";
}

/** Baking the hardened image failed (builder, STIG, FIPS, reboot, verification or image creation). */
export class HardeningFailedError extends FleetUpgradeError {
  override readonly name = "HardeningFailedError";
}

/** An instance refresh failed or was cancelled by someone else. */
export class RefreshFailedError extends FleetUpgradeError {
  override readonly name = "RefreshFailedError";
}

/** A group cannot be rolled back safely (unnumbered launch template version, `resolve:ssm:` image, ...). */
export class RollbackImpossibleError extends FleetUpgradeError {
  override readonly name = "RollbackImpossibleError";
}

/** Health regressed during or after a refresh (alarm, unhealthy targets, SSM offline, compliance). */
export class HealthRegressionError extends FleetUpgradeError {
  override readonly name = "HealthRegressionError";
}
