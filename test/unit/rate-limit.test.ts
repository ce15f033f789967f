/** The documented-rate limiter: requests are spaced 1/rate apart, in call order, per account-region-operation. */
import { describe, expect, it } from "vitest";
import { RateLimiter, RateLimits } from "../../src/providers/aws/rate-limit.js";

describe("RateLimiter", () => {
  it("spaces slots 1/rate apart in FIFO order, without waiting for the first", async () => {
    let now = 1000;
    const waits: number[] = [];
    const limiter = new RateLimiter(
      2,
      () => now,
      async (ms) => {
        waits.push(ms);
      },
    );
    await Promise.all([limiter.acquire(), limiter.acquire(), limiter.acquire(), limiter.acquire()]);
    expect(waits).toEqual([500, 1000, 1500]);
    now = 10_000; // long idle: the next request goes at once
    await limiter.acquire();
    expect(waits).toHaveLength(3);
  });
  it("limits per region and operation; operations without a documented rate are not limited", () => {
    const limits = new RateLimits({ "CloudTrail:LookupEvents": 2 });
    expect(limits.acquire("us-east-1", "IAM", "ListUsers")).toBeUndefined();
    expect(limits.acquire("us-east-1", "CloudTrail", "LookupEvents")).toBeInstanceOf(Promise);
  });
  it("refuses a non-positive rate", () => {
    expect(() => new RateLimiter(0)).toThrow(RangeError);
  });
});
