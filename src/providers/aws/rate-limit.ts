/**
 * Request-rate limits AWS documents per account and region for an API, respected by spacing the requests
 * instead of provoking throttling and retrying: a throttled page costs a retry delay and, past the retries,
 * the whole population (fail closed). CloudTrail LookupEvents: "2 requests per second per account per
 * region"; exceeding it yields ThrottlingException.
 *
 * The limiter spaces attempts (retries included: each attempt counts against AWS's quota) at 1/rate seconds
 * in FIFO order. It is applied in live runs; replay applies it only when asked (the benchmark), because a
 * replay sends nothing to AWS.
 */

/** Requests per second per account and region, keyed by `Service:Operation`. */
export const DOCUMENTED_RATE_LIMITS: Readonly<Record<string, number>> = {
  "CloudTrail:LookupEvents": 2,
};

export class RateLimiter {
  private next = 0;
  private readonly interval: number;

  constructor(
    perSecond: number,
    private readonly clock: () => number = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    if (!(perSecond > 0)) throw new RangeError(`rate must be positive, got ${perSecond}`);
    this.interval = 1000 / perSecond;
  }

  /** Resolves when the caller may send one request. Slots are handed out in call order. */
  async acquire(): Promise<void> {
    const now = this.clock();
    const slot = Math.max(now, this.next);
    this.next = slot + this.interval;
    if (slot > now) await this.sleep(slot - now);
  }
}

/** One limiter per region and operation, for one account's session. */
export class RateLimits {
  private readonly limiters = new Map<string, RateLimiter>();
  constructor(private readonly limits: Readonly<Record<string, number>>) {}

  /** Waits for a slot if `Service:Operation` has a limit in this region; returns at once otherwise. */
  acquire(region: string, service: string, operation: string): Promise<void> | undefined {
    const op = `${service}:${operation}`;
    const rate = this.limits[op];
    if (rate === undefined) return undefined;
    const key = `${region}|${op}`;
    let limiter = this.limiters.get(key);
    if (!limiter) {
      limiter = new RateLimiter(rate);
      this.limiters.set(key, limiter);
    }
    return limiter.acquire();
  }
}
