/**
 * The retry strategy of every AWS client of a run.
 *
 * - Throttling is retried with exponential backoff (full jitter) up to `--max-attempts`: throttling says
 *   "slow down", and an organization-wide run must ride it out. (The rate itself is bounded by the run's
 *   concurrency limits, --api-concurrency and friends, rather than by a client-side token bucket.)
 * - Other retryable errors (HTTP 5xx, timeouts, connection resets) are retried up to the SDK's standard
 *   3 attempts, never more: a broken endpoint answering 500 is not going to heal within a run, and eight
 *   tries of every such call made a faulty run take ten times as long.
 * - Client errors (4xx other than throttling) are not retried.
 */
import type { RetryErrorInfo, RetryStrategyV2, RetryToken, StandardRetryToken } from "@smithy/types";

/** The SDK standard mode's attempts for errors other than throttling. */
export const OTHER_ERROR_MAX_ATTEMPTS = 3;

export interface RunRetryOptions {
  /** Attempts per call while throttled (first try included). */
  maxAttempts: number;
  adaptive: boolean;
  /** Backoff base for errors other than throttling (ms; SDK default 100). */
  baseDelayMs?: number;
  /** Backoff base for throttling (ms; SDK default 500). */
  throttlingDelayMs?: number;
  /** Cap on one backoff (ms; SDK default 20 s). */
  maxDelayMs?: number;
}

class Token implements StandardRetryToken {
  getRetryCost(): number | undefined {
    return undefined;
  }
  constructor(
    private readonly retries: number,
    private readonly delay: number,
    /** Attempts so far that failed with something other than throttling. */
    readonly otherFailures: number,
  ) {}
  getRetryCount(): number {
    return this.retries;
  }
  getRetryDelay(): number {
    return this.delay;
  }
  getRetryTokenCount(): number {
    return 0;
  }
}

export class RunRetryStrategy implements RetryStrategyV2 {
  readonly mode: string;

  constructor(private readonly o: RunRetryOptions) {
    this.mode = o.adaptive ? "adaptive" : "standard";
  }

  async acquireInitialRetryToken(_scope: string): Promise<RetryToken> {
    return new Token(0, 0, 0);
  }

  async refreshRetryTokenForRetry(tokenToRenew: RetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken> {
    const token = tokenToRenew as Token;
    const attempts = token.getRetryCount() + 1;
    const throttled = errorInfo.errorType === "THROTTLING";
    const other = token.otherFailures + (throttled ? 0 : 1);
    const retryable =
      throttled || errorInfo.errorType === "TRANSIENT" || errorInfo.errorType === "SERVER_ERROR";
    if (!retryable || attempts >= this.o.maxAttempts || other >= OTHER_ERROR_MAX_ATTEMPTS)
      throw new Error("No retry token available");
    const base = throttled ? (this.o.throttlingDelayMs ?? 500) : (this.o.baseDelayMs ?? 100);
    const cap = this.o.maxDelayMs ?? 20_000;
    let delay = Math.floor(Math.random() * Math.min(cap, base * 2 ** token.getRetryCount()));
    const hint = errorInfo.retryAfterHint;
    if (hint instanceof Date) delay = Math.max(delay, Math.min(hint.getTime() - Date.now(), cap));
    return new Token(attempts, delay, other);
  }

  recordSuccess(_token: RetryToken): void {}
}
