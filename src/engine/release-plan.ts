/**
 * When a cached query result can be dropped: once nothing in the run can read it again.
 *
 * Two kinds of reader exist. A control reads its own query's result at each of its scopes: those reads are
 * all known once every control has resolved its scopes (`planned()`), and each is done when the control has
 * evaluated that scope (`consumed`). A query reads another through ctx.query / ctx.queryResult / linked
 * while its own fetch runs; which dependencies a fetch asks (and at which unit: some ask other accounts) is
 * only known as it runs, so a result of query Q stays while any fetch of a query that may ask Q — directly
 * or through others, by their declared `uses` and `links` — is still to come or still running. That is
 * coarse for shared dependencies (an account's authorization details stay until the last query that may ask
 * them is done) and exact for a control's own query, which is most of the memory.
 *
 * Sound by construction: a released key is never asked again, and if it were the cache refuses it
 * (ReleasedEntryError) rather than calling the cloud twice.
 *
 * The same knowledge says when a result need not be held at all (`streamable`): once every control has
 * planned, a key one control reads, that no query may ask, can be delivered to that control batch by batch
 * (QueryDef.stream); and a dependency it asks (declared by `asksFor`) can be streamed into it too when no
 * other planned read asks that dependency and no other query that may ask it is still to run.
 */
import type { QueryCache } from "./cache.js";

interface QueryLinks {
  id: string;
  uses?: string[];
  links?: string[];
}

export class ReleasePlan {
  /** Planned control reads not yet done, by cache key. */
  private readonly demand = new Map<string, number>();
  /** Planned control reads not yet done, by query id. */
  private readonly demandByQuery = new Map<string, number>();
  /** Fetches running (top-level or dependency), by query id. */
  private readonly live = new Map<string, number>();
  /** Settled entries whose own reads are done, waiting only for the queries that may ask them. */
  private readonly waiting = new Map<string, Set<string>>();
  /** Query id → the queries whose fetches may ask it (transitively). */
  private readonly askers = new Map<string, Set<string>>();
  /** Query id → the queries its fetch may ask (transitively). */
  private readonly asks = new Map<string, Set<string>>();
  private readonly queryOfKey = new Map<string, string>();
  private readonly settled = new Set<string>();
  /** Planned control reads (whole run, never decremented) that will ask this dependency key (asksFor). */
  private readonly derived = new Map<string, number>();
  /** Queries with a planned read whose dependencies cannot be named: none of their dependencies streams. */
  private readonly opaque = new Set<string>();
  private isPlanned = false;
  private resolvePlanned!: () => void;
  /** Resolves once every control has planned its reads. */
  readonly whenPlanned = new Promise<void>((resolve) => {
    this.resolvePlanned = resolve;
  });

  constructor(
    private readonly cache: QueryCache,
    queries: Iterable<QueryLinks>,
  ) {
    const direct = new Map<string, string[]>();
    for (const q of queries) direct.set(q.id, [...(q.uses ?? []), ...(q.links ?? [])]);
    for (const id of direct.keys()) {
      const reach = new Set<string>();
      const stack = [...(direct.get(id) ?? [])];
      while (stack.length > 0) {
        const next = stack.pop()!;
        if (reach.has(next)) continue;
        reach.add(next);
        stack.push(...(direct.get(next) ?? []));
      }
      this.asks.set(id, reach);
      for (const dep of reach) {
        const set = this.askers.get(dep) ?? new Set<string>();
        set.add(id);
        this.askers.set(dep, set);
      }
    }
  }

  /**
   * A control will read `key` (a result of `queryId`). Only before planned(). `dependencyKeys`: what its
   * fetch will ask (QueryDef.asksFor, as cache keys), undefined when that cannot be named.
   */
  expect(key: string, queryId: string, dependencyKeys?: readonly string[]): void {
    if (this.isPlanned) throw new Error("internal: a control read planned after planning ended");
    this.queryOfKey.set(key, queryId);
    this.demand.set(key, (this.demand.get(key) ?? 0) + 1);
    bump(this.demandByQuery, queryId, 1);
    if (!dependencyKeys) this.opaque.add(queryId);
    for (const dep of dependencyKeys ?? []) this.derived.set(dep, (this.derived.get(dep) ?? 0) + 1);
  }

  /** Every control has planned its reads: from now on, what is no longer needed can go. */
  planned(): void {
    this.isPlanned = true;
    this.resolvePlanned();
    for (const key of this.settled) this.consider(key);
  }

  /**
   * May `key` (of `queryId`) be streamed to the one control read planned for it? Only after planning, and
   * only when nothing else in the run can ask it: it is one control's read, and no query may ask `queryId`.
   * Any doubt: no (the result is then fetched and held as always).
   */
  streamable(key: string, queryId: string): boolean {
    if (!this.isPlanned || this.demand.get(key) !== 1 || this.cache.known(key)) return false;
    for (const asker of this.askers.get(queryId) ?? []) if (this.busy(asker)) return false;
    return true;
  }

  /**
   * Of the dependencies `deps` a streamed read of `queryId` asks (its asksFor), those that may be streamed
   * into it: asked by no control, by no other planned read, and by no other query still to run. The others
   * are read through the cache as always (shared, held until released).
   */
  streamableDependencies(queryId: string, deps: readonly { key: string; queryId: string }[]): string[] {
    if (!this.isPlanned || this.opaque.has(queryId)) return [];
    return deps
      .filter(
        (dep) =>
          !this.cache.known(dep.key) &&
          !this.demand.has(dep.key) &&
          this.derived.get(dep.key) === 1 &&
          // `queryId`'s own fetches are planned reads (nothing asks it), their dependencies counted above.
          [...(this.askers.get(dep.queryId) ?? [])].every((a) => a === queryId || !this.busy(a)),
      )
      .map((dep) => dep.key);
  }

  /** A control has evaluated its read of `key`. */
  consumed(key: string): void {
    const queryId = this.queryOfKey.get(key)!;
    const left = (this.demand.get(key) ?? 0) - 1;
    if (left > 0) this.demand.set(key, left);
    else this.demand.delete(key);
    const byQuery = bump(this.demandByQuery, queryId, -1);
    this.consider(key);
    if (byQuery === 0) this.askerDone(queryId);
  }

  /** A fetch of `queryId` (for `key`) starts. */
  fetchStarted(key: string, queryId: string): void {
    this.queryOfKey.set(key, queryId);
    bump(this.live, queryId, 1);
  }

  /** That fetch has settled (answered or failed): its entry is complete. */
  fetchSettled(key: string, queryId: string): void {
    this.settled.add(key);
    const left = bump(this.live, queryId, -1);
    this.consider(key);
    if (left === 0) this.askerDone(queryId);
  }

  /** The queries of `queryId` that may be asked later have one asker fewer to wait for. */
  private askerDone(queryId: string): void {
    if (!this.isPlanned || this.busy(queryId)) return;
    for (const dep of this.asks.get(queryId) ?? []) {
      const keys = this.waiting.get(dep);
      if (!keys) continue;
      for (const key of [...keys]) this.consider(key);
    }
  }

  private busy(queryId: string): boolean {
    return (this.demandByQuery.get(queryId) ?? 0) > 0 || (this.live.get(queryId) ?? 0) > 0;
  }

  private consider(key: string): void {
    if (!this.isPlanned || !this.settled.has(key) || this.demand.has(key)) return;
    const queryId = this.queryOfKey.get(key)!;
    for (const asker of this.askers.get(queryId) ?? []) {
      if (this.busy(asker)) {
        const set = this.waiting.get(queryId) ?? new Set<string>();
        set.add(key);
        this.waiting.set(queryId, set);
        return;
      }
    }
    this.waiting.get(queryId)?.delete(key);
    this.settled.delete(key);
    this.queryOfKey.delete(key);
    this.cache.release(key);
  }
}

function bump(map: Map<string, number>, key: string, by: number): number {
  const n = (map.get(key) ?? 0) + by;
  if (n === 0) map.delete(key);
  else map.set(key, n);
  return n;
}
