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
  private isPlanned = false;

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

  /** A control will read `key` (a result of `queryId`). Only before planned(). */
  expect(key: string, queryId: string): void {
    if (this.isPlanned) throw new Error("internal: a control read planned after planning ended");
    this.queryOfKey.set(key, queryId);
    this.demand.set(key, (this.demand.get(key) ?? 0) + 1);
    bump(this.demandByQuery, queryId, 1);
  }

  /** Every control has planned its reads: from now on, what is no longer needed can go. */
  planned(): void {
    this.isPlanned = true;
    for (const key of this.settled) this.consider(key);
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
