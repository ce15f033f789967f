/**
 * `itgc-validate reperform`: replays the bundle's raw API responses through the bundle's own control
 * definitions (data/controls/*.yaml) and parameters (data/run.json), at the bundle's evaluation time, and
 * compares every verdict with the one recorded: control status, population size, exceptions, and each
 * finding's resource and status.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { type ExecuteRunOptions, executeRun, type RunOutcome } from "../engine/execute-run.js";
import type { AwsRuntimeOptions } from "../providers/aws/runtime.js";
import type { ResultsDocument } from "../report/results-document.js";
import { drawSample, populationHash, populationOf } from "../sample/draw.js";
import type { SampleDocument } from "../sample/from-bundle.js";
import { parseWaivers } from "../waivers/load.js";
import { type BundleFiles, UnusableBundle } from "./files.js";
import { type ResultRecord, type RunJson, toResultRecord } from "./model.js";
import { inBundle, writeDataToScratch } from "./scratch-copy.js";
import { verifyBundle } from "./verify.js";

export interface Difference {
  control: string;
  what: string;
  recorded: string;
  reperformed: string;
}

export interface ReperformReport {
  source: string;
  reproduced: boolean;
  controls: number;
  findings: number;
  differences: Difference[];
  /** Integrity of the bundle as `verify` sees it (with the embedded key only). */
  integrity: { ok: boolean; problems: number };
  evaluatedAt: string;
}

export interface ReperformOptions {
  /** AWS runtime options the original run used (regions, org, role…), parsed from its command line. */
  aws?: Omit<AwsRuntimeOptions, "recorder" | "replay">;
  /** Provider runtimes the original run used (GCP), built from its command line. */
  runtimeFactories?: ExecuteRunOptions["runtimeFactories"];
  /** Samples drawn from this bundle (`sample … --json` files): each is re-drawn and compared. */
  samples?: SampleDocument[];
}

export async function reperformBundle(b: BundleFiles, opts: ReperformOptions = {}): Promise<ReperformReport> {
  const runFile = b.files.get("data/run.json");
  const docFile = b.files.get("data/results.json");
  if (!runFile || !docFile)
    throw new UnusableBundle(`${b.source}: data/run.json or data/results.json is missing`);
  let run: RunJson;
  let doc: ResultsDocument;
  try {
    run = JSON.parse(runFile.toString("utf8")) as RunJson;
    doc = JSON.parse(docFile.toString("utf8")) as ResultsDocument;
  } catch (e) {
    throw new UnusableBundle(
      `${b.source}: run.json or results.json is not valid JSON: ${(e as Error).message}`,
    );
  }
  const recorded = new Map<string, ResultRecord>();
  for (const c of doc.controls) {
    const f = b.files.get(`data/results/${c.id}.json`);
    if (!f) throw new UnusableBundle(`${b.source}: data/results/${c.id}.json is missing`);
    recorded.set(c.id, JSON.parse(f.toString("utf8")) as ResultRecord);
  }
  if (![...b.files.keys()].some((p) => p.startsWith("data/controls/")))
    throw new UnusableBundle(`${b.source}: no control definitions under data/controls/`);
  const integrity = verifyBundle(b);

  const waiversFile = b.files.get("data/waivers.yaml");
  // The bundle's own waivers, re-applied at the bundle's evaluation time (an expiry since then changes nothing).
  const waivers = waiversFile
    ? parseWaivers(run.waivers?.file ?? "waivers.yaml", waiversFile.toString("utf8"))
    : undefined;
  // On disk, so a .tar.gz and a directory re-perform alike.
  const dir = writeDataToScratch(b.files, "itgc-reperform-");
  let outcome: RunOutcome;
  try {
    outcome = await executeRun({
      controlPaths: [join(dir, "data", "controls")],
      filter: {},
      overrides: run.params?.overrides ?? {},
      replayDir: dir,
      now: new Date(run.evaluatedAt),
      aws: { ...opts.aws, homeRegion: run.homeRegion ?? opts.aws?.homeRegion },
      runtimeFactories: opts.runtimeFactories,
      command: ["reperform", b.source],
      ...(waivers ? { waivers } : {}),
    });
  } catch (e) {
    throw inBundle(e, dir, b.source);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const differences = [...compare(recorded, outcome), ...compareSamples(opts.samples ?? [], outcome)];
  return {
    source: b.source,
    reproduced: differences.length === 0,
    controls: recorded.size,
    findings: [...recorded.values()].reduce((n, r) => n + r.findings.length, 0),
    differences,
    integrity: { ok: integrity.ok, problems: integrity.problems.length },
    evaluatedAt: run.evaluatedAt,
  };
}

function compare(recorded: Map<string, ResultRecord>, outcome: RunOutcome): Difference[] {
  const diffs: Difference[] = [];
  const again = new Map(outcome.results.map((r) => [r.id, r]));
  for (const [id, r] of recorded) {
    const n = again.get(id);
    if (!n) {
      diffs.push({ control: id, what: "control", recorded: r.status, reperformed: "(not evaluated)" });
      continue;
    }
    const d = (what: string, a: unknown, b: unknown) => {
      if (String(a) !== String(b))
        diffs.push({ control: id, what, recorded: String(a), reperformed: String(b) });
    };
    d("status", r.status, n.status);
    d("population", r.population, n.population);
    d("exceptions", r.exceptions, n.exceptions);
    // The population itself, item by item (what a sample is drawn from), not only its size.
    d(
      "population sha256",
      populationHash(populationOf(r, "population")),
      populationHash(populationOf(toResultRecord(n), "population")),
    );
    const key = (f: { resource: string; account: string; region: string }) =>
      `${f.resource} [${f.account}/${f.region}]`;
    const tally = (fs: { resource: string; account: string; region: string; status: string }[]) => {
      const m = new Map<string, string[]>();
      for (const f of fs) m.set(key(f), [...(m.get(key(f)) ?? []), f.status]);
      return m;
    };
    const a = tally(r.findings);
    const b = tally(n.findings);
    for (const k of [...new Set([...a.keys(), ...b.keys()])].sort()) {
      const sa = (a.get(k) ?? []).sort().join(",") || "(absent)";
      const sb = (b.get(k) ?? []).sort().join(",") || "(absent)";
      if (sa !== sb) diffs.push({ control: id, what: `finding ${k}`, recorded: sa, reperformed: sb });
    }
  }
  for (const id of again.keys())
    if (!recorded.has(id))
      diffs.push({
        control: id,
        what: "control",
        recorded: "(not in bundle)",
        reperformed: again.get(id)!.status,
      });
  return diffs;
}

/** Each sample re-drawn from the re-performed population with its seed and size: same hash, same items. */
function compareSamples(samples: SampleDocument[], outcome: RunOutcome): Difference[] {
  const diffs: Difference[] = [];
  const again = new Map(outcome.results.map((r) => [r.id, r]));
  for (const s of samples) {
    const r = again.get(s.control.id);
    if (!r) {
      diffs.push({
        control: s.control.id,
        what: "sample",
        recorded: `${s.size} items`,
        reperformed: "(not evaluated)",
      });
      continue;
    }
    const entries = populationOf(toResultRecord(r), s.of);
    const redrawn = drawSample(entries, s.size, s.seed);
    if (redrawn.populationHash !== s.populationHash)
      diffs.push({
        control: s.control.id,
        what: "sample population sha256",
        recorded: s.populationHash,
        reperformed: redrawn.populationHash,
      });
    const a = s.items.map((i) => `${i.position}:${i.resource}`).join(",");
    const b = redrawn.entries.map((e, i) => `${redrawn.positions[i]}:${e.resource}`).join(",");
    if (a !== b) diffs.push({ control: s.control.id, what: "sample items", recorded: a, reperformed: b });
  }
  return diffs;
}

export function renderReperformReport(r: ReperformReport): string {
  const lines: string[] = [];
  if (!r.integrity.ok)
    lines.push(
      `WARNING: the bundle does not verify (${r.integrity.problems} problem(s); run \`itgc-validate verify\`). The re-performance below only shows what these files produce.`,
    );
  if (r.reproduced) {
    lines.push(
      `REPRODUCED  ${r.source}: all ${r.controls} control verdicts and ${r.findings} findings re-performed identically from the bundle's raw responses, control definitions and parameters (evaluated at ${r.evaluatedAt}).`,
    );
  } else {
    lines.push(`DIFFERENCES  ${r.source}: ${r.differences.length} verdict(s) not reproduced:`);
    for (const d of r.differences)
      lines.push(`  ${d.control}: ${d.what}: recorded ${d.recorded}, re-performed ${d.reperformed}`);
  }
  return `${lines.join("\n")}\n`;
}
