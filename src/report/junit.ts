/** JUnit XML: one test suite per domain, one test case per control (CI systems display these natively). */
import type { BundleModel } from "../evidence/model.js";

function esc(s: string): string {
  return (
    s
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      // biome-ignore lint/suspicious/noControlCharactersInRegex: XML 1.0 forbids these characters
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "")
  );
}

export function renderJunit(model: BundleModel): string {
  const byDomain = new Map<string, BundleModel["results"]>();
  for (const r of model.results) byDomain.set(r.domain, [...(byDomain.get(r.domain) ?? []), r]);
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const s = model.document.summary;
  out.push(
    `<testsuites name="itgc-validate ${esc(model.name)}" tests="${s.total}" failures="${s.fail}" errors="${s.error}" skipped="${s.not_applicable}" timestamp="${esc(model.run.startedAt)}">`,
  );
  for (const [domain, results] of [...byDomain].sort(([a], [b]) => a.localeCompare(b))) {
    const count = (st: string) => results.filter((r) => r.status === st).length;
    out.push(
      `  <testsuite name="${esc(domain)}" tests="${results.length}" failures="${count("fail")}" errors="${count("error")}" skipped="${count("not_applicable")}">`,
    );
    for (const r of results) {
      out.push(`    <testcase classname="${esc(`itgc.${domain}`)}" name="${esc(r.id)}">`);
      const detail = [
        r.conclusion,
        ...r.findings
          .filter((f) => f.status === "fail" || f.status === "error")
          .map((f) => `${f.status}: ${f.resource} [${f.account}/${f.region}]: ${f.message ?? ""}`),
        ...r.errors.map((e) => `error: ${e.account}/${e.region}: ${e.message}`),
      ].join("\n");
      if (r.status === "fail")
        out.push(`      <failure message="${esc(r.conclusion)}" type="exceptions">${esc(detail)}</failure>`);
      else if (r.status === "error")
        out.push(
          `      <error message="${esc(r.reason ?? r.conclusion)}" type="not-evaluated">${esc(detail)}</error>`,
        );
      else if (r.status === "not_applicable") out.push(`      <skipped message="${esc(r.conclusion)}"/>`);
      out.push(`      <system-out>${esc(`${r.title}\npopulation: ${r.population}`)}</system-out>`);
      out.push("    </testcase>");
    }
    out.push("  </testsuite>");
  }
  out.push("</testsuites>");
  return `${out.join("\n")}\n`;
}
