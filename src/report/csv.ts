/**
 * CSV exports: every exception of a run, a control's population, and the per-control summary. Every row
 * carries the run id and evaluation time, so a row pasted into a workpaper still says where it came from.
 * Cells that a spreadsheet would read as a formula (=, +, -, @, tab, CR) are quoted and prefixed with `'`
 * (OWASP's CSV-injection advice): a resource name is data, never a formula.
 */
import { stringify } from "csv-stringify/sync";
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

function cell(v: unknown): string {
  if (v === null || v === undefined) return "";
  const text = typeof v === "object" ? JSON.stringify(v) : String(v);
  // A number stays a number; anything else a spreadsheet could evaluate becomes text.
  return /^[=+\-@\t\r]/.test(text) && !/^[+-]?\d+(\.\d+)?$/.test(text) ? `'${text}` : text;
}

function csv(rows: unknown[][], bom = false): string {
  const text = stringify(
    rows.map((r) => r.map(cell)),
    { record_delimiter: "\n", quoted_match: /^'[=+\-@\t\r]/ },
  );
  return bom ? `\uFEFF${text}` : text;
}

/**
 * exceptions.csv: every failed, waived or unevaluated finding, and every scope that could not be evaluated.
 * A waived finding stays listed, with its waiver, so the workpaper shows what was accepted and by whom.
 */
export function exceptionsCsv(results: ResultRecord[], ctx: CsvContext): string {
  const rows: unknown[][] = [
    [
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
    ],
  ];
  for (const r of results) {
    const tail = (w?: { ticket: string; approved_by: string; expires: string }) => [
      w?.ticket,
      w?.approved_by,
      w?.expires,
      frameworkRefs(r.mappings),
      ctx.remediation.get(r.id),
    ];
    const head = [ctx.runId, ctx.evaluatedAt, r.id, r.title, r.domain, r.severity];
    for (const f of r.findings) {
      if (f.status !== "fail" && f.status !== "error" && f.status !== "waived") continue;
      rows.push([...head, f.status, f.account, f.region, f.resource, f.message, ...tail(f.waiver)]);
    }
    const findingErrors = new Set(r.findings.filter((f) => f.status === "error").map((f) => f.message));
    for (const e of r.errors) {
      if (findingErrors.has(e.message)) continue;
      rows.push([...head, "error", e.account, e.region, "", e.message, ...tail()]);
    }
  }
  return csv(rows, ctx.bom);
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
