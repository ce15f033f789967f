/**
 * The audit period (`run --period FROM..TO`): the window an operating-effectiveness control tests — every
 * change, sign-in or pipeline execution in it. Configuration controls ignore it.
 *
 * The contract (docs/architecture.md, "The audit period"):
 * - A period is two UTC instants, both inclusive: `start` ≤ event time ≤ `end`.
 * - Accepted forms: `FROM..TO` with ISO dates (`2026-07-01..2026-09-30`: from 00:00:00.000Z on the first day
 *   to 23:59:59.999Z on the last) or ISO datetimes (`2026-07-01T08:00Z..2026-07-02T08:00Z`; no zone = UTC);
 *   `FROM..` (until the run's time); `last-Nd`, `last-Nh`, `last-Nw` (ending at the run's time); `YYYY-Qn` and
 *   `YYYY-MM` (a calendar quarter or month).
 * - Relative forms resolve against the run's evaluation time, so replaying a bundle recomputes nothing: the
 *   resolved instants are recorded in run.json and a replay reuses them.
 * - A period may not end after the evaluation time (events after it do not exist yet) and must not be empty.
 */

export interface Period {
  start: Date;
  end: Date;
}

/** How a period is recorded (run.json `period`, results document): instants as ISO strings. */
export interface PeriodRecord {
  start: string;
  end: string;
  /** What the user wrote (`2026-07-01..2026-09-30`, `last-90d`), or the default's spelling. */
  spec: string;
  /** `option`: --period; `default`: none given (the last 90 days); `recording`: reused from a replayed run. */
  source: "option" | "default" | "recording";
}

/** The parsed, not yet resolved, form of a `--period` value. */
export type PeriodSpec =
  | { kind: "absolute"; text: string; start: Date; end: Date | null }
  | { kind: "relative"; text: string; ms: number };

export const DEFAULT_PERIOD = "last-90d";

export class PeriodError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PeriodError";
  }
}

const DAY = 86_400_000;
const UNIT_MS: Record<string, number> = { h: 3_600_000, d: DAY, w: 7 * DAY };
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?$/;
const FORMS =
  "expected FROM..TO with ISO dates or datetimes in UTC (e.g. 2026-07-01..2026-09-30), FROM.. (until now), last-90d / last-24h / last-12w, 2026-Q3 or 2026-07";

/** Parses the syntax of a period; throws PeriodError naming the accepted forms. */
export function parsePeriod(input: string): PeriodSpec {
  const text = input.trim();
  const relative = /^last-(\d+)([hdw])$/.exec(text);
  if (relative) {
    const n = Number(relative[1]);
    if (n < 1) throw new PeriodError(`"${text}": the length must be at least 1`);
    return { kind: "relative", text, ms: n * UNIT_MS[relative[2]!]! };
  }
  const quarter = /^(\d{4})-Q([1-4])$/i.exec(text);
  if (quarter) {
    const y = Number(quarter[1]);
    const q = Number(quarter[2]);
    return { kind: "absolute", text, start: utc(y, (q - 1) * 3, 1), end: endOfMonth(y, q * 3 - 1) };
  }
  const month = /^(\d{4})-(\d{2})$/.exec(text);
  if (month) {
    const y = Number(month[1]);
    const m = Number(month[2]) - 1;
    if (m < 0 || m > 11) throw new PeriodError(`"${text}": ${month[2]} is not a month`);
    return { kind: "absolute", text, start: utc(y, m, 1), end: endOfMonth(y, m) };
  }
  const parts = text.split("..");
  if (parts.length !== 2 || parts[0] === "") throw new PeriodError(`"${text}": ${FORMS}`);
  const start = instant(parts[0]!, "start", text);
  const end = parts[1] === "" ? null : instant(parts[1]!, "end", text);
  if (end && end.getTime() < start.getTime())
    throw new PeriodError(`"${text}": the period ends before it starts`);
  return { kind: "absolute", text, start, end };
}

/**
 * Resolves a period against the evaluation time. Without a spec: the last 90 days. Throws PeriodError if the
 * period ends after `now` (the population would be incomplete) or starts after it.
 */
export function resolvePeriod(spec: PeriodSpec | undefined, now: Date): Period {
  const s = spec ?? parsePeriod(DEFAULT_PERIOD);
  if (s.kind === "relative") return { start: new Date(now.getTime() - s.ms), end: new Date(now.getTime()) };
  const end = s.end ?? new Date(now.getTime());
  if (s.start.getTime() > now.getTime())
    throw new PeriodError(`"${s.text}": the period starts after the evaluation time ${now.toISOString()}`);
  if (end.getTime() > now.getTime())
    throw new PeriodError(
      `"${s.text}": the period ends at ${end.toISOString()}, after the evaluation time ${now.toISOString()}; ` +
        "events after it do not exist yet, so the population would be incomplete (use FROM.. for 'until now')",
    );
  return { start: s.start, end };
}

export function periodRecord(period: Period, spec: string, source: PeriodRecord["source"]): PeriodRecord {
  return { start: period.start.toISOString(), end: period.end.toISOString(), spec, source };
}

/** Reads a recorded period back (run.json of a bundle); undefined if absent or malformed. */
export function periodFromRecord(value: unknown): Period | undefined {
  if (!value || typeof value !== "object") return undefined;
  const { start, end } = value as { start?: unknown; end?: unknown };
  if (typeof start !== "string" || typeof end !== "string") return undefined;
  const p = { start: new Date(start), end: new Date(end) };
  if (Number.isNaN(p.start.getTime()) || Number.isNaN(p.end.getTime())) return undefined;
  return p;
}

/** One line for consoles and reports: `2026-07-01T00:00:00.000Z .. 2026-09-30T23:59:59.999Z (2026-Q3)`. */
export function describePeriod(r: PeriodRecord): string {
  const days = (Date.parse(r.end) - Date.parse(r.start)) / DAY;
  const origin =
    r.source === "default"
      ? "default: the last 90 days; set --period to choose"
      : r.source === "recording"
        ? `as recorded: ${r.spec}`
        : r.spec;
  return `${r.start} .. ${r.end} (${days.toFixed(days < 10 ? 2 : 0)} days; ${origin})`;
}

function instant(value: string, which: "start" | "end", text: string): Date {
  const v = value.trim();
  const date = DATE.exec(v);
  if (date) {
    const d = utc(Number(date[1]), Number(date[2]) - 1, Number(date[3]));
    if (d.getUTCDate() !== Number(date[3]) || d.getUTCMonth() !== Number(date[2]) - 1)
      throw new PeriodError(`"${text}": ${v} is not a calendar date`);
    // A date as the end means the whole of that day.
    return which === "end" ? new Date(d.getTime() + DAY - 1) : d;
  }
  if (DATETIME.test(v)) {
    const zoned = /(Z|[+-]\d{2}:\d{2})$/.test(v) ? v : `${v}Z`;
    const d = new Date(zoned);
    if (!Number.isNaN(d.getTime())) return d;
  }
  throw new PeriodError(`"${text}": "${v}" is not an ISO date or datetime; ${FORMS}`);
}

function utc(y: number, m: number, d: number): Date {
  return new Date(Date.UTC(y, m, d));
}

function endOfMonth(y: number, m: number): Date {
  return new Date(Date.UTC(y, m + 1, 1) - 1);
}
