/**
 * The workpaper report: one self-contained HTML file (inline CSS, no scripts, fonts or network), readable
 * on screen and when printed to PDF. Every value is escaped; links point at files inside the bundle.
 *
 * Printed (auditors attach the PDF to workpapers), it must not lose a character: every cell and value wraps
 * anywhere when it has to (long ARNs, JSON lists), grids and tables shrink to the page. The first page reads
 * alone: scope, caller, period, evaluation time, bundle and key, signed or not, counts by domain and status.
 * Every page carries a running header (bundle, signature state) and "page N of M". The tested items of
 * passing controls are collapsed on screen, listed in print (up to PRINTED_ITEMS per control), and always in
 * the control's population CSV.
 */
import { describePeriod } from "../core/period.js";
import type { BundleModel, ResultRecord } from "../evidence/model.js";

const LABEL: Record<string, string> = {
  pass: "PASS",
  fail: "FAIL",
  error: "ERROR",
  not_applicable: "N/A",
  waived: "WAIVED",
};
const STATUSES = ["pass", "fail", "error", "not_applicable"] as const;
/** Passing items listed per control in the report; the population CSV holds all of them. */
export const PRINTED_ITEMS = 500;

/** A CSS string literal (for the running header's `content`). */
function cssString(v: string): string {
  return `"${v
    .replace(/[\\"]/g, (c) => `\\${c}`)
    .replace(/[\n\r]/g, " ")
    .replace(/</g, "\\3c ")}"`;
}

export function esc(v: unknown): string {
  return String(v ?? "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

const CSS = `
:root{--fg:#1b1f24;--muted:#5b6470;--line:#d0d7de;--pass:#1a7f37;--fail:#cf222e;--error:#8250df;--na:#6e7781}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);margin:0 auto;padding:24px 32px;max-width:1200px;background:#fff}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:28px 0 8px;border-bottom:2px solid var(--line);padding-bottom:4px}
h3{font-size:16px;margin:0}
.muted{color:var(--muted)}
table{border-collapse:collapse;width:100%;margin:8px 0 12px}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}
td.num,th.num{text-align:right}
td,dd,li,p,h3,.muted,.banner{overflow-wrap:anywhere}
th,td.num,td.nowrap,.badge{overflow-wrap:normal;white-space:nowrap}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;word-break:break-all}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-weight:600;font-size:12px;letter-spacing:.03em}
.pass{background:var(--pass)}.fail{background:var(--fail)}.error{background:var(--error)}.not_applicable{background:var(--na)}.waived{background:#bf8700}
.banner{padding:12px 16px;border-radius:6px;margin:12px 0 16px;border:2px solid}
.banner.signed{border-color:var(--pass);background:#dafbe1}
.banner.throwaway{border-color:#9a6700;background:#fff8c5}
.banner.unsigned{border-color:var(--fail);background:#ffebe9}
.control{border:1px solid var(--line);border-radius:6px;padding:12px 16px;margin:12px 0;break-inside:avoid-page}
.control dl{display:grid;grid-template-columns:minmax(0,160px) minmax(0,1fr);gap:2px 12px;margin:8px 0}
.control dt{color:var(--muted)}.control dd{margin:0;min-width:0}
.cover dl{display:grid;grid-template-columns:minmax(0,190px) minmax(0,1fr);gap:3px 12px;margin:8px 0 12px}
.cover dt{color:var(--muted)}.cover dd{margin:0;min-width:0}
details.items summary{cursor:pointer;color:var(--muted)}
.print-only{display:none}
.deviation{background:#fff8c5}
@media print{
  body{padding:0;max-width:none;font-size:11px}
  .cover{break-after:page}
  .screen-only{display:none}
  .print-only{display:block}
  .control{break-inside:auto}
  a{color:inherit;text-decoration:none}
  .badge,.banner,th,.deviation{-webkit-print-color-adjust:exact;print-color-adjust:exact}
  h2{break-after:avoid-page}
  tr{break-inside:avoid}
}
`;

/** Print only: the running header and page numbers, in the page margins. */
function pageCss(model: BundleModel): string {
  const s = model.signing;
  const state = !s.signed ? "UNSIGNED" : s.kind === "ephemeral" ? "throw-away demo key" : "signed";
  return `@page{size:A4;margin:18mm 14mm 16mm;
@top-left{content:${cssString(`ITGC evidence ${model.name}`)};font:9px system-ui,sans-serif;color:#5b6470}
@top-right{content:${cssString(state)};font:9px system-ui,sans-serif;color:#5b6470}
@bottom-right{content:"page " counter(page) " of " counter(pages);font:9px system-ui,sans-serif;color:#5b6470}}`;
}

function badge(status: string): string {
  return `<span class="badge ${esc(status)}">${esc(LABEL[status] ?? status)}</span>`;
}

function banner(model: BundleModel): string {
  const s = model.signing;
  const cls = !s.signed ? "unsigned" : s.kind === "ephemeral" ? "throwaway" : "signed";
  const title = !s.signed
    ? "UNSIGNED evidence bundle"
    : s.kind === "ephemeral"
      ? "Signed with a throw-away demo key"
      : "Signed evidence bundle";
  const detail = s.signed
    ? `<br>Key: <code>${esc(s.keyRef)}</code> — algorithm ${esc(s.algorithm)} — public key fingerprint (SHA-256 of DER SPKI): <code>${esc(s.fingerprint)}</code>`
    : "";
  return `<div class="banner ${cls}" id="signature"><strong>${title}.</strong> ${esc(s.statement)}${detail}</div>`;
}

function domainTable(model: BundleModel): string {
  const domains = [...new Set(model.results.map((r) => r.domain))].sort();
  const rows = domains.map((d) => {
    const rs = model.results.filter((r) => r.domain === d);
    return `<tr><th>${esc(d)}</th>${STATUSES.map((s) => `<td class="num">${rs.filter((r) => r.status === s).length}</td>`).join("")}<td class="num">${rs.length}</td></tr>`;
  });
  const s = model.document.summary;
  rows.push(
    `<tr><th>all domains</th>${STATUSES.map((st) => `<td class="num"><strong>${s[st]}</strong></td>`).join("")}<td class="num"><strong>${s.total}</strong></td></tr>`,
  );
  return `<table><thead><tr><th>domain</th>${STATUSES.map((s) => `<th class="num">${LABEL[s]}</th>`).join("")}<th class="num">total</th></tr></thead><tbody>${rows.join("\n")}</tbody></table>`;
}

function summary(model: BundleModel): string {
  const list = model.results
    .map(
      (r) =>
        `<tr><td>${badge(r.status)}</td><td><a href="#${esc(r.id)}"><code>${esc(r.id)}</code></a></td><td>${esc(r.title)}</td><td class="nowrap">${esc(r.severity)}</td><td class="num">${r.population}</td><td class="num">${r.exceptions}</td></tr>`,
    )
    .join("\n");
  return `<h2 id="summary">Controls at a glance</h2>
<table><thead><tr><th>status</th><th>control</th><th>title</th><th>severity</th><th class="num">population</th><th class="num">exceptions</th></tr></thead><tbody>
${list}
</tbody></table>`;
}

type Finding = ResultRecord["findings"][number];

/** A control's findings, iterable more than once (the bundle writer makes them one at a time). */
export type FindingsOf = (r: ResultRecord) => Iterable<Finding>;

function* controlSection(model: BundleModel, r: ResultRecord, findingsOf: FindingsOf): Generator<string> {
  const c = model.controls.find((x) => x.id === r.id);
  const deviations = r.params.overridden.map(
    (n) =>
      `<tr class="deviation"><td><code>${esc(n)}</code></td><td>${esc(JSON.stringify(r.params.values[n]))}</td><td>${esc(JSON.stringify(r.params.defaults[n]))}</td></tr>`,
  );
  const params = Object.keys(r.params.values).filter((n) => !r.params.overridden.includes(n));
  const rows = [
    ["Objective", esc(c?.objective)],
    ["Procedure", esc(c?.procedure)],
    ["Query", `<code>${esc(r.query)}</code>`],
    ["Severity", esc(r.severity)],
    ["Population", `${r.population} item(s)`],
    ["Exceptions", String(r.exceptions)],
    ["Conclusion", esc(r.conclusion)],
    ...(r.reason ? [["Reason", esc(r.reason)]] : []),
    ...(params.length
      ? [
          [
            "Parameters",
            params
              .map((n) => `<code>${esc(n)}</code> = ${esc(JSON.stringify(r.params.values[n]))}`)
              .join(", "),
          ],
        ]
      : []),
    [
      "Mappings",
      Object.entries(r.mappings)
        .map(([k, v]) => `${esc(k)}: ${esc(v.join(", "))}`)
        .join("; ") || "—",
    ],
    [
      "Evidence",
      `<a href="${esc(c?.file.replace(/^data\//, "") ?? "")}"><code>${esc(c?.file)}</code></a> (definition), <a href="results/${esc(r.id)}.json"><code>data/results/${esc(r.id)}.json</code></a> (per-item verdicts), <a href="results/population/${esc(r.id)}.csv"><code>data/results/population/${esc(r.id)}.csv</code></a>`,
    ],
  ];
  const errors = r.errors.length
    ? `<p><strong>Could not evaluate:</strong></p><ul>${r.errors.map((e) => `<li>${esc(e.account)} / ${esc(e.region)}: ${esc(e.message)}</li>`).join("")}</ul>`
    : "";
  const dev = deviations.length
    ? `<p><strong>Parameter deviations from the control's defaults:</strong></p><table><thead><tr><th>parameter</th><th>value used</th><th>default</th></tr></thead><tbody>${deviations.join("")}</tbody></table>`
    : "";
  yield `<section class="control" id="${esc(r.id)}">
<h3>${badge(r.status)} ${esc(r.title)} <span class="muted"><code>${esc(r.id)}</code></span></h3>
<dl>${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join("")}</dl>
${dev}${errors}`;
  // The exceptions, one row each (a large population's can be thousands), then the items that met it.
  let exceptions = 0;
  let passed = 0;
  const shown: Finding[] = [];
  for (const f of findingsOf(r)) {
    if (f.status === "pass") {
      if (passed++ < PRINTED_ITEMS) shown.push(f);
      continue;
    }
    if (f.status !== "fail" && f.status !== "error" && f.status !== "waived") continue;
    if (exceptions++ === 0)
      yield "<table><thead><tr><th>status</th><th>resource</th><th>account / region</th><th>reason</th></tr></thead><tbody>";
    yield `<tr><td>${badge(f.status)}</td><td><code>${esc(f.resource)}</code></td><td>${esc(f.account)} / ${esc(f.region)}</td><td>${esc(f.message)}${f.waiver ? `<br><span class="muted">waived by ${esc(f.waiver.ticket)}: approved by ${esc(f.waiver.approved_by)} on ${esc(f.waiver.approved_on)}, expires ${esc(f.waiver.expires)} — ${esc(f.waiver.reason)}</span>` : ""}</td></tr>`;
  }
  if (exceptions > 0) yield "</tbody></table>";
  if (passed > 0) yield testedItems(r, shown, passed);
  yield "\n</section>";
}

/** The items that met the control: collapsed on screen, listed in print; the CSV has them all. */
function testedItems(r: ResultRecord, shown: Finding[], passed: number): string {
  const csv = `data/results/population/${esc(r.id)}.csv`;
  const more =
    passed > shown.length
      ? `<p class="muted">… and ${passed - shown.length} more: see <code>${csv}</code>.</p>`
      : "";
  const table = `<table><thead><tr><th>resource</th><th>account / region</th></tr></thead><tbody>${shown
    .map(
      (f) => `<tr><td><code>${esc(f.resource)}</code></td><td>${esc(f.account)} / ${esc(f.region)}</td></tr>`,
    )
    .join("")}</tbody></table>${more}`;
  const label = `Tested items that met the control (${passed}; all in <code>${csv}</code>)`;
  return `<details class="items screen-only"><summary>${label}</summary>${table}</details>
<div class="items print-only"><p><strong>${label}:</strong></p>${table}</div>`;
}

/** The first page: what a reviewer needs to read the result without the rest of the report. */
function cover(model: BundleModel): string {
  const run = model.run;
  const s = model.signing;
  const period = (run as { period?: { from?: string; to?: string } }).period;
  const rows: [string, string][] = [
    [
      "Scope",
      run.scope.covered
        .map(
          (u) =>
            `${esc(u.provider)} ${esc(u.unit)}${u.name ? ` (${esc(u.name)})` : ""}${u.regions.length ? `: ${esc(u.regions.join(", "))}` : ""}`,
        )
        .join("<br>") || "—",
    ],
    ...(run.scope.skipped.length
      ? ([["Not covered", `${run.scope.skipped.length} scope gap(s), listed under Run metadata`]] as [
          string,
          string,
        ][])
      : []),
    [
      "Caller",
      run.callers
        .map(
          (c) =>
            `${esc(c.provider)}: <code>${esc(c.principal)}</code>${c.account ? ` (${esc(c.account)})` : ""}`,
        )
        .join("<br>") || "unknown",
    ],
    ...(period
      ? ([["Period tested", `${esc(period.from)} to ${esc(period.to)}`]] as [string, string][])
      : []),
    ["Evaluated at", esc(run.evaluatedAt)],
    ["Mode", esc(run.mode)],
    ["Bundle", `<code>${esc(model.name)}</code> (run id <code>${esc(run.id)}</code>)`],
    [
      "Signature",
      !s.signed
        ? "<strong>UNSIGNED</strong>: nothing vouches for who produced this bundle"
        : `${s.kind === "ephemeral" ? "signed with a throw-away demo key" : "signed"}, key <code>${esc(s.keyRef)}</code>`,
    ],
    ...(s.signed
      ? ([
          [
            "Key fingerprint",
            `<code>SHA256:${esc(s.fingerprint)}</code> (compare with the fingerprint recorded outside the bundle)`,
          ],
        ] as [string, string][])
      : []),
  ];
  return `<section class="cover">
<header>
<h1>IT General Controls — test results</h1>
</header>
${banner(model)}
<dl>${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join("")}</dl>
<h2 id="by-domain">Summary by domain and status</h2>
${domainTable(model)}
</section>`;
}

function runMeta(model: BundleModel): string {
  const run = model.run;
  const rows: [string, string][] = [
    ["Bundle", `<code>${esc(model.name)}</code>`],
    ["Run id", `<code>${esc(run.id)}</code>`],
    [
      "Tool",
      `${esc(run.tool.name)} ${esc(run.tool.version)}${run.tool.commit ? ` (commit <code>${esc(run.tool.commit)}</code>)` : ""}`,
    ],
    ["Mode", esc(run.mode) + (run.replaySource ? ` (from <code>${esc(run.replaySource)}</code>)` : "")],
    ["Started / ended", `${esc(run.startedAt)} / ${esc(run.endedAt)}`],
    ["Evaluated at", esc(run.evaluatedAt)],
    ...(run.period ? [["Audit period", esc(describePeriod(run.period))] as [string, string]] : []),
    ["Command line", `<code>itgc-validate ${esc(run.commandLine)}</code>`],
    [
      "Caller",
      run.callers
        .map(
          (c) =>
            `${esc(c.provider)}: <code>${esc(c.principal)}</code>${c.account ? ` (${esc(c.account)})` : ""}`,
        )
        .join("<br>") || "unknown",
    ],
    [
      "Scope covered",
      run.scope.covered
        .map(
          (u) =>
            `${esc(u.provider)} ${esc(u.unit)}${u.name ? ` (${esc(u.name)})` : ""}: ${esc(u.regions.join(", ") || "—")}`,
        )
        .join("<br>") || "—",
    ],
    [
      "Scope skipped",
      run.scope.skipped
        .map(
          (g) => `${esc(g.provider)} ${esc(g.unit)}${g.region ? `/${esc(g.region)}` : ""}: ${esc(g.reason)}`,
        )
        .join("<br>") || "none",
    ],
    [
      "API calls",
      `${run.stats.apiCalls} (errors ${run.stats.apiErrors}, retries ${run.stats.retries}, throttled ${run.stats.throttles})`,
    ],
    [
      "Parameters file",
      run.params.file
        ? `<code>${esc(run.params.file)}</code>`
        : "none (control defaults unless listed as deviations)",
    ],
  ];
  return `<h2 id="run">Run metadata</h2><table><tbody>${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join("")}</tbody></table>`;
}

function* evidenceFiles(model: BundleModel): Generator<string> {
  yield `<h2 id="evidence">Evidence files</h2>
<p class="muted">SHA-256 of each file as written. <code>manifest-sha256.txt</code> at the bundle root lists every payload file (this report included); see <code>VERIFY.md</code> to check them and the signature with openssl and sha256sum.</p>
<table><thead><tr><th>file</th><th class="num">bytes</th><th>SHA-256</th></tr></thead><tbody>
`;
  // One row per file (an organization's bundle has one file per recorded call).
  let first = true;
  for (const f of model.files) {
    yield `${first ? "" : "\n"}<tr><td><a href="${esc(f.path.replace(/^data\//, ""))}"><code>${esc(f.path)}</code></a></td><td class="num">${f.size}</td><td class="mono">${esc(f.sha256)}</td></tr>`;
    first = false;
  }
  yield `
</tbody></table>`;
}

export function renderHtml(model: BundleModel): string {
  return [...htmlPieces(model)].join("");
}

/**
 * The report in pieces, for the bundle writer to stream: joined, the text `renderHtml` returns. The writer
 * passes results without their findings (`findingsOf` gives each control's, one control at a time).
 */
export function* htmlPieces(
  model: BundleModel,
  findingsOf: FindingsOf = (r) => r.findings,
): Generator<string> {
  const s = model.document.summary;
  yield `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>ITGC evidence ${esc(model.name)}</title>
<style>${CSS}${pageCss(model)}</style>
</head>
<body>
${cover(model)}
<div class="muted">${esc(model.name)} · evaluated at ${esc(model.run.evaluatedAt)} · ${s.total} controls: ${s.pass} pass, ${s.fail} fail, ${s.error} error, ${s.not_applicable} not applicable</div>
${summary(model)}
<h2 id="controls">Controls</h2>
`;
  let i = 0;
  for (const r of model.results) {
    if (i++ > 0) yield "\n";
    yield* controlSection(model, r, findingsOf);
  }
  yield `
${runMeta(model)}
`;
  yield* evidenceFiles(model);
  yield `
<footer class="muted"><p>Generated by ${esc(model.run.tool.name)} ${esc(model.run.tool.version)}. Re-perform offline: <code>itgc-validate reperform &lt;bundle&gt;</code>.</p></footer>
</body>
</html>
`;
}
