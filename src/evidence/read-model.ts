/** Reads a bundle's payload back into the reporters' model (`itgc-validate report`, `reperform`). */
import type { CsvContext } from "../report/csv.js";
import type { ResultsDocument } from "../report/results-document.js";
import { sha256Hex } from "./bagit.js";
import type { BundleFiles } from "./files.js";
import { UnusableBundle } from "./files.js";
import {
  type BundleModel,
  type ControlText,
  controlText,
  type EvidenceFile,
  type ResultRecord,
  type RunJson,
  toResultRecord,
} from "./model.js";

function readJson<T>(b: BundleFiles, path: string): T {
  const data = b.files.get(path);
  if (!data) throw new UnusableBundle(`${b.source}: ${path} is missing`);
  try {
    return JSON.parse(data.toString("utf8")) as T;
  } catch (e) {
    throw new UnusableBundle(`${b.source}: ${path} is not valid JSON: ${(e as Error).message}`);
  }
}

/** The model as it was when `report` was rendered: `upTo` excludes files written after it (and itself). */
export function readModel(b: BundleFiles, upTo?: "oscal" | "html"): BundleModel {
  const run = readJson<RunJson>(b, "data/run.json");
  const document = readJson<ResultsDocument>(b, "data/results.json");
  const results: ResultRecord[] = document.controls.map((c) => {
    const r = readJson<ResultRecord>(b, `data/results/${c.id}.json`);
    return r.conclusion ? r : toResultRecord(r);
  });
  const controls: ControlText[] = [];
  for (const [path, data] of b.files) {
    const m = /^data\/controls\/(.+)\.ya?ml$/.exec(path);
    if (!m) continue;
    const text = data.toString("utf8");
    const idLine = /^id:\s*["']?([^"'\s#]+)/m.exec(text);
    controls.push(controlText(idLine?.[1] ?? m[1]!, text, path));
  }
  controls.sort((a, b2) => a.id.localeCompare(b2.id));
  const exclude = new Set<string>();
  if (upTo === "oscal") exclude.add("data/oscal/assessment-results.json").add("data/report.html");
  if (upTo === "html") exclude.add("data/report.html");
  const files: EvidenceFile[] = [...b.files]
    .filter(([p]) => p.startsWith("data/") && !exclude.has(p))
    .map(([path, data]) => ({ path, sha256: sha256Hex(data), size: data.length }))
    .sort((a, b2) => (a.path < b2.path ? -1 : 1));
  const name =
    b.files
      .get("bag-info.txt")
      ?.toString("utf8")
      .match(/^External-Identifier:\s*(.+)$/m)?.[1] ?? b.name;
  return { name, run, document, results, controls, signing: run.evidence.signing, files };
}

/** The run id, evaluation time and remediation texts every CSV row of a bundle carries. */
export function csvContextOf(
  run: { id: string; evaluatedAt: string },
  controls: ControlText[],
  bom = false,
): CsvContext {
  return {
    runId: run.id,
    evaluatedAt: run.evaluatedAt,
    remediation: new Map(controls.map((c) => [c.id, c.remediation])),
    bom,
  };
}
