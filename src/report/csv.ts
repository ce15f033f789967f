/**
 * CSV exports: every exception of a run, a control's population, and the per-control summary. Every row
 * carries the run id and evaluation time, so a row pasted into a workpaper still says where it came from.
 * Cells that a spreadsheet would read as a formula (=, +, -, @, tab, CR) are quoted and prefixed with `'`
 * (OWASP's CSV-injection advice): a resource name is data, never a formula.
 */
import type { ResultRecord } from "../evidence/model.js";

/** What every row of an export names besides the finding itself. */
export interface CsvContext {
  runId: string;
  evaluatedAt: string;
  /** Remediation text by control id (from the control definitions in the bundle). */
  remediation: Map<string, string>;
  /** Start with a UTF-8 byte-order mark, so Excel opens non-ASCII text correctly. */
  bom?: boolean;
}

/** "cis-aws-v5.0 1.9; soc2 CC6.1": every framework reference of a control in one cell. */
export function frameworkRefs(mappings: Record<string, string[]>): string {
  return Object.entries(mappings)
    .map(([framework, ids]) => `${framework} ${ids.join(", ")}`)
    .join("; ");
}

export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return "";
  return guarded(typeof v === "object" ? JSON.stringify(v) : String(v));
}

/** A number stays a number; anything else a spreadsheet could evaluate becomes text. */
function guarded(text: string): string {
  return /^[=+\-@\t\r]/.test(text) && !/^[+-]?\d+(\.\d+)?$/.test(text) ? `'${text}` : text;
}

/** A cell made text by `csvCell` that starts with its formula guard: always quoted. */
const GUARDED = /^'[=+\-@\t\r]/;
/** What makes a cell quoted: the delimiter, a quote, the record delimiter (a lone CR does not). */
const NEEDS_QUOTES = /[",\n]/;

/**
 * One record: exactly what csv-stringify (`record_delimiter: "\n"`, `quoted_match` the formula guard) makes
 * of these cells — a cell holding a comma, a quote or a "\n", or starting with the guard, is quoted,
 * with its quotes doubled; an empty cell stays empty; the record ends in "\n". Written here: the package's
 * per-field casting and option handling were ≈ 60 % of writing a demo's 123 population CSVs
 * (docs/performance.md, round 8); test/report/csv-records.test.ts compares the two on every kind of cell.
 */
export function csvRecord(cells: readonly string[]): string {
  let line = "";
  for (let i = 0; i < cells.length; i++) {
    const v = cells[i]!;
    if (i > 0) line += ",";
    line += quoted(v);
  }
  return `${line}\n`;
}

/**
 * `csvRecord(values.map(csvCell))` without the array of cells: a value that is a string needing no formula
 * guard and no quotes — most cells of a population — is its own field (test/report/csv-records.test.ts
 * compares the two on every kind of value).
 */
export function csvLine(values: readonly unknown[]): string {
  const fields = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) fields[i] = csvField(values[i]);
  return `${fields.join(",")}\n`;
}

/** The field `csvRecord` writes for `csvCell(v)`. */
function csvField(v: unknown): string {
  if (v === null || v === undefined) return "";
  const text: string | undefined =
    typeof v === "string" ? v : typeof v === "object" ? JSON.stringify(v) : String(v);
  if (typeof text === "string") {
    const c = text.charCodeAt(0);
    // Not a formula guard's character (= + - @ tab CR) nor the quote a guarded cell starts with (an empty
    // text has none): the cell is the text itself, quoted only if it holds a delimiter, a quote or a "\n".
    if (c !== 61 && c !== 43 && c !== 45 && c !== 64 && c !== 9 && c !== 13 && c !== 39)
      return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  }
  // (A toJSON that gives undefined: csvRecord wrote the cell as "undefined".)
  return `${quoted(guarded(text as string))}`;
}

/** A cell as csvRecord writes it. */
function quoted(v: string): string {
  if (v === "") return "";
  return NEEDS_QUOTES.test(v) || GUARDED.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

function csv(rows: unknown[][], bom = false): string {
  let text = "";
  for (const r of rows) text += csvLine(r);
  return bom ? `\uFEFF${text}` : text;
}

/** Records per piece of a streamed CSV (each record ends in "\n", so pieces join to the whole text). */
const ROWS_PER_PIECE = 32;

/** The CSV text of `rows` in pieces of ROWS_PER_PIECE records: joined, the text `csv` would give. */
function* csvPieces(rows: Iterable<unknown[]>, bom = false): Generator<string> {
  if (bom) yield "\uFEFF";
  let batch = "";
  let n = 0;
  for (const r of rows) {
    batch += csvLine(r);
    if (++n === ROWS_PER_PIECE) {
      yield batch;
      batch = "";
      n = 0;
    }
  }
  if (n > 0) yield batch;
}

/**
 * exceptions.csv: every failed, waived or unevaluated finding, and every scope that could not be evaluated.
 * A waived finding stays listed, with its waiver, so the workpaper shows what was accepted and by whom.
 */
export function exceptionsCsv(results: ResultRecord[], ctx: CsvContext): string {
  return [...exceptionsCsvPieces(results, ctx)].join("");
}

const EXCEPTION_HEADER = [
  "run_id",
  "evaluated_at",
  "control_id",
  "control_title",
  "domain",
  "severity",
  "status",
  "account",
  "region",
  "resource",
  "message",
  "waiver_ticket",
  "waiver_approved_by",
  "waiver_expires",
  "frameworks",
  "remediation",
];

/**
 * exceptions.csv in pieces (the bundle writer streams it). `findingsOf` gives a control's findings in their
 * JSON form (the bundle writer converts them one at a time); by default the record's own.
 */
export function* exceptionsCsvPieces(
  results: Iterable<ResultRecord>,
  ctx: CsvContext,
  findingsOf: (r: ResultRecord) => Iterable<ResultRecord["findings"][number]> = (r) => r.findings,
): Generator<string> {
  yield* csvPieces(exceptionRows(results, ctx, findingsOf), ctx.bom);
}

function* exceptionRows(
  results: Iterable<ResultRecord>,
  ctx: CsvContext,
  findingsOf: (r: ResultRecord) => Iterable<ResultRecord["findings"][number]>,
): Generator<unknown[]> {
  yield EXCEPTION_HEADER;
  for (const r of results) {
    const tail = (w?: { ticket: string; approved_by: string; expires: string }) => [
      w?.ticket,
      w?.approved_by,
      w?.expires,
      frameworkRefs(r.mappings),
      ctx.remediation.get(r.id),
    ];
    const head = [ctx.runId, ctx.evaluatedAt, r.id, r.title, r.domain, r.severity];
    const findingErrors = new Set<string | null>();
    for (const f of findingsOf(r)) {
      if (f.status === "error") findingErrors.add(f.message);
      if (f.status !== "fail" && f.status !== "error" && f.status !== "waived") continue;
      yield [...head, f.status, f.account, f.region, f.resource, f.message, ...tail(f.waiver)];
    }
    for (const e of r.errors) {
      if (findingErrors.has(e.message)) continue;
      yield [...head, "error", e.account, e.region, "", e.message, ...tail()];
    }
  }
}

/** A control's population: one row per item with its verdict and reason, then the item's own fields. */
export function populationCsv(r: ResultRecord): string {
  return [...populationCsvPieces(r.findings, r.items)].join("");
}

/**
 * A control's population CSV in pieces: the findings (in their JSON form) and the population rows, in the
 * order of the findings. The columns are every field any item has, sorted.
 */
export function* populationCsvPieces(
  findings: Iterable<ResultRecord["findings"][number]>,
  items: Iterable<Record<string, unknown>>,
  /** The form each item is read in (the bundle writer: its JSON copy's top level); by default as it is. */
  asRead: (item: Record<string, unknown>) => Record<string, unknown> = (i) => i,
  /** The keys `asRead(item)` has, without making it (for the column pass). */
  keysOf: (item: Record<string, unknown>) => Iterable<string> = Object.keys,
  /** The columns, when known without a pass over the items (a population read back from disk). */
  columns?: Iterable<string>,
): Generator<string> {
  const names = new Set<string>(columns);
  if (!columns) for (const i of items) if (i) for (const k of keysOf(i)) names.add(k);
  const fields = [...names].sort();
  yield* csvPieces(populationRows(findings, items, fields, asRead));
}

function* populationRows(
  findings: Iterable<ResultRecord["findings"][number]>,
  items: Iterable<Record<string, unknown>>,
  fields: string[],
  asRead: (item: Record<string, unknown>) => Record<string, unknown>,
): Generator<unknown[]> {
  yield ["resource", "account", "region", "status", "reason", ...fields];
  // items[i] belongs to findings[i]; the findings of population assertions come after the last item.
  const rows = items[Symbol.iterator]();
  try {
    for (const f of findings) {
      const next = rows.next();
      const raw = next.done ? undefined : next.value;
      const item = raw ? asRead(raw) : undefined;
      yield [
        f.resource,
        f.account,
        f.region,
        f.status,
        f.message,
        ...fields.map((k) => (item ? item[k] : "")),
      ];
    }
  } finally {
    // A reader of a file (a stored population) closes it when the iteration stops.
    rows.return?.();
  }
}

/** One row per control (`report --format csv`). */
export function summaryCsv(results: ResultRecord[], ctx: CsvContext): string {
  const rows: unknown[][] = [
    [
      "run_id",
      "evaluated_at",
      "control_id",
      "title",
      "domain",
      "severity",
      "status",
      "population",
      "exceptions",
      "waived",
      "errors",
      "reason",
      "parameter_deviations",
      "conclusion",
      "frameworks",
      "remediation",
    ],
  ];
  for (const r of results) {
    rows.push([
      ctx.runId,
      ctx.evaluatedAt,
      r.id,
      r.title,
      r.domain,
      r.severity,
      r.status,
      r.population,
      r.exceptions,
      r.waived ?? 0,
      r.errors.length,
      r.reason,
      r.params.overridden
        .map(
          (n) =>
            `${n}=${JSON.stringify(r.params.values[n])} (default ${JSON.stringify(r.params.defaults[n])})`,
        )
        .join("; "),
      r.conclusion,
      frameworkRefs(r.mappings),
      ctx.remediation.get(r.id),
    ]);
  }
  return csv(rows, ctx.bom);
}
