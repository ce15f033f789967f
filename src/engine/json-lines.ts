/**
 * The JSON text of many records, one a line: each line exactly `JSON.stringify(record)`, made with one
 * `JSON.stringify` call per batch instead of one per record (issue 11: the population sink's serialisation
 * was the largest self time of the run's main thread).
 *
 * Why: in Node 20 (V8 11) a `JSON.stringify` call has a fixed cost that a population row of ≈ 1 kB pays
 * again and again — the more so when the row holds a Date (its `toJSON` is called from the serialiser): an
 * event row took ≈ 11 µs alone and ≈ 6 µs as an element of a 50-row array (docs/performance.md, round 11).
 *
 * How: the batch is serialised as one array with a separator element between the records,
 * `[r0,"<SEP>",r1,"<SEP>",r2]`; an array element is written exactly as `JSON.stringify` writes it alone,
 * so replacing each `,"<SEP>",` by a newline gives the lines. The separator starts with a NUL character and
 * holds a random nonce drawn when the process starts, so a record cannot carry it by chance; and the
 * separators are counted: a batch whose text holds any other copy (more replacements than records − 1) is
 * serialised record by record instead. The text is therefore the per-record text in every case.
 *
 * Only records that are plain objects (non-null, not arrays, no `toJSON` of their own) take the batch path:
 * `JSON.stringify` calls a record's own `toJSON` with its key, which differs between an array element ("0")
 * and a value alone (""); and an object's text starts with `{` and ends with `}`, so a separator's copy can
 * never overlap a real separator (which would hide it from the count).
 */
import { randomBytes } from "node:crypto";

const SEPARATOR = `\u0000itgc-line-${randomBytes(16).toString("hex")}`;
/** The separator element as it appears between two records in the array's text. */
const SEPARATOR_TEXT = `,${JSON.stringify(SEPARATOR)},`;

/** Records serialised by one `JSON.stringify` call (bounds the batch's text and its array). */
export const BATCH_RECORDS = 256;

/**
 * Each record's JSON text followed by a newline — the same text as `JSON.stringify(r) + "\n"` per record — of
 * records[from..to) (all of them by default).
 */
export function jsonLines(records: readonly unknown[], from = 0, to = records.length): string {
  let text = "";
  for (let i = from; i < to; i += BATCH_RECORDS)
    text += batchLines(records, i, Math.min(to, i + BATCH_RECORDS));
  return text;
}

function batchLines(records: readonly unknown[], from: number, to: number): string {
  const n = to - from;
  if (n === 1 || !allPlainObjects(records, from, to)) return oneByOne(records, from, to);
  const parts: unknown[] = new Array(2 * n - 1);
  for (let i = 0; i < n; i++) {
    parts[2 * i] = records[from + i];
    if (i > 0) parts[2 * i - 1] = SEPARATOR;
  }
  const text = JSON.stringify(parts);
  const lines = text.slice(1, -1).replaceAll(SEPARATOR_TEXT, "\n");
  // Each replacement shortens the text by SEPARATOR_TEXT.length − 1: exactly n − 1 means only ours.
  const replaced = (text.length - 2 - lines.length) / (SEPARATOR_TEXT.length - 1);
  if (replaced !== n - 1) return oneByOne(records, from, to);
  return `${lines}\n`;
}

function oneByOne(records: readonly unknown[], from: number, to: number): string {
  let text = "";
  for (let i = from; i < to; i++) text += `${JSON.stringify(records[i])}\n`;
  return text;
}

function allPlainObjects(records: readonly unknown[], from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const r = records[i];
    if (typeof r !== "object" || r === null || Array.isArray(r)) return false;
    if (typeof (r as { toJSON?: unknown }).toJSON === "function") return false;
  }
  return true;
}

/** @internal The separator (tests forge a record that carries it). */
export const SEPARATOR_FOR_TESTS = SEPARATOR;
