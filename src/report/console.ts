/**
 * Console output of a run: one line per control (status, id, title, population, exceptions), then the
 * exceptions and errors, then a summary. Colour only when writing to a terminal (chalk detects it; NO_COLOR
 * and FORCE_COLOR are honoured).
 */
import { Chalk } from "chalk";
import { describePeriod } from "../core/period.js";
import type { Status } from "../core/types.js";
import { populationOf } from "../engine/population-store.js";
import type { ResultsDocument } from "./results-document.js";

const LABEL: Record<Status, string> = { pass: "PASS", fail: "FAIL", error: "ERROR", not_applicable: "N/A" };

export function renderConsole(doc: ResultsDocument, opts: { color: boolean; maxFindings?: number }): string {
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const paint: Record<Status, (s: string) => string> = {
    pass: c.green,
    fail: c.red,
    error: c.magenta,
    not_applicable: c.gray,
  };
  const lines: string[] = [];
  const idWidth = Math.max(...doc.controls.map((r) => r.id.length), 10);
  for (const r of doc.controls) {
    const status = paint[r.status](LABEL[r.status].padEnd(5));
    const counts = `population ${r.population}, exceptions ${r.exceptions}${r.waived ? `, waived ${r.waived}` : ""}`;
    lines.push(`${status}  ${r.id.padEnd(idWidth)}  ${r.title}  ${c.gray(`(${counts})`)}`);
  }
  const max = opts.maxFindings ?? 20;
  const withDetail = doc.controls.filter(
    (r) => r.status === "fail" || r.status === "error" || r.params.overridden.length,
  );
  if (withDetail.length > 0) lines.push("", c.bold("Exceptions and errors"));
  for (const r of withDetail) {
    if (r.status !== "fail" && r.status !== "error") continue;
    lines.push("", `${paint[r.status](LABEL[r.status])} ${c.bold(r.id)} — ${r.title}`);
    if (r.reason) lines.push(`  reason: ${r.reason}`);
    for (const e of r.errors.slice(0, max))
      lines.push(`  ${c.magenta("error")} ${e.account}/${e.region}: ${e.message}`);
    // The first `max` exceptions, in the result's order (a large population is read back from disk).
    const population = populationOf(r);
    let exceptions = 0;
    if (population.counts.fail > 0)
      for (const f of population.findings()) {
        if (f.status !== "fail") continue;
        if (++exceptions > max) break;
        lines.push(`  ${c.red("✗")} ${f.resource} ${c.gray(`[${f.account}/${f.region}]`)}: ${f.message}`);
      }
    if (population.counts.fail > max)
      lines.push(c.gray(`  … and ${population.counts.fail - max} more (see --json or the evidence bundle)`));
  }
  const deviations = doc.controls.filter((r) => r.params.overridden.length > 0);
  if (deviations.length > 0) {
    lines.push("", c.bold("Parameters overridden (deviations from the control defaults)"));
    for (const r of deviations) {
      for (const name of r.params.overridden) {
        lines.push(
          `  ${r.id}: ${name} = ${JSON.stringify(r.params.values[name])} (default ${JSON.stringify(r.params.defaults[name])})`,
        );
      }
    }
  }
  const waivers = doc.run.waivers;
  if (waivers) {
    const c2 = waivers.counts;
    lines.push(
      "",
      c.bold(`Waivers (${waivers.file})`) +
        c.gray(
          `  ${waivers.findingsWaived} finding(s) waived; ${c2.applied} applied, ${c2.stale} stale, ${c2.expired} expired, ${c2.pending} pending, ${c2.invalid} invalid`,
        ),
    );
    for (const w of waivers.waivers) {
      if (w.state === "applied") continue;
      lines.push(
        `  ${c.yellow(w.state)} ${w.where} ${w.control} ${w.resource} (${w.ticket}): ${w.note ?? ""}`,
      );
    }
  }
  const s = doc.summary;
  const gaps = doc.run.providers.flatMap((p) => p.gaps);
  if (gaps.length > 0) {
    lines.push("", c.bold("Scope gaps (not covered)"));
    for (const g of gaps)
      lines.push(`  ${g.provider} ${g.unit}${g.region ? `/${g.region}` : ""}: ${g.reason}`);
  }
  if (doc.run.period) lines.push("", `${c.bold("Audit period")}: ${describePeriod(doc.run.period)}`);
  lines.push(
    "",
    `${c.bold("Summary")}: ${s.total} controls — ${paint.pass(`${s.pass} pass`)}, ${paint.fail(`${s.fail} fail`)}, ${paint.error(`${s.error} error`)}, ${paint.not_applicable(`${s.not_applicable} n/a`)}` +
      c.gray(
        `  (${doc.run.mode}; ${doc.run.stats.apiCalls} API calls, ${doc.run.stats.distinctQueries} distinct queries)`,
      ),
  );
  return `${lines.join("\n")}\n`;
}
