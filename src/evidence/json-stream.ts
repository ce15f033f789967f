/**
 * `JSON.stringify(value, null, 2)` as a sequence of pieces, so the bundle writer can hash and write a
 * document of 100,000 findings without ever holding its text (or a JSON copy of its objects) whole. The
 * pieces joined are exactly the text `JSON.stringify(value, null, 2)` returns (test/evidence/stream.test.ts
 * checks it over every shape the results use, and the golden bundle over real documents).
 *
 * Arrays are walked element by element; an object is walked key by key when it holds a large array (a
 * control's findings, the results document's controls), and stringified whole otherwise — a finding, a row
 * or a parameter report is small, and V8's native stringify is several times faster than walking it here.
 *
 * `lazyArray` gives an array whose elements are made as they are written (the OSCAL document's one resource
 * per evidence file): it exists only for this writer — `JSON.stringify` would not see its elements.
 */

const INDENT = "  ";
/** An array with more elements than this is "large": the object holding it is walked key by key. */
const LARGE_ARRAY = 64;

/** An array made element by element as it is written (never materialised). */
export class LazyArray<T> {
  constructor(
    readonly length: number,
    private readonly elements: () => Iterable<T>,
  ) {}
  [Symbol.iterator](): Iterator<T> {
    return this.elements()[Symbol.iterator]();
  }
}

export function lazyArray<T, U>(source: readonly T[], map: (t: T) => U): LazyArray<U> {
  return new LazyArray(source.length, function* () {
    for (const t of source) yield map(t);
  });
}

type Json = unknown;

/** What JSON.stringify does to a value before serialising it: `toJSON(key)` if it has one. */
function prepared(value: Json, key: string): Json {
  if (
    value !== null &&
    typeof value === "object" &&
    typeof (value as { toJSON?: unknown }).toJSON === "function"
  )
    return (value as { toJSON(k: string): unknown }).toJSON(key);
  if (typeof value === "bigint") throw new TypeError("Do not know how to serialize a BigInt");
  return value;
}

/** Values JSON.stringify leaves out of an object (and writes as null in an array). */
const omitted = (v: Json) => v === undefined || typeof v === "function" || typeof v === "symbol";

function isLarge(v: Json, depth: number): boolean {
  if (v instanceof LazyArray) return true;
  if (Array.isArray(v)) {
    if (v.length > LARGE_ARRAY) return true;
    if (depth === 0) return false;
    return v.some((e) => isLarge(e, depth - 1));
  }
  if (v === null || typeof v !== "object" || depth === 0) return false;
  for (const k in v)
    if (Object.hasOwn(v, k) && isLarge((v as Record<string, Json>)[k], depth - 1)) return true;
  return false;
}

/** `JSON.stringify(v, null, 2)` of a small value, indented to start at `indent`. */
function whole(v: Json, indent: string): string {
  const text = JSON.stringify(v, null, 2);
  // A raw newline in JSON text is always a line break of the layout (a string's newline is escaped).
  return indent === "" || !text.includes("\n") ? text : text.replace(/\n/g, `\n${indent}`);
}

/**
 * The pieces of `JSON.stringify(value, null, 2)`. Like it, a top-level value that serialises to nothing
 * (undefined, a function) yields nothing.
 */
export function* jsonPieces(value: Json): Generator<string> {
  const v = prepared(value, "");
  if (omitted(v)) return;
  yield* pieces(v, "");
}

function* pieces(v: Json, indent: string): Generator<string> {
  if (v instanceof LazyArray || Array.isArray(v)) {
    yield* arrayPieces(v as Iterable<Json> & { length: number }, indent);
    return;
  }
  if (v !== null && typeof v === "object" && isLarge(v, 3)) {
    yield* objectPieces(v as Record<string, Json>, indent);
    return;
  }
  yield whole(v, indent);
}

function* arrayPieces(a: Iterable<Json> & { length: number }, indent: string): Generator<string> {
  if (a.length === 0) {
    yield "[]";
    return;
  }
  const inner = indent + INDENT;
  let i = 0;
  for (const raw of a) {
    yield i === 0 ? `[\n${inner}` : `,\n${inner}`;
    const e = prepared(raw, String(i));
    if (omitted(e)) yield "null";
    else yield* pieces(e, inner);
    i++;
  }
  yield `\n${indent}]`;
}

function* objectPieces(o: Record<string, Json>, indent: string): Generator<string> {
  const inner = indent + INDENT;
  let first = true;
  for (const k of Object.keys(o)) {
    const e = prepared(o[k], k);
    if (omitted(e)) continue;
    yield `${first ? "{\n" : ",\n"}${inner}${JSON.stringify(k)}: `;
    yield* pieces(e, inner);
    first = false;
  }
  yield first ? "{}" : `\n${indent}}`;
}

/**
 * A flat record (a population row, a finding) as its JSON copy reads at its top level: `toJSON` applied
 * (a Date becomes its ISO string), a value JSON leaves out dropped, a non-finite number null; nested
 * objects are kept as they are (whoever reads them serialises them, with the same result). What the CSV and
 * HTML reporters read of a record is then what they would read of `JSON.parse(JSON.stringify(record))`,
 * without copying the record.
 */
export function jsonTopLevel<T extends object>(record: T): T {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(record)) {
    const v = prepared((record as Record<string, unknown>)[k], k);
    if (omitted(v)) continue;
    out[k] = typeof v === "number" && !Number.isFinite(v) ? null : v;
  }
  return out as T;
}

/** The keys `jsonTopLevel(record)` has, without making it. */
export function* jsonTopLevelKeys(record: object): Generator<string> {
  for (const k of Object.keys(record))
    if (!omitted(prepared((record as Record<string, unknown>)[k], k))) yield k;
}
