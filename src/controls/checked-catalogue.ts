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
 *
 * It also holds the value of the demo's params file (`yaml`), which every demo reads: a text parseYaml
 * (yaml-source.ts) would read with no problem gets that value without the yaml package being loaded. The
 * same digest rules apply, and the params' own checks (engine/params.ts) still run on the value.
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
  /**
   * SHA-256 of another bundled YAML file's text (the demo's params) → its value, for a file that
   * yaml-source.ts's parseYaml reads with no problem: the bounds, the parse and the value, nothing else.
   */
  yaml?: Record<string, unknown>;
}

export function textDigest(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export interface CheckedCatalogue {
  /** The parsed value of a file that passed every per-file check, or undefined. A fresh copy each call. */
  valueOf(digest: string): unknown;
}

/** The record read once a process (null: none, unreadable, another format or another schema). */
let read: RecordFile | null | undefined;

function readRecord(): RecordFile | undefined {
  if (read === undefined) {
    try {
      const record = JSON.parse(readFileSync(RECORD_FILE, "utf8")) as RecordFile;
      read = record.format === FORMAT && record.schema === checkerDigest() ? record : null;
    } catch {
      read = null;
    }
  }
  return read ?? undefined;
}

/** The record of this build, or undefined (none, unreadable, another format or another schema). */
export function loadCheckedCatalogue(): CheckedCatalogue | undefined {
  const record = readRecord();
  if (!record) return undefined;
  const files = new Map(Object.entries(record.files));
  return {
    valueOf: (digest) => (files.has(digest) ? structuredClone(files.get(digest)) : undefined),
  };
}

/**
 * The value of a YAML text the record holds (the demo's params: `yaml` above), a fresh copy, or undefined.
 * yaml-source.ts's parseYaml asks before parsing.
 */
export function knownYamlValue(text: string): unknown {
  const yaml = readRecord()?.yaml;
  if (!yaml) return undefined;
  const digest = textDigest(text);
  return Object.hasOwn(yaml, digest) ? structuredClone(yaml[digest]) : undefined;
}

/** `{ digest: value }` of the texts whose value JSON carries exactly (see writeCheckedCatalogue). */
function exactValues(texts: { text: string; value: unknown }[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { text, value } of texts)
    if (isDeepStrictEqual(JSON.parse(JSON.stringify(value)), value)) out[textDigest(text)] = value;
  return out;
}

/**
 * Writes the record (called by the build, make-checked-catalogue.ts): `passed` are the texts and values of
 * control files that passed every per-file check, `yaml` those of other bundled YAML files that parse with no
 * problem. A value that JSON cannot carry exactly (a non-finite number, -0, a date) is left out, so such a
 * file is always checked (or parsed).
 */
export function writeCheckedCatalogue(
  passed: { text: string; value: unknown }[],
  yaml: { text: string; value: unknown }[] = [],
): number {
  const files = exactValues(passed);
  const record: RecordFile = {
    format: FORMAT,
    schema: checkerDigest(),
    files,
    yaml: exactValues(yaml),
  };
  writeFileSync(RECORD_FILE, `${JSON.stringify(record)}\n`);
  return Object.keys(files).length;
}
