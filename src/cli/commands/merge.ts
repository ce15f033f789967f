/**
 * `itgc-validate merge RESULTS.json...` — combines the results documents of a sharded run (`run --shard I/N`,
 * one per worker) into one organization results document: controls merged by id (findings and errors
 * concatenated, population and exceptions summed, status recomputed: error > fail > pass > not_applicable),
 * targets, scope gaps, regions and stats combined, and the summary recomputed.
 *
 * A shard with no account in its population (e.g. a shard that drew no accounts) does not decide a control's
 * status on its own: its `when_empty` verdict only counts when every shard's population is empty.
 * Fails with exit 2 when the shards are not parts of one run: different controls, different parameters, or
 * an account covered by two shards.
 */
import { randomUUID } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { Command } from "commander";
import { InputError } from "../../core/errors.js";
import type { ProviderRunInfo } from "../../core/provider.js";
import type { Status } from "../../core/types.js";
import {
  type ControlSummary,
  exitCodeFor,
  RESULTS_FORMAT,
  type ResultsDocument,
  type RunInfo,
  type Summary,
} from "../../report/results-document.js";
import { canonicalJson } from "../../util/canonical-json.js";

const ORDER: Status[] = ["error", "fail", "pass", "not_applicable"];

export interface MergedRunInfo extends RunInfo {
  merged: { shards: { source: string; runId: string; startedAt: string; units: string[] }[] };
}

export function loadResults(file: string): ResultsDocument {
  let doc: ResultsDocument;
  try {
    doc = JSON.parse(readFileSync(file, "utf8")) as ResultsDocument;
  } catch (e) {
    throw new InputError({ file, message: `cannot read a results document: ${(e as Error).message}` });
  }
  if (doc?.format !== RESULTS_FORMAT)
    throw new InputError({ file, field: "format", message: `expected ${RESULTS_FORMAT}` });
  return doc;
}

export function mergeDocuments(docs: ResultsDocument[], sources: string[] = []): ResultsDocument {
  if (docs.length === 0) throw new InputError("merge needs at least one results document");
  const name = (i: number) => sources[i] ?? `document ${i + 1}`;
  const ids = (d: ResultsDocument) => d.controls.map((c) => c.id).sort();
  const first = docs[0]!;
  const owner = new Map<string, number>();
  docs.forEach((d, i) => {
    if (canonicalJson(ids(d)) !== canonicalJson(ids(first)))
      throw new InputError(
        `${name(i)} covers different controls than ${name(0)}: shards must run the same controls`,
      );
    // Shards of one test cover one audit period; a default (rolling) period may differ by the shards' start.
    const [a, b] = [first.run.period, d.run.period];
    if (
      a &&
      b &&
      (a.source === "option" || b.source === "option") &&
      (a.start !== b.start || a.end !== b.end)
    )
      throw new InputError(`${name(i)} tested a different --period than ${name(0)}: shards must share it`);
    for (const p of d.run.providers)
      for (const t of [...p.targets, ...p.gaps.filter((g) => !g.region)]) {
        const key = `${p.provider}:${t.unit}`;
        const prev = owner.get(key);
        if (prev !== undefined && prev !== i)
          throw new InputError(`${t.unit} is covered by both ${name(prev)} and ${name(i)}: shards overlap`);
        owner.set(key, i);
      }
  });

  const controls: ControlSummary[] = first.controls
    .map((c) => c.id)
    .sort()
    .map((id) => {
      const parts = docs.map((d, i) => {
        const c = d.controls.find((x) => x.id === id)!;
        const base = first.controls.find((x) => x.id === id)!;
        if (canonicalJson(c.params.values) !== canonicalJson(base.params.values))
          throw new InputError(`${name(i)}: ${id} ran with different parameters than in ${name(0)}`);
        return c;
      });
      return mergeControl(parts);
    });

  const providers = new Map<string, ProviderRunInfo>();
  for (const d of docs)
    for (const p of d.run.providers) {
      const m = providers.get(p.provider);
      if (!m) providers.set(p.provider, { ...p, targets: [...p.targets], gaps: [...p.gaps] });
      else {
        m.targets.push(...p.targets);
        m.gaps.push(...p.gaps);
      }
    }
  for (const p of providers.values()) {
    p.targets.sort((a, b) => a.unit.localeCompare(b.unit));
    p.gaps.sort((a, b) => `${a.unit}|${a.region ?? ""}`.localeCompare(`${b.unit}|${b.region ?? ""}`));
  }
  const sum = (f: (d: ResultsDocument) => number) => docs.reduce((n, d) => n + (f(d) ?? 0), 0);
  const run: MergedRunInfo = {
    id: randomUUID(),
    tool: first.run.tool,
    startedAt: docs.map((d) => d.run.startedAt).sort()[0]!,
    endedAt: docs
      .map((d) => d.run.endedAt)
      .sort()
      .at(-1)!,
    evaluatedAt: docs.map((d) => d.run.evaluatedAt).sort()[0]!,
    ...(first.run.period ? { period: first.run.period } : {}),
    mode: docs.every((d) => d.run.mode === "replay") ? "replay" : "live",
    command: ["merge", ...sources],
    providers: [...providers.values()].sort((a, b) => a.provider.localeCompare(b.provider)),
    regions: Object.assign({}, ...docs.map((d) => d.run.regions)),
    params: first.run.params,
    controlsSelected: controls.length,
    stats: {
      apiCalls: sum((d) => d.run.stats.apiCalls),
      apiErrors: sum((d) => d.run.stats.apiErrors),
      retries: sum((d) => d.run.stats.retries),
      throttles: sum((d) => d.run.stats.throttles),
      distinctQueries: sum((d) => d.run.stats.distinctQueries),
      cacheHits: sum((d) => d.run.stats.cacheHits),
    },
    merged: {
      shards: docs.map((d, i) => ({
        source: name(i),
        runId: d.run.id,
        startedAt: d.run.startedAt,
        units: d.run.providers.flatMap((p) => p.targets.map((t) => t.unit)),
      })),
    },
  };
  const summary: Summary = { total: controls.length, pass: 0, fail: 0, error: 0, not_applicable: 0 };
  for (const c of controls) summary[c.status]++;
  return { format: RESULTS_FORMAT, run, summary, controls };
}

function mergeControl(parts: ControlSummary[]): ControlSummary {
  const first = parts[0]!;
  const findings = parts
    .flatMap((p) => p.findings)
    .sort((a, b) =>
      `${a.account}|${a.region}|${a.resource}`.localeCompare(`${b.account}|${b.region}|${b.resource}`),
    );
  const errors = parts.flatMap((p) => p.errors);
  const population = parts.reduce((n, p) => n + p.population, 0);
  const exceptions = parts.reduce((n, p) => n + p.exceptions, 0);
  const informative = parts.filter((p) => p.population > 0 || p.findings.length > 0 || p.errors.length > 0);
  const deciding = informative.length > 0 ? informative : parts;
  let status = deciding.map((p) => p.status).sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b))[0]!;
  if (errors.length > 0) status = "error";
  let reason: string | undefined;
  if (status === "error") {
    const e = errors[0];
    reason = e
      ? `${e.region && e.region !== "global" ? `${e.account}/${e.region}` : e.account}: ${e.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ""}`
      : deciding.find((p) => p.status === "error")?.reason;
  } else {
    reason = deciding.find((p) => p.status === status)?.reason;
  }
  const { reason: _r, problems: _p, completeness: _c, ...rest } = first;
  // Each shard's query problems and completeness checks are about its own accounts: keep all of them.
  const problems = parts.flatMap((p) => p.problems ?? []);
  const completeness = parts.flatMap((p) => p.completeness ?? []);
  return {
    ...rest,
    status,
    ...(reason ? { reason } : {}),
    population,
    exceptions,
    errors,
    findings,
    ...(problems.length > 0 ? { problems } : {}),
    ...(completeness.length > 0 ? { completeness } : {}),
  };
}

export function mergeCommand(): Command {
  return new Command("merge")
    .description(
      "Combine the results documents of a sharded run (run --shard I/N --json, one per worker) into one\n" +
        "organization results document; exit code as for run (0 pass, 1 fail, 3 error).",
    )
    .argument("<results...>", "results documents (results.json / run --json output)")
    .option("--out <file>", "write the merged document here instead of stdout")
    .action((files: string[], flags: { out?: string }) => {
      const merged = mergeDocuments(files.map(loadResults), files);
      const text = `${JSON.stringify(merged, null, 2)}\n`;
      if (flags.out) writeFileSync(flags.out, text);
      else process.stdout.write(text);
      const s = merged.summary;
      process.stderr.write(
        `merged ${files.length} document(s): ${s.total} control(s): ${s.pass} pass, ${s.fail} fail, ${s.error} error, ${s.not_applicable} n/a\n`,
      );
      process.exitCode = exitCodeFor(merged.controls);
    });
}
