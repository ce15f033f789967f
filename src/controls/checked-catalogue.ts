/**
 * The checked catalogue: a record, made by `npm run build`, of the bundled control files that passed every
 * per-file check of this build — YAML bounds and parse, the JSON Schema, and the typed checks of validate.ts
 * (query, parameters, CEL) — keyed by the SHA-256 of each file's text, with the value its YAML parses to.
 *
 * Why: parsing 100+ control files with positions, compiling the schema and type-checking every CEL expression
 * is most of what `lint`, `controls list` and the start of every run spend (≈ 0.4 s of CPU on the 2-core
 * machine), and for an unchanged bundled file its outcome is already known. A file whose text is not in the
 * record (edited, added, or any file outside the bundle) goes through every check as before, and so does every
 * file when the record is absent (tests run from src/, where there is none) or was made with another control
 * schema or other checker code. Checks across files (id equals path, duplicate ids) and `--params` always run. The record
 * only holds files with no problem, so it can never hide one: a problem is always found by a real check.
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { CONTROL_SCHEMA_FILE } from "../util/paths.js";

/** Next to this module: dist/controls/ after a build (and nothing under src/). */
const RECORD_FILE = new URL("./checked-catalogue.json", import.meta.url);
const FORMAT = 1;

/**
 * What the checks are made of, besides the control file: the schema and the built checker modules. The record
 * holds their digest, so a record left by another build (or a `tsc` without the last build step) is ignored.
 */
const CHECKER_FILES = [
  CONTROL_SCHEMA_FILE,
  ...[
    "./checked-catalogue.js",
    "./loader.js",
    "./yaml-source.js",
    "./schema.js",
    "./validate.js",
    "./param-rules.js",
    "../cel/check.js",
    "../cel/expression.js",
    "../cel/parse-cache.js",
    "../cel/parsed-store.js",
    "../cel/references.js",
    "../cel/types.js",
    "../core/query.js",
    "../queries/declarations.js",
    "../queries/declarations.generated.js",
  ].map((f) => new URL(f, import.meta.url)),
];

function checkerDigest(): string {
  const hash = createHash("sha256");
  for (const f of CHECKER_FILES) hash.update(readFileSync(f)).update("\0");
  return hash.digest("hex");
}

interface RecordFile {
  format: number;
  /** Digest of the schema and the checker modules when the record was made (CHECKER_FILES). */
  schema: string;
  /** SHA-256 of a control file's text → the value its YAML parses to. */
  files: Record<string, unknown>;
}

export function textDigest(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export interface CheckedCatalogue {
  /** The parsed value of a file that passed every per-file check, or undefined. A fresh copy each call. */
  valueOf(digest: string): unknown;
}

/** The record of this build, or undefined (none, unreadable, another format or another schema). */
export function loadCheckedCatalogue(): CheckedCatalogue | undefined {
  let record: RecordFile;
  try {
    record = JSON.parse(readFileSync(RECORD_FILE, "utf8")) as RecordFile;
    if (record.format !== FORMAT) return undefined;
    if (record.schema !== checkerDigest()) return undefined;
  } catch {
    return undefined;
  }
  const files = new Map(Object.entries(record.files));
  return {
    valueOf: (digest) => (files.has(digest) ? structuredClone(files.get(digest)) : undefined),
  };
}

/**
 * Writes the record (called by the build, scripts/checked-catalogue.ts): `passed` are the texts and values of
 * files that passed every per-file check. A value that JSON cannot carry exactly (a non-finite number, -0) is
 * left out, so such a file is always checked.
 */
export function writeCheckedCatalogue(passed: { text: string; value: unknown }[]): number {
  const files: Record<string, unknown> = {};
  for (const { text, value } of passed) {
    if (isDeepStrictEqual(JSON.parse(JSON.stringify(value)), value)) files[textDigest(text)] = value;
  }
  const record: RecordFile = {
    format: FORMAT,
    schema: checkerDigest(),
    files,
  };
  writeFileSync(RECORD_FILE, `${JSON.stringify(record)}\n`);
  return Object.keys(files).length;
}
