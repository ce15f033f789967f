/**
 * The per-run query cache with single-flight: however many controls need a query for a scope (and params),
 * the cloud is asked once, and concurrent askers share the same in-flight promise. Failures are cached too:
 * every control that depends on a failed call sees the same error instead of calling again.
 *
 * An entry can be released once nothing in the run can ask it again (the engine decides: see
 * release-plan.ts), so a large population is not held for the whole run. Released keys are remembered:
 * asking one again would mean a second call to the cloud for the same answer, which the run promises never
 * to make, so it is refused with an internal error (the control is `error`) instead of fetched again.
 */
import type { Scope } from "../core/types.js";
import { canonicalJson } from "../util/canonical-json.js";

export interface CacheStats {
  /** Distinct (query, scope, params) computed. */
  misses: number;
  /** Requests served from a finished or in-flight computation. */
  hits: number;
}

/** A request for an entry the run had already released: a bug in the release plan, never a re-fetch. */
export class ReleasedEntryError extends Error {
  constructor(key: string) {
    super(
      `internal error: ${key} was asked after its cached result was released (it is never fetched twice)`,
    );
    this.name = "ReleasedEntryError";
  }
}

/** A request for an entry the run streamed to its one reader: there are no rows to share. */
export class StreamedEntryError extends Error {
  constructor(key: string) {
    super(
      `internal error: ${key} was asked after it was streamed to its one reader (it is never fetched twice)`,
    );
    this.name = "StreamedEntryError";
  }
}

export function cacheKey(queryId: string, scope: Scope, params: Record<string, unknown>): string {
  return `${queryId}|${scope.key}|${canonicalJson(params)}`;
}

export class QueryCache {
  private readonly entries = new Map<string, Promise<unknown>>();
  private readonly released = new Set<string>();
  /** Entries delivered batch by batch to their one reader (release-plan.ts `streamable`): never held. */
  private readonly streamed = new Set<string>();
  private readonly counters: CacheStats = { misses: 0, hits: 0 };

  get<T>(
    queryId: string,
    scope: Scope,
    params: Record<string, unknown>,
    compute: () => Promise<T>,
  ): Promise<T> {
    return this.getKeyed(cacheKey(queryId, scope, params), compute);
  }

  /** `get` with the key already computed (cacheKey). */
  getKeyed<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const existing = this.entries.get(key);
    if (existing) {
      this.counters.hits++;
      return existing as Promise<T>;
    }
    if (this.released.has(key)) return Promise.reject(new ReleasedEntryError(key));
    if (this.streamed.has(key)) return Promise.reject(new StreamedEntryError(key));
    this.counters.misses++;
    const promise = compute();
    this.entries.set(key, promise);
    return promise;
  }

  /**
   * Takes `key` for a streamed computation (one miss, like `get`): from now on every request for it is
   * refused (StreamedEntryError), since its rows go to one reader and are never held. False when the key
   * was already asked (in flight, held, released or streamed): then it must be read through `get`.
   */
  claimStream(key: string): boolean {
    if (this.entries.has(key) || this.released.has(key) || this.streamed.has(key)) return false;
    this.counters.misses++;
    this.streamed.add(key);
    return true;
  }

  /** True once `key` was asked in any way (in flight, held, released or streamed). */
  known(key: string): boolean {
    return this.entries.has(key) || this.released.has(key) || this.streamed.has(key);
  }

  /** True while the entry is in flight or held (not before its first request, not after its release). */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Drops a settled entry nothing will ask again; its key stays known, so it is never computed twice. */
  release(key: string): void {
    if (this.entries.delete(key)) this.released.add(key);
  }

  /** Entries held now (in flight or settled, not released). */
  get size(): number {
    return this.entries.size;
  }

  /** Entries released so far. */
  get releasedCount(): number {
    return this.released.size;
  }

  stats(): CacheStats {
    return { ...this.counters };
  }
}
