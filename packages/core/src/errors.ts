import { formatProblems, MAX_REASON_LENGTH, type Problem, renderValue } from "./validation";

/**
 * Errors of the domain. Each sets `name`: Step Functions matches `Retry` and `Catch` on it (the
 * Lambda runtime reports it as `errorType`), so a name here is part of the state machine's contract.
 */

/** Options every domain error accepts: the underlying error, kept for the log. */
export interface DomainErrorOptions {
  cause?: unknown;
}

/** A run request failed validation; `problems` lists every problem, the message one per line. */
export class InvalidRunRequestError extends Error {
  override readonly name = "InvalidRunRequestError";
  readonly problems: Problem[];
  constructor(problems: Problem[]) {
    super(formatProblems(problems));
    this.problems = problems;
  }
}

/** A scenario file failed validation; `problems` lists every problem, the message one per line. */
export class InvalidScenarioError extends Error {
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
export class ReasonTooLongError extends Error {
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
export class TargetImageNotFoundError extends Error {
  override readonly name = "TargetImageNotFoundError";
  constructor(message: string, options?: DomainErrorOptions) {
    super(message, options);
  }
}

/** Baking the hardened image failed (builder, STIG, FIPS, reboot, verification or image creation). */
export class HardeningFailedError extends Error {
  override readonly name = "HardeningFailedError";
  constructor(message: string, options?: DomainErrorOptions) {
    super(message, options);
  }
}

/** An instance refresh failed or was cancelled by someone else. */
export class RefreshFailedError extends Error {
  override readonly name = "RefreshFailedError";
  constructor(message: string, options?: DomainErrorOptions) {
    super(message, options);
  }
}

/** A group cannot be rolled back safely (unnumbered launch template version, `resolve:ssm:` image, ...). */
export class RollbackImpossibleError extends Error {
  override readonly name = "RollbackImpossibleError";
  constructor(message: string, options?: DomainErrorOptions) {
    super(message, options);
  }
}

/** Health regressed during or after a refresh (alarm, unhealthy targets, SSM offline, compliance). */
export class HealthRegressionError extends Error {
  override readonly name = "HealthRegressionError";
  constructor(message: string, options?: DomainErrorOptions) {
    super(message, options);
  }
}
