/**
 * Bounds the top-level (query, scope) fetches of a run in flight, and admits them in a deterministic order.
 *
 * Why: every control asks every scope it covers at once. Without a bound, an organization run starts tens
 * of thousands of fetches in the first second, and each holds its SDK command, middleware stack, client and
 * partial pages while it waits for one of the provider's few call slots: that waiting state, not the
 * answers, was most of the heap (docs/performance.md, "Org scale"). With a bound a little above the
 * providers' own concurrency the call slots stay busy and the rest waits here as a small closure.
 *
 * Order: units (accounts, projects, organizations) in order, then arrival — within a unit, control by
 * control, each control's scopes in the order the runtime lists them (regions in order). So one account's
 * work finishes before far-away accounts start, and what an account's fetches share (its clients, its
 * cached dependencies) is needed for a short stretch of the run instead of all of it. Within a unit the
 * order is by control, not region by region: one control's query is one service over the account's
 * regions, which keeps the SDK's process-wide SigV4 signing-key cache (50 entries of region × service)
 * warm; region by region, an account's ~15 services × 17 regions cycled through it and every call derived
 * its key again (measured: +1 s of HMAC, +15 % CPU in the org-50 run).
 *
 * Only top-level fetches (a control asking its own query) pass through here. A dependency a fetch asks
 * (ctx.query, ctx.queryResult, linked) starts at once: making it wait for a slot held by the fetch that
 * needs it would deadlock at a limit of 1.
 */

/** Where a fetch sits in the admission order: its unit (then its arrival). */
export interface AdmissionOrder {
  unit: string;
}

interface Waiting {
  unit: string;
  seq: number;
  start: () => Promise<unknown> | undefined;
}

/**
 * Top-level fetches in flight per provider, unless the provider says (ProviderRuntime.fetchesInFlight: AWS
 * asks 2× its run-wide attempt limit — a fetch is often a few dependent calls, so twice the call slots keeps
 * them all busy) — while bounding the waiting state to a few hundred fetches instead of every fetch of the run.
 */
export const DEFAULT_FETCHES_IN_FLIGHT = 128;

export class FetchAdmission {
  private readonly heap: Waiting[] = [];
  private running = 0;
  private seq = 0;
  private pumpScheduled = false;

  constructor(readonly limit: number) {
    if (!(limit >= 1)) throw new Error(`fetches in flight must be at least 1 (got ${limit})`);
  }

  /**
   * Runs `start` when admitted. `start` says whether the fetch holds a slot: a request whose answer is
   * already in flight or cached when its turn comes (another control, or a dependency, started it) needs
   * none, so ten controls reading one account's report take one slot, not ten.
   */
  admit<T>(order: AdmissionOrder, start: () => { fetch: Promise<T>; holdsSlot: boolean }): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.push({
        unit: order.unit,
        seq: this.seq++,
        start: () => {
          let started: { fetch: Promise<T>; holdsSlot: boolean };
          try {
            started = start();
          } catch (e) {
            reject(e);
            return undefined;
          }
          started.fetch.then(resolve, reject);
          return started.holdsSlot ? started.fetch : undefined;
        },
      });
      // Requests arriving together (every control's scopes at the start of a run) are ordered before the
      // first is admitted: admission waits for the current burst of callbacks to end.
      if (!this.pumpScheduled) {
        this.pumpScheduled = true;
        setImmediate(() => {
          this.pumpScheduled = false;
          this.pump();
        });
      }
    });
  }

  /** Fetches admitted and not yet settled. */
  get inFlight(): number {
    return this.running;
  }

  /** Fetches waiting for a slot. */
  get waiting(): number {
    return this.heap.length;
  }

  private pump(): void {
    while (this.running < this.limit && this.heap.length > 0) {
      const next = this.pop()!;
      const p = next.start();
      if (!p) continue;
      this.running++;
      const done = () => {
        this.running--;
        this.pump();
      };
      p.then(done, done);
    }
  }

  private static before(a: Waiting, b: Waiting): boolean {
    if (a.unit !== b.unit) return a.unit < b.unit;
    return a.seq < b.seq;
  }

  private push(w: Waiting): void {
    const h = this.heap;
    h.push(w);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!FetchAdmission.before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): Waiting | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && FetchAdmission.before(h[l]!, h[m]!)) m = l;
        if (r < h.length && FetchAdmission.before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
