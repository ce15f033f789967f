/**
 * The workpaper report: one self-contained HTML file (inline CSS, no scripts, fonts or network), readable
 * on screen and when printed to PDF. Every value is escaped; links point at files inside the bundle.
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
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;word-break:break-all}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-weight:600;font-size:12px;letter-spacing:.03em}
.pass{background:var(--pass)}.fail{background:var(--fail)}.error{background:var(--error)}.not_applicable{background:var(--na)}.waived{background:#bf8700}
.banner{padding:12px 16px;border-radius:6px;margin:12px 0 16px;border:2px solid}
.banner.signed{border-color:var(--pass);background:#dafbe1}
.banner.throwaway{border-color:#9a6700;background:#fff8c5}
.banner.unsigned{border-color:var(--fail);background:#ffebe9}
.control{border:1px solid var(--line);border-radius:6px;padding:12px 16px;margin:12px 0;break-inside:avoid-page}
.control dl{display:grid;grid-template-columns:160px 1fr;gap:2px 12px;margin:8px 0}
.control dt{color:var(--muted)}.control dd{margin:0}
.deviation{background:#fff8c5}
@media print{
  body{padding:0;max-width:none;font-size:11px}
  a{color:inherit;text-decoration:none}
  .badge,.banner,th,.deviation{-webkit-print-color-adjust:exact;print-color-adjust:exact}
  h2{break-after:avoid-page}
  tr{break-inside:avoid}
  @page{margin:14mm}
}
`;

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

function summary(model: BundleModel): string {
  const domains = [...new Set(model.results.map((r) => r.domain))].sort();
  const rows = domains.map((d) => {
    const rs = model.results.filter((r) => r.domain === d);
    return `<tr><th>${esc(d)}</th>${STATUSES.map((s) => `<td class="num">${rs.filter((r) => r.status === s).length}</td>`).join("")}<td class="num">${rs.length}</td></tr>`;
  });
  const s = model.document.summary;
  rows.push(
    `<tr><th>all domains</th>${STATUSES.map((st) => `<td class="num"><strong>${s[st]}</strong></td>`).join("")}<td class="num"><strong>${s.total}</strong></td></tr>`,
  );
  const list = model.results
    .map(
      (r) =>
        `<tr><td>${badge(r.status)}</td><td><a href="#${esc(r.id)}"><code>${esc(r.id)}</code></a></td><td>${esc(r.title)}</td><td>${esc(r.severity)}</td><td class="num">${r.population}</td><td class="num">${r.exceptions}</td></tr>`,
    )
    .join("\n");
  return `<h2 id="summary">Summary by domain and status</h2>
<table><thead><tr><th>domain</th>${STATUSES.map((s) => `<th class="num">${LABEL[s]}</th>`).join("")}<th class="num">total</th></tr></thead><tbody>${rows.join("\n")}</tbody></table>
<table><thead><tr><th>status</th><th>control</th><th>title</th><th>severity</th><th class="num">population</th><th class="num">exceptions</th></tr></thead><tbody>
${list}
</tbody></table>`;
}

function controlSection(model: BundleModel, r: ResultRecord): string {
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
  const exceptions = r.findings.filter(
    (f) => f.status === "fail" || f.status === "error" || f.status === "waived",
  );
  const exTable = exceptions.length
    ? `<table><thead><tr><th>status</th><th>resource</th><th>account / region</th><th>reason</th></tr></thead><tbody>${exceptions
        .map(
          (f) =>
            `<tr><td>${badge(f.status)}</td><td><code>${esc(f.resource)}</code></td><td>${esc(f.account)} / ${esc(f.region)}</td><td>${esc(f.message)}${f.waiver ? `<br><span class="muted">waived by ${esc(f.waiver.ticket)}: approved by ${esc(f.waiver.approved_by)} on ${esc(f.waiver.approved_on)}, expires ${esc(f.waiver.expires)} — ${esc(f.waiver.reason)}</span>` : ""}</td></tr>`,
        )
        .join("")}</tbody></table>`
    : "";
  const errors = r.errors.length
    ? `<p><strong>Could not evaluate:</strong></p><ul>${r.errors.map((e) => `<li>${esc(e.account)} / ${esc(e.region)}: ${esc(e.message)}</li>`).join("")}</ul>`
    : "";
  const dev = deviations.length
    ? `<p><strong>Parameter deviations from the control's defaults:</strong></p><table><thead><tr><th>parameter</th><th>value used</th><th>default</th></tr></thead><tbody>${deviations.join("")}</tbody></table>`
    : "";
  return `<section class="control" id="${esc(r.id)}">
<h3>${badge(r.status)} ${esc(r.title)} <span class="muted"><code>${esc(r.id)}</code></span></h3>
<dl>${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join("")}</dl>
${dev}${errors}${exTable}
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

function evidenceFiles(model: BundleModel): string {
  const rows = model.files
    .map(
      (f) =>
        `<tr><td><a href="${esc(f.path.replace(/^data\//, ""))}"><code>${esc(f.path)}</code></a></td><td class="num">${f.size}</td><td class="mono">${esc(f.sha256)}</td></tr>`,
    )
    .join("\n");
  return `<h2 id="evidence">Evidence files</h2>
<p class="muted">SHA-256 of each file as written. <code>manifest-sha256.txt</code> at the bundle root lists every payload file (this report included); see <code>VERIFY.md</code> to check them and the signature with openssl and sha256sum.</p>
<table><thead><tr><th>file</th><th class="num">bytes</th><th>SHA-256</th></tr></thead><tbody>
${rows}
</tbody></table>`;
}

export function renderHtml(model: BundleModel): string {
  const s = model.document.summary;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>ITGC evidence ${esc(model.name)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>IT General Controls — test results</h1>
<div class="muted">${esc(model.name)} · evaluated at ${esc(model.run.evaluatedAt)} · ${s.total} controls: ${s.pass} pass, ${s.fail} fail, ${s.error} error, ${s.not_applicable} not applicable</div>
</header>
${banner(model)}
${summary(model)}
<h2 id="controls">Controls</h2>
${model.results.map((r) => controlSection(model, r)).join("\n")}
${runMeta(model)}
${evidenceFiles(model)}
<footer class="muted"><p>Generated by ${esc(model.run.tool.name)} ${esc(model.run.tool.version)}. Re-perform offline: <code>itgc-validate reperform &lt;bundle&gt;</code>.</p></footer>
</body>
</html>
`;
}
