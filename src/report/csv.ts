/** CSV exports: every exception of a run, a control's population, and the per-control summary. */
import { stringify } from "csv-stringify/sync";
import type { ResultRecord } from "../evidence/model.js";

function cell(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

function csv(rows: unknown[][]): string {
  return stringify(
    rows.map((r) => r.map(cell)),
    { record_delimiter: "\n", quoted_match: /^[=+\-@\t\r]/ },
  );
}

/** exceptions.csv: every failed or unevaluated finding, and every scope that could not be evaluated. */
export function exceptionsCsv(results: ResultRecord[]): string {
  const rows: unknown[][] = [
    [
      "control_id",
      "control_title",
      "domain",
      "severity",
      "status",
      "account",
      "region",
      "resource",
      "message",
    ],
  ];
  for (const r of results) {
    for (const f of r.findings) {
      if (f.status !== "fail" && f.status !== "error") continue;
      rows.push([r.id, r.title, r.domain, r.severity, f.status, f.account, f.region, f.resource, f.message]);
    }
    const findingErrors = new Set(r.findings.filter((f) => f.status === "error").map((f) => f.message));
    for (const e of r.errors) {
      if (findingErrors.has(e.message)) continue;
      rows.push([r.id, r.title, r.domain, r.severity, "error", e.account, e.region, "", e.message]);
    }
  }
  return csv(rows);
}

/** A control's population: one row per item with its verdict and reason, then the item's own fields. */
export function populationCsv(r: ResultRecord): string {
  const fields = [...new Set(r.items.flatMap((i) => Object.keys(i)))].sort();
  const rows: unknown[][] = [["resource", "account", "region", "status", "reason", ...fields]];
  r.findings.forEach((f, i) => {
    const item = r.items[i];
    rows.push([
      f.resource,
      f.account,
      f.region,
      f.status,
      f.message,
      ...fields.map((k) => (item ? item[k] : "")),
    ]);
  });
  return csv(rows);
}

/** One row per control (`report --format csv`). */
export function summaryCsv(results: ResultRecord[]): string {
  const rows: unknown[][] = [
    [
      "control_id",
      "title",
      "domain",
      "severity",
      "status",
      "population",
      "exceptions",
      "errors",
      "reason",
      "parameter_deviations",
      "conclusion",
    ],
  ];
  for (const r of results) {
    rows.push([
      r.id,
      r.title,
      r.domain,
      r.severity,
      r.status,
      r.population,
      r.exceptions,
      r.errors.length,
      r.reason,
      r.params.overridden
        .map(
          (n) =>
            `${n}=${JSON.stringify(r.params.values[n])} (default ${JSON.stringify(r.params.defaults[n])})`,
        )
        .join("; "),
      r.conclusion,
    ]);
  }
  return csv(rows);
}
