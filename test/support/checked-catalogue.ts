/**
 * The checked catalogue in a test worker. The built CLI trusts the record `npm run build` makes of the
 * bundled control files that pass every per-file check (src/controls/checked-catalogue.ts), so a run does
 * not parse, schema-check and type-check 120 files again. Tests run from src/, where there is no record, and
 * so every `executeRun` of a test (≈ 300 in the control tests alone) did all of that again — most of a control
 * test's CPU. vitest.config.ts points the loader's import of checked-catalogue.js here: the same record,
 * made once per worker, on first use, by the checks the build runs (make-checked-catalogue.ts: every file
 * checked with nothing trusted, kept when its id is unique and it has no problem). As in the shipped CLI, a
 * file whose text is not in it — an edited copy, a test's own control — is checked in full, and a test that
 * asks for `catalogue: null` or its own catalogue gets exactly that.
 */
import { type CheckedCatalogue, textDigest } from "../../src/controls/checked-catalogue.js";
import { loadControls } from "../../src/controls/loader.js";
import { semanticProblems } from "../../src/controls/validate.js";

export * from "../../src/controls/checked-catalogue.js";

let record: Map<string, unknown> | undefined;

/** The bundled files that pass every per-file check, by digest of their text (make-checked-catalogue.ts). */
function makeRecord(): Map<string, unknown> {
  const loaded = loadControls(undefined, { catalogue: null });
  const perId = new Map<string, number>();
  for (const c of loaded.controls) perId.set(c.id, (perId.get(c.id) ?? 0) + 1);
  const passed = loaded.controls
    .filter((c) => perId.get(c.id) === 1)
    .filter((c) => semanticProblems(c, loaded.sources.get(c.id)).length === 0);
  return new Map(passed.map((c) => [textDigest(c.source.text), loaded.sources.get(c.id)?.value]));
}

export function loadCheckedCatalogue(): CheckedCatalogue | undefined {
  record ??= makeRecord();
  const files = record;
  return { valueOf: (digest) => (files.has(digest) ? structuredClone(files.get(digest)) : undefined) };
}
