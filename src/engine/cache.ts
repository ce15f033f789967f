/**
 * The per-run query cache with single-flight: however many controls need a query for a scope (and params),
 * the cloud is asked once, and concurrent askers share the same in-flight promise. Failures are cached too:
 * every control that depends on a failed call sees the same error instead of calling again.
 */
import type { Scope } from "../core/types.js";
import { canonicalJson } from "../util/canonical-json.js";

export interface CacheStats {
  /** Distinct (query, scope, params) computed. */
  misses: number;
  /** Requests served from a finished or in-flight computation. */
  hits: number;
}

export class QueryCache {
  private readonly entries = new Map<string, Promise<unknown>>();
  private readonly counters: CacheStats = { misses: 0, hits: 0 };

  get<T>(
    queryId: string,
    scope: Scope,
    params: Record<string, unknown>,
    compute: () => Promise<T>,
  ): Promise<T> {
    const key = `${queryId}|${scope.key}|${canonicalJson(params)}`;
    const existing = this.entries.get(key);
    if (existing) {
      this.counters.hits++;
      return existing as Promise<T>;
    }
    this.counters.misses++;
    const promise = compute();
    this.entries.set(key, promise);
    return promise;
  }

  stats(): CacheStats {
    return { ...this.counters };
  }
}
