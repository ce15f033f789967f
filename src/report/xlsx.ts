/**
 * The Excel workpaper (`report BUNDLE --format xlsx`): what an audit file holds, built from the bundle alone.
 *  - "Summary": scope, caller, period, evaluation time, bundle and run id, key fingerprint and whether the
 *    bundle is signed, counts by domain and status, and preparer / reviewer sign-off cells;
 *  - "Controls": one row per control with a link to its sheet;
 *  - one sheet per control: objective, procedure, parameters and deviations, conclusion, the population with
 *    each item's verdict (and waiver), the exceptions, and sign-off cells.
 * Every value is written as a plain cell value — text stays text: a resource named "=HYPERLINK(…)" is a
 * string cell, never a formula (exceljs writes a formula only when given {formula}). exceljs is loaded only
 * by this renderer.
 */
import type { BundleModel, ResultRecord } from "../evidence/model.js";
import { type SampleDocument, TESTER_COLUMNS } from "../sample/from-bundle.js";
import { frameworkRefs } from "./csv.js";

type ExcelJs = typeof import("exceljs");
type Worksheet = import("exceljs").Worksheet;

const STATUSES = ["pass", "fail", "error", "not_applicable"] as const;
const FILL: Record<string, string> = {
  pass: "FFDAFBE1",
  fail: "FFFFEBE9",
  error: "FFFBEFFF",
  not_applicable: "FFEAEEF2",
  waived: "FFFFF8C5",
};

/** Excel sheet names: at most 31 characters, none of []:*?/\, unique (case-insensitively). */
export function sheetNames(ids: string[]): Map<string, string> {
  const used = new Set(["summary", "controls"]);
  const out = new Map<string, string>();
  for (const id of ids) {
    const base = id
      .replace(/^(access|change-management|logging)\./, (_m, d: string) =>
        d === "change-management" ? "cm." : `${d.slice(0, 3)}.`,
      )
      .replace(/[[\]:*?/\\]/g, "_")
      .slice(0, 31);
    let name = base;
    for (let n = 2; used.has(name.toLowerCase()); n++)
      name = `${base.slice(0, 31 - String(n).length - 1)}~${n}`;
    used.add(name.toLowerCase());
    out.set(id, name);
  }
  return out;
}

/** Plain values only: objects as JSON text, so no cell is ever a formula, a rich value or a hyperlink by accident. */
function v(x: unknown): string | number | boolean | null {
  if (x === null || x === undefined) return null;
  if (typeof x === "number" || typeof x === "boolean") return x;
  return typeof x === "object" ? JSON.stringify(x) : String(x);
}

function heading(ws: Worksheet, text: string): void {
  const row = ws.addRow([text]);
  row.font = { bold: true, size: 12 };
}

function table(ws: Worksheet, head: string[], rows: unknown[][], statusCol?: number): void {
  const h = ws.addRow(head);
  h.font = { bold: true };
  h.eachCell((c) => {
    c.fill = { type: "pattern", pattern: "solid", fgColor: { argb: "FFF6F8FA" } };
  });
  for (const r of rows) {
    const row = ws.addRow(r.map(v));
    if (statusCol !== undefined) {
      const fill = FILL[String(r[statusCol])];
      if (fill)
        row.getCell(statusCol + 1).fill = { type: "pattern", pattern: "solid", fgColor: { argb: fill } };
    }
  }
}

function signOff(ws: Worksheet): void {
  ws.addRow([]);
  heading(ws, "Sign-off");
  table(
    ws,
    ["role", "name", "date", "comments"],
    [
      ["Prepared by", "", "", ""],
      ["Reviewed by", "", "", ""],
    ],
  );
}

function keyValues(ws: Worksheet, rows: [string, unknown][]): void {
  for (const [k, val] of rows) {
    const row = ws.addRow([k, v(val)]);
    row.getCell(1).font = { bold: true };
    row.getCell(2).alignment = { wrapText: true, vertical: "top" };
  }
}

function summarySheet(wb: import("exceljs").Workbook, m: BundleModel): void {
  const ws = wb.addWorksheet("Summary");
  ws.columns = [{ width: 26 }, { width: 90 }, { width: 14 }, { width: 14 }, { width: 14 }, { width: 14 }];
  const run = m.run;
  ws.addRow(["ITGC evidence workpaper"]).font = { bold: true, size: 14 };
  const period = (run as { period?: { start: string; end: string } }).period;
  keyValues(ws, [
    ["Bundle", m.name],
    ["Run id", run.id],
    ["Evaluated at (UTC)", run.evaluatedAt],
    ["Run started / ended", `${run.startedAt} / ${run.endedAt}`],
    ["Mode", run.mode],
    ["Period", period ? `${period.start} .. ${period.end}` : "not applicable (configuration controls)"],
    ["Caller(s)", (run.callers ?? []).map((c) => `${c.provider}: ${c.principal}`).join("\n")],
    [
      "Scope covered",
      (run.scope?.covered ?? [])
        .map((c) => `${c.provider} ${c.unit}${c.name ? ` (${c.name})` : ""}: ${c.regions.length} region(s)`)
        .join("\n"),
    ],
    [
      "Scope not covered",
      (run.scope?.skipped ?? [])
        .map((g) => `${g.provider} ${g.unit}${g.region ? `/${g.region}` : ""}: ${g.reason}`)
        .join("\n") || "none",
    ],
    ["Signed", m.signing.signed ? "yes" : "NO — unsigned bundle"],
    ["Signing key", m.signing.keyRef ?? ""],
    ["Key fingerprint (SHA-256)", m.signing.fingerprint ?? ""],
    ["Who vouches for it", m.signing.statement],
    ["Tool", `${run.tool.name} ${run.tool.version}${run.tool.commit ? ` (${run.tool.commit})` : ""}`],
    ["Command", m.run.commandLine],
  ]);
  ws.addRow([]);
  heading(ws, "Controls by domain and status");
  const domains = [...new Set(m.results.map((r) => r.domain))].sort();
  table(
    ws,
    ["domain", ...STATUSES, "total"],
    [...domains, "all"].map((d) => {
      const rs = d === "all" ? m.results : m.results.filter((r) => r.domain === d);
      return [d, ...STATUSES.map((s) => rs.filter((r) => r.status === s).length), rs.length];
    }),
  );
  signOff(ws);
}

function controlsSheet(wb: import("exceljs").Workbook, m: BundleModel, names: Map<string, string>): void {
  const ws = wb.addWorksheet("Controls");
  ws.columns = [
    { width: 48 },
    { width: 60 },
    { width: 16 },
    { width: 10 },
    { width: 10 },
    { width: 12 },
    { width: 10 },
    { width: 10 },
    { width: 22 },
  ];
  table(
    ws,
    ["control", "title", "domain", "severity", "status", "population", "exceptions", "waived", "sheet"],
    m.results.map((r) => [
      r.id,
      r.title,
      r.domain,
      r.severity,
      r.status,
      r.population,
      r.exceptions,
      r.waived ?? 0,
      names.get(r.id),
    ]),
    4,
  );
  // Internal links to each control's sheet (a hyperlink value, not a formula).
  ws.eachRow((row, n) => {
    if (n === 1) return;
    const cell = row.getCell(9);
    const target = String(cell.value ?? "");
    if (target) cell.value = { text: target, hyperlink: `#'${target.replace(/'/g, "''")}'!A1` };
  });
  ws.views = [{ state: "frozen", ySplit: 1 }];
  ws.autoFilter = { from: "A1", to: "I1" };
}

function controlSheet(wb: import("exceljs").Workbook, m: BundleModel, r: ResultRecord, name: string): void {
  const ws = wb.addWorksheet(name);
  ws.columns = [{ width: 60 }, { width: 20 }, { width: 14 }, { width: 12 }, { width: 70 }, { width: 40 }];
  const text = m.controls.find((c) => c.id === r.id);
  ws.addRow([r.title]).font = { bold: true, size: 13 };
  keyValues(ws, [
    ["Control", r.id],
    ["Domain / severity", `${r.domain} / ${r.severity}`],
    ["Objective", text?.objective ?? ""],
    ["Test procedure", text?.procedure ?? ""],
    ["Query", r.query],
    ["Frameworks", frameworkRefs(r.mappings)],
    ["Parameters", JSON.stringify(r.params.values)],
    [
      "Deviations from defaults",
      r.params.overridden.length
        ? r.params.overridden
            .map(
              (p) =>
                `${p} = ${JSON.stringify(r.params.values[p])} (default ${JSON.stringify(r.params.defaults[p])})`,
            )
            .join("\n")
        : "none",
    ],
    ["Status", r.status],
    ["Conclusion", r.conclusion],
    ["Population / exceptions / waived", `${r.population} / ${r.exceptions} / ${r.waived ?? 0}`],
    ["Remediation", text?.remediation ?? ""],
    ["Evidence", `data/results/${r.id}.json; definition ${text?.file ?? ""}`],
  ]);
  if (r.errors.length) {
    ws.addRow([]);
    heading(ws, "Could not evaluate");
    table(
      ws,
      ["account", "region", "reason"],
      r.errors.map((e) => [e.account, e.region, e.message]),
    );
  }
  const waiverText = (f: ResultRecord["findings"][number]) =>
    f.waiver
      ? `${f.waiver.ticket}: approved by ${f.waiver.approved_by} on ${f.waiver.approved_on}, expires ${f.waiver.expires}`
      : "";
  const exceptions = r.findings.filter(
    (f) => f.status === "fail" || f.status === "waived" || f.status === "error",
  );
  ws.addRow([]);
  heading(ws, `Exceptions (${exceptions.length})`);
  table(
    ws,
    ["resource", "account", "region", "status", "reason", "waiver"],
    exceptions.map((f) => [f.resource, f.account, f.region, f.status, f.message, waiverText(f)]),
    3,
  );
  ws.addRow([]);
  heading(ws, `Population tested (${r.findings.length})`);
  table(
    ws,
    ["resource", "account", "region", "status", "reason", "waiver"],
    r.findings.map((f) => [f.resource, f.account, f.region, f.status, f.message, waiverText(f)]),
    3,
  );
  signOff(ws);
}

/**
 * The sample sheet: a sample drawn from this bundle (`itgc-validate sample`), its method, seed and population
 * hash, and the sampled items with empty tester columns — the part of the test the auditor performs by hand.
 */
function sampleSheet(
  wb: import("exceljs").Workbook,
  doc: SampleDocument,
  testerColumns: readonly string[],
): void {
  const ws = wb.addWorksheet(`Sample ${doc.control.id}`.replace(/[[\]:*?/\\]/g, "_").slice(0, 31));
  ws.columns = [{ width: 60 }, { width: 16 }, { width: 14 }, { width: 10 }, { width: 50 }];
  ws.addRow([`Sample: ${doc.control.title}`]).font = { bold: true, size: 13 };
  keyValues(ws, [
    ["Control", doc.control.id],
    ["Drawn from", doc.of],
    ["Method", doc.method],
    ["Seed", `${doc.seed} (${doc.seedSource})`],
    ["Population size / hash", `${doc.populationSize} / ${doc.populationHash}`],
    ["Sample size", `${doc.size} (${doc.sizeBasis})`],
    ["Size table", doc.sizeTableSource],
  ]);
  ws.addRow([]);
  table(
    ws,
    ["#", "position", "resource", "account", "region", "status", "reason", ...testerColumns],
    doc.items.map((i) => [i.sample, i.position, i.resource, i.account, i.region, i.status, i.message]),
  );
  signOff(ws);
}

/** Renders the workbook; resolves to the .xlsx bytes. */
export async function renderXlsx(
  m: BundleModel,
  opts: { stamp?: string; samples?: SampleDocument[] } = {},
): Promise<Buffer> {
  const mod = (await import("exceljs")) as unknown as ExcelJs & { default?: ExcelJs };
  const Workbook = (mod.default ?? mod).Workbook;
  const wb = new Workbook();
  wb.creator = `${m.run.tool.name} ${m.run.tool.version}`;
  // Fixed dates: the same bundle renders the same workbook content.
  wb.created = new Date(m.run.evaluatedAt);
  wb.modified = new Date(m.run.evaluatedAt);
  summarySheet(wb, m);
  if (opts.stamp) wb.getWorksheet("Summary")!.spliceRows(1, 0, [opts.stamp]);
  const names = sheetNames(m.results.map((r) => r.id));
  controlsSheet(wb, m, names);
  for (const r of m.results) controlSheet(wb, m, r, names.get(r.id)!);
  for (const doc of opts.samples ?? []) {
    if (doc.bundle.runId !== m.run.id)
      throw new Error(
        `the sample of ${doc.control.id} was drawn from run ${doc.bundle.runId}, not from this bundle`,
      );
    sampleSheet(wb, doc, TESTER_COLUMNS);
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}
