import type { RetryErrorInfo, RetryStrategyV2, StandardRetryToken } from "@smithy/types";

/** Attempts per call in simulation, the first included (the adapters' own default in AWS is 5). */
export const SIMULATED_MAX_ATTEMPTS = 5;

function token(count: number): StandardRetryToken {
  return {
    getRetryCount: () => count,
    getRetryDelay: () => 0,
    getRetryCost: () => undefined,
  };
}

/**
 * The SDK's retry loop with the standard decisions (throttling and transient errors are retried, up
 * to `maxAttempts`) but no backoff: simulated time must not sleep real seconds. No retry quota.
 */
export class ZeroDelayRetryStrategy implements RetryStrategyV2 {
  readonly mode = "standard";

  private readonly maxAttempts: () => Promise<number>;

  /** `maxAttempts`: a number or the client's own provider (so `attach` keeps a client's setting). */
  constructor(maxAttempts: number | (() => Promise<number>) = SIMULATED_MAX_ATTEMPTS) {
    this.maxAttempts = typeof maxAttempts === "number" ? async () => maxAttempts : maxAttempts;
  }

  async acquireInitialRetryToken(_scope: string): Promise<StandardRetryToken> {
    return token(0);
  }

  async refreshRetryTokenForRetry(
    previous: StandardRetryToken,
    errorInfo: RetryErrorInfo,
  ): Promise<StandardRetryToken> {
    const next = previous.getRetryCount() + 1;
    const retryable = errorInfo.errorType === "THROTTLING" || errorInfo.errorType === "TRANSIENT";
    if (!retryable || next >= (await this.maxAttempts())) throw new Error("No retry token available");
    return token(next);
  }

  recordSuccess(_token: StandardRetryToken): void {}
}
