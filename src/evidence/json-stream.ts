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

/**
 * A value already in its compact JSON text (`JSON.stringify(value)`, e.g. a population row read back from
 * its scratch file): written as `JSON.stringify(value, null, 2)` would write it, by re-laying the text out
 * (`prettyJson`) instead of parsing it and serialising it again. Anything else that meets it serialises
 * the parsed value (`toJSON`), so its text is the same either way.
 */
export class RawJson {
  constructor(readonly text: string) {}
  toJSON(): unknown {
    return JSON.parse(this.text);
  }
}

type Json = unknown;

/** What JSON.stringify does to a value before serialising it: `toJSON(key)` if it has one. */
function prepared(value: Json, key: string): Json {
  if (value instanceof RawJson) return value; // written from its text (pieces)
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

/** A value `pieces` writes as one `whole` piece (prepared, not omitted). */
function isSmall(v: Json): boolean {
  if (v === null || typeof v !== "object") return true;
  if (v instanceof RawJson || v instanceof LazyArray || Array.isArray(v)) return false;
  return !isLarge(v, 3);
}

function* pieces(v: Json, indent: string): Generator<string> {
  if (v instanceof RawJson) {
    yield prettyJson(v.text, indent);
    return;
  }
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

/**
 * `JSON.stringify(JSON.parse(compact), null, 2)`, indented to start at `indent`, from the text alone:
 * `compact` is JSON.stringify output (no whitespace outside strings), so the pretty text is the same tokens
 * with a line break after every `{`, `[` and `,` that does not close an empty one, before every `}` and `]`,
 * and a space after every `:` — strings copied as they are (their escapes are JSON.stringify's either way).
 */
export function prettyJson(compact: string, indent = ""): string {
  return prettyAscii(compact, indent) ?? prettyText(compact, indent);
}

/** Bytes of the ASCII path: the compact text, and the pretty text laid out (grown as needed, kept). */
let compactBytes: Buffer = Buffer.allocUnsafe(1 << 16);
let prettyBytes: Buffer = Buffer.allocUnsafe(1 << 17);

/**
 * `prettyText` for ASCII text whose indent is spaces (every population row of the bench, most real ones):
 * the text copied byte by byte into a buffer with the layout's line breaks and spaces, read back as one
 * flat string. The text path's slice and concatenation per token made a tree of ≈ 200 small strings per
 * row, and copying that tree into one string (to scrub it) cost as much again. Undefined for anything else.
 */
function prettyAscii(compact: string, indent: string): string | undefined {
  const n = compact.length;
  if (compactBytes.length < 3 * n) compactBytes = Buffer.allocUnsafe(3 * n + (1 << 16));
  // As many bytes as characters: every character is ASCII (UTF-8 writes anything else in 2 or more).
  if (compactBytes.write(compact, "utf8") !== n || !SPACES.test(indent)) return undefined;
  const src = compactBytes;
  let out = prettyBytes;
  const base = indent.length;
  let o = 0;
  let depth = 0;
  // Room is made before each character that adds to the layout, for that addition and the rest of the text
  // copied as it is (a write past a buffer's end would be dropped silently); in between, the text is
  // copied one byte per byte.
  out = withRoom(out, o, n + 4 + base);
  for (let i = 0; i < n; i++) {
    const c = src[i]!;
    if (c > 34 && c !== 44 && c !== 58 && c !== 91 && c !== 93 && c !== 123 && c !== 125) {
      out[o++] = c;
      continue;
    }
    if (c === 34 /* " */) {
      // A string, copied to its closing quote (an escape's next character is copied with it).
      out[o++] = c;
      for (i++; i < n; i++) {
        const x = src[i]!;
        out[o++] = x;
        if (x === 92 /* \ */) out[o++] = src[++i]!;
        else if (x === 34) break;
      }
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      out = withRoom(out, o, o + (n - i) + 4 + base + 2 * depth);
      const next = i + 1 < n ? src[i + 1] : -1;
      out[o++] = c;
      if (next === 125 /* } */ || next === 93 /* ] */) {
        out[o++] = next; // {} and [] stay as they are
        i++;
        continue;
      }
      depth++;
      o = lineBreak(out, o, base + 2 * depth);
    } else if (c === 125 || c === 93) {
      out = withRoom(out, o, o + (n - i) + 4 + base + 2 * depth);
      depth--;
      o = lineBreak(out, o, base + 2 * depth);
      out[o++] = c;
    } else if (c === 44 /* , */) {
      out = withRoom(out, o, o + (n - i) + 4 + base + 2 * depth);
      out[o++] = c;
      o = lineBreak(out, o, base + 2 * depth);
    } else if (c === 58 /* : */) {
      out = withRoom(out, o, o + (n - i) + 4 + base + 2 * depth);
      out[o++] = c;
      out[o++] = 32;
    } else out[o++] = c;
  }
  return out.toString("latin1", 0, o);
}

const SPACES = /^ *$/;

/** `out`, or a copy of its first `used` bytes in a buffer of at least `need` (kept for the next rows). */
function withRoom(out: Buffer, used: number, need: number): Buffer {
  if (need <= out.length) return out;
  const grown = Buffer.allocUnsafe(2 * need);
  out.copy(grown, 0, 0, used);
  prettyBytes = grown;
  return grown;
}

/** Writes "\n" and `spaces` spaces at `o`; the offset after them. */
function lineBreak(out: Buffer, o: number, spaces: number): number {
  out[o++] = 10;
  for (let k = 0; k < spaces; k++) out[o++] = 32;
  return o;
}

/** `prettyJson` for any text: the tokens sliced out of it, with the layout's breaks between them. */
function prettyText(compact: string, indent: string): string {
  const breaks: string[] = [];
  const nl = (depth: number) => {
    breaks[depth] ??= `\n${indent}${INDENT.repeat(depth)}`;
    return breaks[depth]!;
  };
  let out = "";
  let depth = 0;
  let last = 0;
  const n = compact.length;
  for (let i = 0; i < n; i++) {
    const c = compact.charCodeAt(i);
    if (c === 34 /* " */) {
      // To the closing quote: the next quote not escaped (preceded by an even number of backslashes).
      let j = compact.indexOf('"', i + 1);
      for (;;) {
        let k = j - 1;
        while (compact.charCodeAt(k) === 92 /* \ */) k--;
        if ((j - 1 - k) % 2 === 0) break;
        j = compact.indexOf('"', j + 1);
      }
      i = j;
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      const next = compact.charCodeAt(i + 1);
      if (next === 125 /* } */ || next === 93 /* ] */) {
        i++; // {} and [] stay as they are
        continue;
      }
      depth++;
      out += compact.slice(last, i + 1) + nl(depth);
      last = i + 1;
    } else if (c === 125 || c === 93) {
      depth--;
      out += compact.slice(last, i) + nl(depth);
      last = i;
    } else if (c === 44 /* , */) {
      out += compact.slice(last, i + 1) + nl(depth);
      last = i + 1;
    } else if (c === 58 /* : */) {
      out += `${compact.slice(last, i + 1)} `;
      last = i + 1;
    }
  }
  return out + compact.slice(last);
}

/** Small elements of an array serialised by one JSON.stringify call (see arrayPieces). */
const BATCH = 64;

function* arrayPieces(a: Iterable<Json> & { length: number }, indent: string): Generator<string> {
  if (a.length === 0) {
    yield "[]";
    return;
  }
  const inner = indent + INDENT;
  const open = `[\n${inner}`;
  const next = `,\n${inner}`;
  // Plain small elements (a population's findings) are serialised BATCH at a time: JSON.stringify of an
  // array of them, its brackets cut off, is their text one level in — each element's lines as `whole`
  // would lay them out, joined by `,\n` and the array's indent — so one call and one re-indent per batch,
  // not per element. Only values that hold no toJSON of their own (they would be called with the batch's
  // index as key, not the array's) and that `pieces` writes whole are batched.
  const batch: Json[] = [];
  let i = 0;
  let written = 0;
  const flush = () => {
    const text = JSON.stringify(batch, null, 2);
    const body = text.slice(2 + INDENT.length, -2); // "[\n  " … "\n]"
    const piece = (written === 0 ? open : next) + (indent === "" ? body : body.replace(/\n/g, `\n${indent}`));
    written += batch.length;
    batch.length = 0;
    return piece;
  };
  for (const raw of a) {
    if (raw instanceof RawJson) {
      // A stored row: one piece with its separator, without a generator of its own.
      if (batch.length > 0) yield flush();
      yield (written === 0 ? open : next) + prettyJson(raw.text, inner);
      written++;
    } else {
      const e = prepared(raw, String(i));
      if (e === raw && plain(e) && isSmall(e)) {
        batch.push(e);
        if (batch.length === BATCH) yield flush();
      } else {
        if (batch.length > 0) yield flush();
        const sep = written === 0 ? open : next;
        if (omitted(e)) yield `${sep}null`;
        else if (isSmall(e)) yield sep + whole(e, inner);
        else {
          yield sep;
          yield* pieces(e, inner);
        }
        written++;
      }
    }
    i++;
  }
  if (batch.length > 0) yield flush();
  yield `\n${indent}]`;
}

/** A value JSON.stringify writes as it is: a string, a finite or non-finite number, a boolean, null, or an object without toJSON. */
function plain(v: Json): boolean {
  switch (typeof v) {
    case "string":
    case "number":
    case "boolean":
      return true;
    case "object":
      return v === null || typeof (v as { toJSON?: unknown }).toJSON !== "function";
    default:
      return false;
  }
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
  // The common record (a row or finding parsed back from its scratch file) is its own JSON copy's top level:
  // returned as it is, without a copy per row (≈ 3.6 s of the bundle phase at events-org-50x4).
  if (Object.getPrototypeOf(record) === Object.prototype && keptAsIs(record)) return record;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(record)) {
    const v = prepared((record as Record<string, unknown>)[k], k);
    if (omitted(v)) continue;
    out[k] = typeof v === "number" && !Number.isFinite(v) ? null : v;
  }
  return out as T;
}

/**
 * Whether every own value of a plain record is what its JSON copy's top level holds (and every key is
 * there): null, a string, a boolean, a finite number, or an object without `toJSON` (nested values are
 * kept as they are either way). Anything else — undefined, a Date, a non-finite number, a BigInt (which
 * must still throw) — takes the copy.
 */
function keptAsIs(record: object): boolean {
  for (const k of Object.keys(record)) {
    const v = (record as Record<string, unknown>)[k];
    if (v === null) continue;
    switch (typeof v) {
      case "string":
      case "boolean":
        continue;
      case "number":
        if (Number.isFinite(v)) continue;
        return false;
      case "object":
        if (typeof (v as { toJSON?: unknown }).toJSON === "function") return false;
        continue;
      default:
        return false;
    }
  }
  return true;
}

/** The keys `jsonTopLevel(record)` has, without making it. */
export function* jsonTopLevelKeys(record: object): Generator<string> {
  for (const k of Object.keys(record)) if (inJsonCopy(record, k)) yield k;
}

/**
 * Adds the keys `jsonTopLevel(record)` has to `keys`, in their order (the union of a population's rows'
 * keys, the CSV's columns): `for (const k of jsonTopLevelKeys(record)) keys.add(k)`, without a generator,
 * and without looking at the value of a key already there — a population's rows mostly share their keys,
 * so a row costs one lookup per key (the generator was ≈ 3 s of the main thread at events-org-50x4,
 * docs/performance.md round 9).
 */
export function addJsonTopLevelKeys(record: object, keys: Set<string>): void {
  for (const k of Object.keys(record)) if (!keys.has(k) && inJsonCopy(record, k)) keys.add(k);
}

/** Whether `record[k]` is in the record's JSON copy. */
function inJsonCopy(record: object, k: string): boolean {
  const v = (record as Record<string, unknown>)[k];
  // The common values are kept as they are, a Date as its ISO string (or null): no toJSON call to tell.
  if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") return true;
  if (v instanceof Date && v.toJSON === Date.prototype.toJSON) return true;
  return !omitted(prepared(v, k));
}
