/**
 * The parsed CEL expressions of the bundled controls, kept by `npm run build` (make-checked-catalogue.ts)
 * beside the checked catalogue, so a run takes each AST from there instead of parsing its text again.
 *
 * Why: @bufbuild/cel's parser is the slowest step of preparing a control (≈ 0.4 ms an expression; a warm
 * demo's 204 distinct expressions took ≈ 75–95 ms of its CPU, docs/performance.md round 10), and for the
 * same text with the same parser the AST is always the same. Reading them back (`v8.deserialize`, one
 * expression at a time, on first use) takes ≈ 11 ms for all 204.
 *
 * What keeps it exact:
 * - An entry is the V8 serialisation of what `parse(text)` returned; the build keeps it only when
 *   deserialising it gives a value deep-strictly equal to a fresh parse (prototypes, bigint ids and all), so
 *   the reader gets exactly what the parser would have given.
 * - The record carries a key: V8's version (its serialisation format), the versions of @bufbuild/cel and
 *   @bufbuild/protobuf (the parser and its message shapes) and the text of this module and parse-cache.js.
 *   Any difference, a missing or unreadable file (tests run from src/, where there is none) → no record,
 *   and every expression is parsed as before. Nothing is taken from an entry but the AST of its own text.
 * - Parse errors are never recorded: an expression that does not parse is parsed (and fails) every time.
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { deserialize, serialize } from "node:v8";

/** Next to this module: dist/cel/ after a build (nothing under src/). */
export const STORE_FILE = new URL("./parsed-expressions.bin", import.meta.url);
const FORMAT = 1;
/**
 * The modules whose text decides what an entry means: this one and the cache that reads it, with this
 * module's own extension (dist/cel/*.js in the CLI, src/cel/*.ts in a test).
 */
const OWN_EXT = extname(fileURLToPath(import.meta.url));
const OWN_FILES = [import.meta.url, new URL(`./parse-cache${OWN_EXT}`, import.meta.url)];

interface StoreFile {
  format: number;
  key: string;
  /** Expression text → `v8.serialize(parse(text))`. */
  entries: Map<string, Uint8Array>;
}

/** The package.json text of an installed package (found above its resolved entry point). */
function packageJsonText(name: string): string {
  let dir = dirname(createRequire(import.meta.url).resolve(name));
  for (let i = 0; i < 6; i++) {
    try {
      const text = readFileSync(join(dir, "package.json"), "utf8");
      if ((JSON.parse(text) as { name?: string }).name === name) return text;
    } catch {
      // no package.json here: one level up
    }
    dir = dirname(dir);
  }
  throw new Error(`parsed-store: no package.json found for ${name}`);
}

/** What a record must have been made with to be used (see the module comment). */
export function storeKey(): string {
  const hash = createHash("sha256").update(process.versions.v8).update("\0");
  for (const name of ["@bufbuild/cel", "@bufbuild/protobuf"]) hash.update(packageJsonText(name)).update("\0");
  for (const f of OWN_FILES) hash.update(readFileSync(new URL(f))).update("\0");
  return hash.digest("hex");
}

/**
 * The recorded ASTs, or undefined (no record, another format or key, unreadable). `take(text)` returns a
 * fresh copy of the AST of that text, or undefined when it is not recorded.
 */
export function loadParsedStore(
  file: URL | string = STORE_FILE,
): { take(source: string): unknown } | undefined {
  let entries: Map<string, Uint8Array>;
  try {
    const record = deserialize(readFileSync(file)) as StoreFile;
    if (record.format !== FORMAT || !(record.entries instanceof Map)) return undefined;
    if (record.key !== storeKey()) return undefined;
    entries = record.entries;
  } catch {
    return undefined;
  }
  return {
    take(source) {
      const bytes = entries.get(source);
      return bytes === undefined ? undefined : deserialize(bytes);
    },
  };
}

/**
 * Writes the record (the build: make-checked-catalogue.ts) of these expressions' ASTs, `parse` being the
 * parser the cache uses. An expression that fails to parse, or whose AST cannot be serialised or does not come
 * back from its bytes deep-strictly equal, is left out (it is parsed at run time). Returns the number recorded.
 */
export function writeParsedStore(
  sources: Iterable<string>,
  parse: (source: string) => unknown,
  file: URL | string = STORE_FILE,
): number {
  const entries = new Map<string, Uint8Array>();
  for (const source of sources) {
    let bytes: Uint8Array;
    try {
      bytes = serialize(parse(source));
    } catch {
      continue; // does not parse, or holds what V8 cannot serialise
    }
    if (isDeepStrictEqual(deserialize(bytes), parse(source))) entries.set(source, bytes);
  }
  const record: StoreFile = { format: FORMAT, key: storeKey(), entries };
  writeFileSync(file, serialize(record));
  return entries.size;
}
