import { describe, expect, it } from "vitest";
import type { Scope } from "../../src/core/types.js";
import { QueryCache } from "../../src/engine/cache.js";

const scope: Scope = {
  provider: "aws",
  kind: "account",
  unit: "111122223333",
  region: "us-east-1",
  key: "aws:account:111122223333:us-east-1",
};

describe("QueryCache single-flight", () => {
  it("asks once for concurrent requests of the same query and scope", async () => {
    const cache = new QueryCache();
    let calls = 0;
    const compute = async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 10));
      return [{ a: 1 }];
    };
    const results = await Promise.all(Array.from({ length: 25 }, () => cache.get("q", scope, {}, compute)));
    expect(calls).toBe(1);
    expect(results.every((r) => r === results[0])).toBe(true);
    expect(cache.stats()).toEqual({ misses: 1, hits: 24 });
  });

  it("keys on params and scope", async () => {
    const cache = new QueryCache();
    let calls = 0;
    const compute = async () => [{ n: ++calls }];
    await cache.get("q", scope, { a: 1, b: 2 }, compute);
    await cache.get("q", scope, { b: 2, a: 1 }, compute);
    await cache.get("q", { ...scope, key: "other" }, { a: 1, b: 2 }, compute);
    expect(calls).toBe(2);
  });

  it("caches failures so dependants see the same error without calling again", async () => {
    const cache = new QueryCache();
    let calls = 0;
    const compute = async () => {
      calls++;
      throw new Error("AccessDenied");
    };
    await expect(cache.get("q", scope, {}, compute)).rejects.toThrow("AccessDenied");
    await expect(cache.get("q", scope, {}, compute)).rejects.toThrow("AccessDenied");
    expect(calls).toBe(1);
  });
});
