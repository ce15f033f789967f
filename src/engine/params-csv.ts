/**
 * List parameters given as a CSV file by the auditor (e.g. HR's leavers list): in a params file, a parameter
 * the control declares under `param_csv:` may be `"@leavers.csv"` instead of a list (the path relative to the
 * params file). Each row becomes one list element, its cells joined by "|" in the declared column order
 * (`user|leaving_date`), so controls read a CSV and an inline list the same way.
 *
 * - RFC 4180: comma-separated, fields may be double-quoted ("" inside quotes is a quote), CRLF or LF, an
 *   optional UTF-8 byte order mark; blank lines are skipped.
 * - Header detection: the first row is a header when one of its cells names a declared column (case, spaces
 *   and hyphens aside: "Leaving date" is leaving_date). A header maps columns by name, so HR's export may
 *   order them differently or carry more (ignored); it must name the first declared column. Without a
 *   header the columns are positional and a row may not have more cells than declared.
 * - Every cell is checked: the first column is required; a column named `*_date` is an ISO date
 *   (YYYY-MM-DD); no cell may contain "|". A bad cell is an InputError at file:line:column (exit 2).
 *
 * The file's bytes go into the evidence bundle (data/params/…, hashed and signed with the rest) and the
 * parsed list into run.json's overrides, so `reperform` needs neither the file nor the auditor's machine.
 */
import { readFileSync, statSync } from "node:fs";
import { InputError, type InputProblem } from "../core/errors.js";

/** One CSV file a run read a parameter from: what the bundle keeps as evidence. */
export interface ParamSource {
  control: string;
  param: string;
  /** The path as the params file gave it (after the "@"). */
  file: string;
  sha256: string;
  /** Data rows read (the header excluded). */
  rows: number;
  header: boolean;
  /** The file's exact text (written to the bundle, not to run.json). */
  text: string;
}

/** The params-file value that names a CSV file: "@path". */
export function csvReference(value: unknown): string | undefined {
  return typeof value === "string" && value.startsWith("@") && value.length > 1 ? value.slice(1) : undefined;
}

const MAX_BYTES = 8 * 1024 * 1024;

export function readParamCsv(path: string, shownAs: string): string {
  const size = statSync(path).size;
  if (size > MAX_BYTES)
    throw new InputError({
      file: shownAs,
      line: 1,
      column: 1,
      message: `CSV file is ${size} bytes; the limit is ${MAX_BYTES} (8 MiB)`,
    });
  return readFileSync(path, "utf8");
}

interface Cell {
  value: string;
  line: number;
  column: number;
}

/** RFC 4180 records, each cell with the line and column it starts at. */
export function csvRecords(file: string, text: string): Cell[][] {
  const records: Cell[][] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let lineStart = i;
  let row: Cell[] = [];
  const n = text.length;
  while (i <= n) {
    const cell: Cell = { value: "", line, column: i - lineStart + 1 };
    if (text[i] === '"') {
      i++;
      let closed = false;
      while (i < n) {
        const c = text[i]!;
        if (c === '"') {
          if (text[i + 1] === '"') {
            cell.value += '"';
            i += 2;
            continue;
          }
          i++;
          closed = true;
          break;
        }
        if (c === "\n") {
          line++;
          lineStart = i + 1;
        }
        cell.value += c;
        i++;
      }
      if (!closed)
        throw new InputError({
          file,
          line: cell.line,
          column: cell.column,
          message: "unterminated quoted field",
        });
      if (i < n && text[i] !== "," && text[i] !== "\n" && text[i] !== "\r")
        throw new InputError({
          file,
          line,
          column: i - lineStart + 1,
          message: 'unexpected character after a closing quote (a quote inside a field is written "")',
        });
    } else {
      while (i < n && text[i] !== "," && text[i] !== "\n" && text[i] !== "\r") cell.value += text[i++];
    }
    row.push(cell);
    if (i < n && text[i] === ",") {
      i++;
      continue;
    }
    // End of record (or of the text).
    if (text[i] === "\r") i++;
    if (text[i] === "\n") i++;
    if (!(row.length === 1 && row[0]!.value.trim() === "")) records.push(row);
    row = [];
    line++;
    lineStart = i;
    if (i >= n) break;
  }
  return records;
}

const normalise = (s: string) =>
  s
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, "_");

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The list a CSV file gives for a parameter with the declared columns. */
export function parseParamCsv(
  file: string,
  text: string,
  columns: string[],
): { values: string[]; header: boolean } {
  const records = csvRecords(file, text);
  const problems: InputProblem[] = [];
  const at = (c: Cell, message: string) => problems.push({ file, line: c.line, column: c.column, message });
  let positions = columns.map((_, i) => i);
  let header = false;
  const first = records[0];
  if (first?.some((c) => columns.includes(normalise(c.value)))) {
    header = true;
    const names = first.map((c) => normalise(c.value));
    positions = columns.map((col) => names.indexOf(col));
    if (positions[0] === -1)
      at(first[0]!, `the header names no "${columns[0]}" column (columns: ${columns.join(", ")})`);
    for (const [i, name] of names.entries())
      if (names.indexOf(name) !== i && columns.includes(name))
        at(first[i]!, `the header names column "${name}" twice`);
  }
  const values: string[] = [];
  for (const record of header ? records.slice(1) : records) {
    if (!header && record.length > columns.length) {
      at(record[columns.length]!, `a row has ${record.length} cells; the columns are ${columns.join(", ")}`);
      continue;
    }
    const last = record[record.length - 1]!;
    const cells = positions.map((p, k) => {
      const cell = p >= 0 ? record[p] : undefined;
      const value = cell?.value.trim() ?? "";
      const where = cell ?? { ...last, column: last.column + last.value.length };
      const name = columns[k]!;
      if (k === 0 && value === "") at(where, `column ${name} is empty`);
      if (value.includes("|"))
        at(where, `column ${name} contains "|", which separates the columns of an entry`);
      if (
        value !== "" &&
        name.endsWith("_date") &&
        !(ISO_DATE.test(value) && !Number.isNaN(Date.parse(value)))
      )
        at(where, `column ${name} must be an ISO date (YYYY-MM-DD), got ${JSON.stringify(value)}`);
      return value;
    });
    while (cells.length > 1 && cells[cells.length - 1] === "") cells.pop();
    values.push(cells.join("|"));
  }
  if (problems.length > 0) throw new InputError(problems);
  return { values, header };
}
