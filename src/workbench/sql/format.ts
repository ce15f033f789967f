/** Renders `sql` results as an aligned table, CSV or JSON (numbers as numbers, JSON columns as JSON). */
import { stringify } from "csv-stringify/sync";
import type { SqlResult } from "./run-sql.js";

const NUMERIC =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL)/;

/** A cell as a JSON value: integers that fit a double become numbers, JSON columns are parsed. */
function jsonValue(v: unknown, type: string): unknown {
  if (v === null || v === undefined) return null;
  if (NUMERIC.test(type) && typeof v === "string") {
    const n = Number(v);
    return Number.isSafeInteger(n) || !/^-?\d+$/.test(v) ? n : v;
  }
  if (type === "JSON" && typeof v === "string") {
    try {
      return JSON.parse(v);
    } catch {
      return v;
    }
  }
  return v;
}

function text(v: unknown): string {
  if (v === null || v === undefined) return "";
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

export function toObjects(r: SqlResult): Record<string, unknown>[] {
  return r.rows.map((row) =>
    Object.fromEntries(r.columns.map((c, i) => [c, jsonValue(row[i], r.types[i] ?? "")])),
  );
}

export function renderTable(r: SqlResult, maxWidth = 60): string {
  const cells = r.rows.map((row) => row.map((v) => text(v).replace(/\s+/g, " ")));
  const clip = (s: string) => (s.length > maxWidth ? `${s.slice(0, maxWidth - 1)}…` : s);
  const widths = r.columns.map((c, i) =>
    Math.max(c.length, ...cells.map((row) => clip(row[i] ?? "").length)),
  );
  const line = (vals: string[]) =>
    vals
      .map((v, i) => clip(v).padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  const out = [line(r.columns), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)];
  out.push(`(${r.rows.length} row${r.rows.length === 1 ? "" : "s"})`);
  return `${out.join("\n")}\n`;
}

export function renderCsv(r: SqlResult): string {
  return stringify([r.columns, ...r.rows.map((row) => row.map(text))], { record_delimiter: "\n" });
}
