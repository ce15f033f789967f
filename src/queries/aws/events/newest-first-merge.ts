/**
 * Several newest-first event listings (LookupEvents pages: "the most recent event is listed first", as the
 * API documents) merged into one population in time order — ascending time, ties by event id,
 * deduplicated by event id — delivered block by block while the listings are still being read, so a page's
 * rows can be evaluated and dropped instead of held until the last page (issue 11).
 *
 * Each listing's oldest time so far is a bound: nothing it delivers later is newer. Rows newer than every
 * unfinished listing's bound (the watermark) are final — no row still to come sorts after them, nor shares
 * their time — so they go out as one block, sorted; rows at or below the watermark wait for the next pages
 * (a tie at a page boundary is sorted with its partners). Blocks therefore come newest first, each sorted
 * ascending: the population is the blocks in reverse order, exactly the order the materialised query sorts
 * its rows into (cloudtrail-events.ts `events.fetch`).
 *
 * Assumptions, checked or documented: a page newer than an earlier page of its listing breaks the order the
 * API documents and fails the listing (fail closed: a block may already be out); an event id names one
 * event, so its copies share one time (a copy from a later listing wins, as in `fetch`).
 */
import type { Row } from "../../../core/types.js";

interface Held {
  row: Row;
  time: number;
  /** The listing it came from: a copy from a later listing replaces it (fetch's Map order). */
  listing: number;
}

export class NewestFirstMerge {
  /** Per listing: the oldest time delivered so far (+∞ before its first row, −∞ once it is done). */
  private readonly bounds: number[];
  private readonly held = new Map<string, Held>();
  private watermark = Number.POSITIVE_INFINITY;
  private stopped = false;

  constructor(
    listings: number,
    /** A block of final rows, sorted ascending; blocks come newest first. */
    private readonly emit: (rows: Row[]) => void,
    /** Names the listings in an order error. */
    private readonly describe: (listing: number) => string,
  ) {
    this.bounds = Array.from({ length: listings }, () => Number.POSITIVE_INFINITY);
  }

  /** The rows of one page of `listing`, in the API's order. */
  page(listing: number, rows: readonly Row[]): void {
    if (this.stopped) return;
    const bound = this.bounds[listing]!;
    let oldest = bound;
    for (const row of rows) {
      const time = (row.time as Date).getTime();
      if (time > bound)
        throw new Error(
          `${this.describe(listing)}: a page has an event (${String(row.event_id)} at ${new Date(time).toISOString()}) newer than an earlier page's oldest (${new Date(bound).toISOString()}); LookupEvents lists the most recent first, so the listing cannot be taken as complete`,
        );
      if (time < oldest) oldest = time;
      const id = String(row.event_id);
      const seen = this.held.get(id);
      if (!seen || seen.listing <= listing) this.held.set(id, { row, time, listing });
    }
    this.bounds[listing] = oldest;
    this.flush();
  }

  /** `listing` has delivered its last page. */
  done(listing: number): void {
    if (this.stopped) return;
    this.bounds[listing] = Number.NEGATIVE_INFINITY;
    this.flush();
  }

  /** A listing failed: nothing more is delivered (the population is not complete). */
  stop(): void {
    this.stopped = true;
    this.held.clear();
  }

  private flush(): void {
    const watermark = Math.max(...this.bounds);
    if (watermark >= this.watermark) return;
    this.watermark = watermark;
    const out: Held[] = [];
    for (const [id, h] of this.held) {
      if (h.time > watermark) {
        out.push(h);
        this.held.delete(id);
      }
    }
    if (out.length === 0) return;
    out.sort((a, b) => a.time - b.time || String(a.row.event_id).localeCompare(String(b.row.event_id)));
    this.emit(out.map((h) => h.row));
  }
}
