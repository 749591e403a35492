/**
 * Errors of the AWS adapters. Each sets `name`, so Step Functions Retry and Catch can match on it, and
 * carries the service error that caused it, if any. Service errors that callers match on themselves
 * (InstanceRefreshInProgressFault, ...) are never wrapped: they propagate unchanged.
 */

/**
 * A service answered something the adapter cannot use: a missing field (RunInstances without an
 * instance id) or a value the domain does not know (a refresh status newer than this code).
 */
export class UnexpectedResponseError extends Error {
  override readonly name = "UnexpectedResponseError";

  constructor(
    readonly operation: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`${operation} answered ${problem}; retry the step, and report it if it persists`, options);
  }
}

/** DynamoDB kept returning unprocessed items (a batch write) or keys (a batch read) after every retry. */
abstract class LedgerBatchError extends Error {
  constructor(
    readonly tableName: string,
    readonly unprocessedCount: number,
    attempts: number,
    what: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${unprocessedCount} ${what} table ${tableName} stayed unprocessed after ${attempts} attempts; ` +
        "the table is throttled: retry later or raise its capacity",
      options,
    );
  }
}

/** DynamoDB kept returning unprocessed items of a batch write after every retry. */
export class LedgerWriteError extends LedgerBatchError {
  override readonly name = "LedgerWriteError";

  constructor(tableName: string, unprocessedCount: number, attempts: number, options?: { cause?: unknown }) {
    super(tableName, unprocessedCount, attempts, "item(s) of a batch write to", options);
  }
}

/** DynamoDB kept returning unprocessed keys of a batch read after every retry. */
export class LedgerReadError extends LedgerBatchError {
  override readonly name = "LedgerReadError";

  constructor(tableName: string, unprocessedCount: number, attempts: number, options?: { cause?: unknown }) {
    super(tableName, unprocessedCount, attempts, "key(s) of a batch read from", options);
  }
}

/** An adapter was built without a client one of its calls needs (a function that bundles only some). */
export class ClientNotGivenError extends Error {
  override readonly name = "ClientNotGivenError";

  constructor(
    readonly client: string,
    readonly operation: string,
  ) {
    super(`${operation} needs the ${client} client, which this function was not given (runtime/adapters.ts)`);
  }
}
