/**
 * YAML parsing that keeps source positions, so every problem in a control or params file can be reported
 * as file:line:column and the field it is about.
 *
 * Input is bounded before anything else looks at it, so no file can exhaust memory or the stack of lint or
 * run: its size (YAML_LIMITS.bytes), nesting depth, entries per mapping or sequence, alias nodes, and the
 * alias expansion the `yaml` package performs (its maxAliasCount, which stops "billion laughs" bombs).
 * Every violation is a problem with file:line:column, like any other input error.
 */
import type { Document, Node, Scalar } from "yaml";
import type { InputProblem } from "../core/errors.js";
import { knownYamlValue } from "./checked-catalogue.js";
// The yaml package (CommonJS) loads on the first parse, not with this module: a run or a listing whose control
// files are all in the checked catalogue (checked-catalogue.ts) parses none of them.
import { yaml } from "./yaml-package.js";

export const YAML_LIMITS = {
  /** Largest file accepted (a control is a few KB; the largest params file a few hundred). */
  bytes: 1024 * 1024,
  /** Deepest nesting of mappings and sequences (controls use 4). */
  depth: 32,
  /** Most entries in one mapping or sequence. */
  entries: 10_000,
  /** Most alias nodes (`*name`) in one file. */
  aliases: 50,
  /** The yaml package's limit on alias expansion (resolved alias nodes, relative to document size). */
  maxAliasCount: 100,
} as const;

/** YAML errors reported per file; the rest are counted. */
const MAX_REPORTED_ERRORS = 20;

export interface YamlSource {
  file: string;
  text: string;
  value: unknown;
  /** Position of the node at a JSON-pointer path; `key` gives the key's position instead of the value's. */
  locate(path: (string | number)[], key?: boolean): { line: number; column: number } | undefined;
  /**
   * Position of the character at `offset` in the string value at `path` (e.g. where in a `that:` a CEL
   * problem is), mapped through quotes and folded block scalars; falls back to the value's start.
   */
  locateIn(path: (string | number)[], offset: number): { line: number; column: number } | undefined;
}

export function parseYaml(file: string, text: string): { source?: YamlSource; problems: InputProblem[] } {
  // A bundled file the build parsed with no problem (the demo's params: checked-catalogue.ts) is not parsed
  // again, nor the yaml package loaded: its value is known; positions are parsed only if asked for.
  const known = knownYamlValue(text);
  if (known !== undefined) return { source: deferredYamlSource(file, text, known), problems: [] };
  return parseYamlUnrecorded(file, text);
}

/** parseYaml without the record: the text parsed and bounded (the build makes the record with it). */
export function parseYamlUnrecorded(
  file: string,
  text: string,
): { source?: YamlSource; problems: InputProblem[] } {
  if (text.length > YAML_LIMITS.bytes) {
    return {
      problems: [
        {
          file,
          line: 1,
          column: 1,
          message: `file is ${text.length} characters; the limit is ${YAML_LIMITS.bytes} (1 MiB)`,
        },
      ],
    };
  }
  const { LineCounter, parseDocument, isScalar } = yaml();
  const lineCounter = new LineCounter();
  const early = prescan(text);
  if (early) {
    let line = 1;
    let lineStart = 0;
    for (let i = text.indexOf("\n"); i >= 0 && i < early.offset; i = text.indexOf("\n", i + 1)) {
      line++;
      lineStart = i + 1;
    }
    return { problems: [{ file, line, column: early.offset - lineStart + 1, message: early.message }] };
  }
  let doc: Document.Parsed;
  try {
    // prettyErrors off: it formats context for every error (quadratic on a file with thousands of them);
    // positions come from the line counter, for the first few errors only.
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, logLevel: "error" });
  } catch (e) {
    // The yaml package reports its own stack exhaustion as an error; this is the last resort.
    return {
      problems: [{ file, line: 1, column: 1, message: `YAML: cannot be parsed (${(e as Error).message})` }],
    };
  }
  const problems: InputProblem[] = doc.errors.slice(0, MAX_REPORTED_ERRORS).map((e) => {
    const { line, col } = lineCounter.linePos(e.pos[0]);
    const first = e.message.split("\n")[0]?.replace(/ at line \d+, column \d+:?$/, "");
    const text =
      e.code === "RESOURCE_EXHAUSTION" ? `nested too deeply or too large to parse (${first})` : first;
    return { file, line, column: col, message: `YAML: ${text}` };
  });
  if (doc.errors.length > MAX_REPORTED_ERRORS) {
    const { line, col } = lineCounter.linePos(doc.errors[MAX_REPORTED_ERRORS]!.pos[0]);
    problems.push({
      file,
      line,
      column: col,
      message: `YAML: ${doc.errors.length - MAX_REPORTED_ERRORS} more errors not shown`,
    });
  }
  if (problems.length > 0) return { problems };
  const at = (offset: number | undefined) => {
    if (offset === undefined) return {};
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const bounds = boundProblems(doc.contents as Node | null);
  if (bounds) return { problems: [{ file, ...at(bounds.offset), message: bounds.message }] };
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: YAML_LIMITS.maxAliasCount });
  } catch (e) {
    const first = firstAlias(doc.contents as Node | null);
    return {
      problems: [
        {
          file,
          ...at(first),
          message: `YAML: aliases expand too much (${(e as Error).message}; limit ${YAML_LIMITS.maxAliasCount})`,
        },
      ],
    };
  }
  const locate = (path: (string | number)[], key = false) => {
    const node = findNode(doc.contents as Node | null, path, key);
    const offset = node?.range?.[0];
    if (offset === undefined) return undefined;
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const locateIn = (path: (string | number)[], offset: number) => {
    const node = findNode(doc.contents as Node | null, path, false);
    const start = node?.range?.[0];
    if (start === undefined) return undefined;
    const mapped = isScalar(node) ? offsetInScalar(text, node, offset) : undefined;
    const { line, col } = lineCounter.linePos(mapped ?? start);
    return { line, column: col };
  };
  return { source: { file, text, value, locate, locateIn }, problems: [] };
}

/**
 * A linear scan before the parser: flow nesting (`[[[[…`) deeper than the limit and more separators (lines,
 * commas) than any control or params file has. The yaml package handles both, but slowly (a stack
 * exhaustion, or one error per entry), so such input is refused here at the offending character. Quoted
 * scalars and comments are skipped; brackets inside block scalars count, which only matters past the limit.
 */
function prescan(text: string): { offset: number; message: string } | undefined {
  let depth = 0;
  let separators = 0;
  const maxSeparators = YAML_LIMITS.entries;
  let tokenStart = true;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\n" || c === ",") {
      if (++separators > maxSeparators) {
        return {
          offset: i,
          message: `YAML: more than ${maxSeparators} lines and entries; too large for this file`,
        };
      }
      tokenStart = true;
      continue;
    }
    if (c === "#" && tokenStart) {
      const end = text.indexOf("\n", i);
      if (end < 0) break;
      i = end - 1;
      continue;
    }
    if ((c === '"' || c === "'") && tokenStart) {
      // skip the quoted scalar (\" escapes in double quotes, '' in single quotes)
      for (i++; i < text.length; i++) {
        if (text[i] === "\n") separators++;
        if (c === '"' && text[i] === "\\") i++;
        else if (text[i] === c) {
          if (c === "'" && text[i + 1] === "'") i++;
          else break;
        }
      }
      tokenStart = false;
      continue;
    }
    if (c === "[" || c === "{") {
      if (++depth > YAML_LIMITS.depth) {
        return { offset: i, message: `YAML: nested more than ${YAML_LIMITS.depth} levels deep` };
      }
      tokenStart = true;
      continue;
    }
    if (c === "]" || c === "}") depth = Math.max(0, depth - 1);
    tokenStart = c === " " || c === "\t" || c === ":" || c === "-" || c === "?";
  }
  return undefined;
}

/** The first violation of YAML_LIMITS in the node tree (walked iteratively: no recursion on input depth). */
function boundProblems(root: Node | null): { offset?: number; message: string } | undefined {
  const { isAlias, isCollection, isMap, isPair } = yaml();
  let aliases = 0;
  const stack: { node: unknown; depth: number }[] = [{ node: root, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (!node) continue;
    if (isPair(node)) {
      if (isCollection(node.key)) {
        return {
          offset: (node.key as Node).range?.[0],
          message: "YAML: a mapping key must be a plain value, not a list or mapping",
        };
      }
      stack.push({ node: node.value, depth }, { node: node.key, depth });
      continue;
    }
    const offset = (node as Node).range?.[0];
    if (isAlias(node)) {
      aliases++;
      if (aliases > YAML_LIMITS.aliases) {
        return { offset, message: `YAML: more than ${YAML_LIMITS.aliases} aliases` };
      }
      continue;
    }
    if (!isCollection(node)) continue;
    if (depth + 1 > YAML_LIMITS.depth) {
      return { offset, message: `YAML: nested more than ${YAML_LIMITS.depth} levels deep` };
    }
    if (node.items.length > YAML_LIMITS.entries) {
      return {
        offset,
        message: `YAML: ${node.items.length} entries in one ${isMap(node) ? "mapping" : "sequence"}; the limit is ${YAML_LIMITS.entries}`,
      };
    }
    for (let i = node.items.length - 1; i >= 0; i--) stack.push({ node: node.items[i], depth: depth + 1 });
  }
  return undefined;
}

function firstAlias(root: Node | null): number | undefined {
  const { isAlias, isCollection, isPair } = yaml();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (!node) continue;
    if (isAlias(node)) return node.range?.[0];
    if (isPair(node)) stack.push(node.value, node.key);
    else if (isCollection(node)) stack.push(...[...node.items].reverse());
  }
  return undefined;
}

/**
 * Maps an offset in a scalar's value to an offset in the file. Counts the non-blank characters before it and
 * finds the same count in the source text, which holds through quoting and the line folding of `>` / `|`
 * block scalars (only escapes such as `\"` or `''` can shift it by a character).
 */
function offsetInScalar(text: string, node: Scalar, offset: number): number | undefined {
  const { Scalar } = yaml();
  const [start, end] = node.range ?? [];
  if (start === undefined || end === undefined || typeof node.value !== "string") return undefined;
  const value = node.value;
  if (offset < 0 || offset > value.length) return start;
  let k = 0;
  for (let i = 0; i < offset; i++) if (!/\s/.test(value[i]!)) k++;
  let i = start;
  if (node.type === Scalar.BLOCK_FOLDED || node.type === Scalar.BLOCK_LITERAL) {
    const nl = text.indexOf("\n", start);
    if (nl < 0 || nl >= end) return start;
    i = nl + 1;
  } else if (node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE) {
    i = start + 1;
  }
  for (; i < end; i++) {
    if (/\s/.test(text[i]!)) continue;
    if (k === 0) return i;
    k--;
  }
  return start;
}

function findNode(root: Node | null, path: (string | number)[], key: boolean): Node | undefined {
  const { isMap, isPair, isScalar, isSeq } = yaml();
  let cur: Node | null | undefined = root;
  for (let i = 0; i < path.length; i++) {
    const step = path[i];
    const last = i === path.length - 1;
    if (isMap(cur)) {
      const pair = cur.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(step),
      );
      if (!pair) return cur;
      if (last && key) return pair.key as Node;
      cur = pair.value as Node | null;
    } else if (isSeq(cur)) {
      const item = cur.items[Number(step)];
      if (!item) return cur;
      cur = item as Node;
    } else {
      return cur ?? undefined;
    }
  }
  return cur ?? undefined;
}

/**
 * A source whose value is already known (a file of the checked catalogue): the text is parsed for positions
 * only if a later check asks where something is.
 */
export function deferredYamlSource(file: string, text: string, value: unknown): YamlSource {
  let parsed: YamlSource | undefined;
  const full = () => (parsed ??= parseYamlUnrecorded(file, text).source);
  return {
    file,
    text,
    value,
    locate: (path, key) => full()?.locate(path, key),
    locateIn: (path, offset) => full()?.locateIn(path, offset),
  };
}
