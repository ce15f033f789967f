/**
 * A results document (`run --json`, `merge` of a sharded run) as the reporters' model, so `report` renders
 * it like a bundle. A results document carries no signature, control definitions or evidence files: the
 * report says so, and points at the shards' own bundles for those.
 */

import type { ControlResult } from "../core/types.js";
import type { RunOutcome } from "../engine/execute-run.js";
import type { BundleModel, ControlText, SigningStatus } from "../evidence/model.js";
import { toResultRecord } from "../evidence/model.js";
import { buildRunJson } from "../evidence/write-bundle.js";
import type { ResultsDocument } from "./results-document.js";

const NOT_A_BUNDLE: SigningStatus = {
  signed: false,
  statement:
    "This report was rendered from a results document (e.g. merged from the shards of a run), not from a " +
    "signed evidence bundle: verify each shard's own bundle for the signature and the raw evidence.",
};

export function modelFromDocument(document: ResultsDocument, source: string): BundleModel {
  // buildRunJson reads only the outcome's document.
  const run = buildRunJson({ document } as RunOutcome, NOT_A_BUNDLE, undefined);
  const results = document.controls.map((c) => toResultRecord({ items: [], ...c } as ControlResult));
  const controls: ControlText[] = results.map((r) => ({
    id: r.id,
    title: r.title,
    objective: "(see the control definition in each shard's bundle)",
    procedure: "(see the control definition in each shard's bundle)",
    remediation: "",
    file: `data/controls/${r.id}.yaml`,
  }));
  return { name: source, run, document, results, controls, signing: NOT_A_BUNDLE, files: [] };
}
