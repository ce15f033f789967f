/**
 * `itgc-validate sample`: draw the sample of one control from an evidence bundle and render it as the
 * workpaper's CSV and JSON. Everything in the output comes from the bundle and the arguments — no clock, no
 * machine-specific value — so the files are byte-identical wherever they are produced.
 */
import { stringify } from "csv-stringify/sync";
import type { ControlFrequency } from "../core/types.js";
import type { BundleFiles } from "../evidence/files.js";
import { UnusableBundle } from "../evidence/files.js";
import type { ResultRecord, RunJson } from "../evidence/model.js";
import { safeName } from "../recording/format.js";
import { canonicalJson } from "../util/canonical-json.js";
import { defaultSeed, drawSample, type PopulationEntry, populationOf, type Sample } from "./draw.js";
import { SIZE_TABLE_SOURCE, type SizeDecision, sampleSize } from "./size-table.js";

export interface SampleRequest {
  control: string;
  size?: number;
  seed?: string;
  of: "population" | "exceptions";
  /** Overrides the control's frequency (for controls that declare none). */
  frequency?: ControlFrequency;
}

export interface SampleDocument {
  format: "itgc-validate/sample@1";
  bundle: { runId: string; evaluatedAt: string; period?: RunJson["period"] };
  control: { id: string; title: string; frequency: ControlFrequency | null };
  of: "population" | "exceptions";
  method: string;
  seed: string;
  seedSource: "argument" | "default: first 16 hex of SHA-256(run id NUL control id)";
  populationSize: number;
  populationHash: string;
  size: number;
  sizeBasis: string;
  sizeTableSource: string;
  items: (PopulationEntry & { sample: number; position: number })[];
}

/** Columns the tester fills in. */
export const TESTER_COLUMNS = [
  "ticket_reference",
  "approval_evidence",
  "attribute_tested",
  "tested_by",
  "tested_on",
  "conclusion",
  "notes",
];

export function sampleFromBundle(files: BundleFiles, req: SampleRequest): SampleDocument {
  const runFile = files.files.get("data/run.json");
  if (!runFile) throw new UnusableBundle(`${files.source}: data/run.json is missing`);
  const run = JSON.parse(runFile.toString("utf8")) as RunJson;
  const resultFile = files.files.get(`data/results/${safeName(req.control)}.json`);
  if (!resultFile)
    throw new UnusableBundle(
      `${files.source}: no result for control ${req.control} (data/results/${safeName(req.control)}.json)`,
    );
  const record = JSON.parse(resultFile.toString("utf8")) as ResultRecord;
  const frequency = req.frequency ?? frequencyOf(files, req.control);
  const entries = populationOf(record, req.of);
  const decision: SizeDecision = sampleSize(entries.length, frequency ?? undefined, req.size);
  const seed = req.seed ?? defaultSeed(run.id, req.control);
  const sample: Sample = drawSample(entries, decision.size, seed);
  return {
    format: "itgc-validate/sample@1",
    bundle: { runId: run.id, evaluatedAt: run.evaluatedAt, ...(run.period ? { period: run.period } : {}) },
    control: { id: record.id, title: record.title, frequency: frequency ?? null },
    of: req.of,
    method: sample.method,
    seed,
    seedSource:
      req.seed !== undefined ? "argument" : "default: first 16 hex of SHA-256(run id NUL control id)",
    populationSize: sample.populationSize,
    populationHash: sample.populationHash,
    size: sample.entries.length,
    sizeBasis: decision.basis,
    sizeTableSource: SIZE_TABLE_SOURCE,
    items: sample.entries.map((e, i) => ({ sample: i + 1, position: sample.positions[i]!, ...e })),
  };
}

/** The control's `frequency`, from its definition in the bundle (data/controls/<id>.yaml). */
function frequencyOf(files: BundleFiles, id: string): ControlFrequency | null {
  for (const [path, data] of files.files) {
    if (!path.startsWith("data/controls/")) continue;
    const text = data.toString("utf8");
    if (!new RegExp(`^id:\\s*${id.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s*$`, "m").test(text)) continue;
    const m = /^frequency:\s*([a-z]+)\s*$/m.exec(text);
    return (m?.[1] as ControlFrequency | undefined) ?? null;
  }
  return null;
}

export function sampleCsv(doc: SampleDocument): string {
  const header = [
    "sample",
    "population_position",
    "resource",
    "account",
    "region",
    "automated_status",
    "automated_message",
    "item",
    ...TESTER_COLUMNS,
  ];
  const rows = doc.items.map((e) => [
    e.sample,
    e.position,
    e.resource,
    e.account,
    e.region,
    e.status,
    e.message ?? "",
    canonicalJson(e.item),
    ...TESTER_COLUMNS.map(() => ""),
  ]);
  const meta = [
    ["# control", doc.control.id],
    ["# of", doc.of],
    ["# method", doc.method],
    ["# seed", doc.seed],
    ["# population size", doc.populationSize],
    ["# population sha256", doc.populationHash],
    ["# sample size", `${doc.size} (${doc.sizeBasis})`],
    ["# run id", doc.bundle.runId],
  ];
  return stringify([...meta, header, ...rows], { record_delimiter: "\n" });
}

export function sampleJson(doc: SampleDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
