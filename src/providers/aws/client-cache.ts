/**
 * Which SDK clients a run keeps (docs/performance.md, "Per-account memory (round 5)").
 *
 * A client costs ≈ 19 KB with its config and middleware stack, and an organization run creates ≈ 160 per
 * account (service × region). Held by their sessions for the whole run they grew memory by ≈ 3 MB per
 * account, long after the account's work was done. Now the run keeps only its most recently used clients
 * (`RECENT_CLIENTS`, run-wide, least recently used let go first): the queries of the accounts being worked
 * on (the engine admits fetches account by account) reuse their clients, and a finished account's clients
 * age out and are collected once no query holds them.
 *
 * A client asked for after it was let go is built again, with the same configuration and middleware
 * (read-only guard, recorder, retry, limits): a client holds no state a call depends on — the limits and
 * rates live in the session, the connection pool is the run's. A query still holding a client that was let
 * go finishes with it; the session's next request gets a new one.
 *
 * Not `WeakRef`: V8 keeps every object a `WeakRef` was created for or dereferenced in until the microtask
 * queue drains, and a replayed run at 0 ms latency is one long chain of microtasks, so nothing was ever
 * released (measured: 4,521 clients alive mid-run held only by that list).
 */

/** Clients kept, run-wide: a few accounts' worth (≈ 160 each), ≈ 10 MB. */
export const RECENT_CLIENTS = 512;

/** The run's most recently used clients; the least recently used one beyond the capacity is let go. */
export class RecentClients {
  /** Client → how to forget it (remove it from its session). Iterates oldest first (insertion order). */
  private readonly recent = new Map<object, () => void>();

  constructor(private readonly capacity = RECENT_CLIENTS) {}

  /** Marks `client` as just used. `forget` removes it from its session when it is let go. */
  touch(client: object, forget: () => void): void {
    this.recent.delete(client);
    this.recent.set(client, forget);
    if (this.recent.size > this.capacity) {
      const [oldest, forgetOldest] = this.recent.entries().next().value as [object, () => void];
      this.recent.delete(oldest);
      forgetOldest();
    }
  }

  get size(): number {
    return this.recent.size;
  }
}
