/**
 * A CloudWatch Logs filter-pattern evaluator, so a control can prove that a metric filter really matches the
 * CloudTrail events it is meant to count — not merely that its text resembles CIS's example.
 *
 * Supported (the forms CloudWatch Logs documents for metric filters on JSON and text events):
 * - JSON patterns `{ <expr> }`: comparisons `$.a.b[0] = value` with `=`, `!=`, `<`, `>`, `<=`, `>=`;
 *   values quoted ("a b"), unquoted (CreateTrail, config.amazonaws.com, 42), with `*` wildcards, or a
 *   regular expression between `%` (unanchored search, like CloudWatch); `IS TRUE`, `IS FALSE`, `IS NULL`,
 *   `EXISTS`, `NOT EXISTS`; `&&` binds tighter than `||`; parentheses group. `[*]` selects any array element.
 *   A comparison on a field that is absent (or an object/array) is false, for `!=` too, as in CloudWatch.
 * - Text patterns: the empty pattern (matches every event), terms that must all appear in the raw event
 *   (quoted or not), `?term` alternatives (any of them), `-term` exclusions, and `%regex%`.
 * - Space-delimited patterns (`[a, b, ...]`) cannot match a JSON CloudTrail event meaningfully: parsing one
 *   throws FilterPatternUnsupported, and callers treat that filter as not matching (and say so).
 */

export class FilterPatternSyntaxError extends Error {
  constructor(
    readonly pattern: string,
    message: string,
  ) {
    super(`filter pattern ${JSON.stringify(pattern)}: ${message}`);
    this.name = "FilterPatternSyntaxError";
  }
}

export class FilterPatternUnsupported extends Error {
  constructor(
    readonly pattern: string,
    message: string,
  ) {
    super(`filter pattern ${JSON.stringify(pattern)}: ${message}`);
    this.name = "FilterPatternUnsupported";
  }
}

type PathStep = { key: string } | { index: number } | { any: true };
type Value =
  | { kind: "string"; text: string; wildcard: boolean }
  | { kind: "number"; value: number; text: string }
  | { kind: "regex"; re: RegExp };

export type JsonExpr =
  | { op: "and" | "or"; left: JsonExpr; right: JsonExpr }
  | { op: "cmp"; path: PathStep[]; cmp: "=" | "!=" | "<" | ">" | "<=" | ">="; value: Value }
  | { op: "is"; path: PathStep[]; what: "true" | "false" | "null" }
  | { op: "exists"; path: PathStep[]; negate: boolean };

export type ParsedPattern =
  | { kind: "all" }
  | { kind: "json"; expr: JsonExpr }
  | { kind: "text"; all: string[]; any: string[]; none: string[]; regex: RegExp[] };

/** Parses a filter pattern. Throws FilterPatternSyntaxError, or FilterPatternUnsupported for `[...]`. */
export function parseFilterPattern(pattern: string): ParsedPattern {
  const text = pattern.trim();
  if (text === "") return { kind: "all" };
  if (text.startsWith("{")) return { kind: "json", expr: new JsonParser(pattern).parse() };
  if (text.startsWith("[")) {
    throw new FilterPatternUnsupported(pattern, "space-delimited patterns do not apply to JSON events");
  }
  return parseText(pattern, text);
}

/**
 * True when the event matches. `event` is the parsed JSON event; text patterns match its JSON text (what
 * CloudTrail writes to CloudWatch Logs).
 */
export function matchesFilterPattern(pattern: string | ParsedPattern, event: unknown): boolean {
  const parsed = typeof pattern === "string" ? parseFilterPattern(pattern) : pattern;
  switch (parsed.kind) {
    case "all":
      return true;
    case "json":
      return event !== null && typeof event === "object" && evalJson(parsed.expr, event);
    case "text": {
      const raw = typeof event === "string" ? event : JSON.stringify(event);
      if (parsed.none.some((t) => raw.includes(t))) return false;
      if (!parsed.all.every((t) => raw.includes(t))) return false;
      if (!parsed.regex.every((r) => r.test(raw))) return false;
      return parsed.any.length === 0 || parsed.any.some((t) => raw.includes(t));
    }
  }
}

// ---------------------------------------------------------------------------------------------- JSON

class JsonParser {
  private pos = 0;
  constructor(private readonly src: string) {}

  parse(): JsonExpr {
    this.skip();
    this.expect("{");
    const expr = this.or();
    this.expect("}");
    this.skip();
    if (this.pos < this.src.length) this.fail(`unexpected ${JSON.stringify(this.src.slice(this.pos))}`);
    return expr;
  }

  private or(): JsonExpr {
    let left = this.and();
    while (this.eat("||")) left = { op: "or", left, right: this.and() };
    return left;
  }

  private and(): JsonExpr {
    let left = this.unary();
    while (this.eat("&&")) left = { op: "and", left, right: this.unary() };
    return left;
  }

  private unary(): JsonExpr {
    this.skip();
    if (this.eat("(")) {
      const inner = this.or();
      this.expect(")");
      return inner;
    }
    return this.comparison();
  }

  private comparison(): JsonExpr {
    const path = this.selector();
    this.skip();
    const word = /^(IS\s+(TRUE|FALSE|NULL)|NOT\s+EXISTS|EXISTS)\b/i.exec(this.src.slice(this.pos));
    if (word) {
      this.pos += word[0].length;
      const w = word[0].toUpperCase().replace(/\s+/g, " ");
      if (w === "EXISTS") return { op: "exists", path, negate: false };
      if (w === "NOT EXISTS") return { op: "exists", path, negate: true };
      return { op: "is", path, what: w.slice(3).toLowerCase() as "true" | "false" | "null" };
    }
    const cmp = /^(!=|<=|>=|=|<|>)/.exec(this.src.slice(this.pos));
    if (!cmp) this.fail("expected a comparison operator after the selector");
    this.pos += cmp[0].length;
    const value = this.value();
    if (value.kind === "regex" && cmp[0] !== "=" && cmp[0] !== "!=") {
      this.fail("a regular expression only compares with = or !=");
    }
    if (value.kind === "string" && !["=", "!="].includes(cmp[0])) {
      this.fail(`${cmp[0]} needs a number`);
    }
    return { op: "cmp", path, cmp: cmp[0] as "=" | "!=" | "<" | ">" | "<=" | ">=", value };
  }

  private selector(): PathStep[] {
    this.skip();
    if (this.src[this.pos] !== "$") this.fail("expected a selector starting with $");
    this.pos++;
    const steps: PathStep[] = [];
    for (;;) {
      const c = this.src[this.pos];
      if (c === ".") {
        this.pos++;
        const m = /^[A-Za-z0-9_\-@:]+/.exec(this.src.slice(this.pos));
        if (!m) this.fail("expected a property name after '.'");
        steps.push({ key: m[0] });
        this.pos += m[0].length;
      } else if (c === "[") {
        const m = /^\[\s*(\*|\d+)\s*\]/.exec(this.src.slice(this.pos));
        if (!m) this.fail("expected [n] or [*]");
        steps.push(m[1] === "*" ? { any: true } : { index: Number(m[1]) });
        this.pos += m[0].length;
      } else break;
    }
    if (steps.length === 0) this.fail("a selector needs at least one property");
    return steps;
  }

  private value(): Value {
    this.skip();
    const c = this.src[this.pos];
    if (c === '"') {
      let out = "";
      this.pos++;
      for (;;) {
        const ch = this.src[this.pos];
        if (ch === undefined) this.fail("unterminated quoted string");
        this.pos++;
        if (ch === '"') break;
        if (ch === "\\") {
          const next = this.src[this.pos++];
          if (next === undefined) this.fail("unterminated escape");
          out += next;
        } else out += ch;
      }
      return { kind: "string", text: out, wildcard: out.includes("*") };
    }
    if (c === "%") {
      const end = this.src.indexOf("%", this.pos + 1);
      if (end < 0) this.fail("unterminated regular expression");
      const body = this.src.slice(this.pos + 1, end);
      this.pos = end + 1;
      return { kind: "regex", re: compileRegex(this.src, body) };
    }
    const m = /^[^\s()&|{}"]+/.exec(this.src.slice(this.pos));
    if (!m) this.fail("expected a value");
    this.pos += m[0].length;
    const text = m[0];
    if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(text)) return { kind: "number", value: Number(text), text };
    return { kind: "string", text, wildcard: text.includes("*") };
  }

  private skip(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos]!)) this.pos++;
  }

  private eat(token: string): boolean {
    this.skip();
    if (this.src.startsWith(token, this.pos)) {
      this.pos += token.length;
      return true;
    }
    return false;
  }

  private expect(token: string): void {
    if (!this.eat(token)) this.fail(`expected '${token}' at offset ${this.pos}`);
  }

  private fail(message: string): never {
    throw new FilterPatternSyntaxError(this.src, message);
  }
}

function compileRegex(pattern: string, body: string): RegExp {
  try {
    return new RegExp(body);
  } catch (e) {
    throw new FilterPatternSyntaxError(pattern, `bad regular expression: ${(e as Error).message}`);
  }
}

/** Every value the path reaches (several with [*]); absent steps reach nothing. */
function resolve(root: unknown, path: PathStep[]): unknown[] {
  let current: unknown[] = [root];
  for (const step of path) {
    const next: unknown[] = [];
    for (const v of current) {
      if ("key" in step) {
        if (v !== null && typeof v === "object" && !Array.isArray(v) && step.key in v) {
          next.push((v as Record<string, unknown>)[step.key]);
        }
      } else if ("index" in step) {
        if (Array.isArray(v) && step.index < v.length) next.push(v[step.index]);
      } else if (Array.isArray(v)) next.push(...v);
    }
    current = next;
  }
  return current;
}

function evalJson(expr: JsonExpr, event: unknown): boolean {
  switch (expr.op) {
    case "and":
      return evalJson(expr.left, event) && evalJson(expr.right, event);
    case "or":
      return evalJson(expr.left, event) || evalJson(expr.right, event);
    case "exists": {
      const found = resolve(event, expr.path).length > 0;
      return expr.negate ? !found : found;
    }
    case "is": {
      const values = resolve(event, expr.path);
      const want = expr.what === "true" ? true : expr.what === "false" ? false : null;
      return values.some((v) => v === want);
    }
    case "cmp":
      return resolve(event, expr.path).some((v) => compare(v, expr.cmp, expr.value));
  }
}

function compare(field: unknown, cmp: string, value: Value): boolean {
  if (field === null || field === undefined || typeof field === "object") return false;
  if (value.kind === "number") {
    if (typeof field === "number") {
      switch (cmp) {
        case "=":
          return field === value.value;
        case "!=":
          return field !== value.value;
        case "<":
          return field < value.value;
        case ">":
          return field > value.value;
        case "<=":
          return field <= value.value;
        case ">=":
          return field >= value.value;
      }
    }
    if (cmp === "=" || cmp === "!=") {
      const equal = String(field) === value.text;
      return cmp === "=" ? equal : !equal;
    }
    return false;
  }
  const text = String(field);
  let equal: boolean;
  if (value.kind === "regex") equal = value.re.test(text);
  else if (value.wildcard) equal = wildcardRegex(value.text).test(text);
  else equal = text === value.text;
  return cmp === "=" ? equal : !equal;
}

function wildcardRegex(glob: string): RegExp {
  const body = glob
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${body}$`, "s");
}

// ---------------------------------------------------------------------------------------------- text

function parseText(pattern: string, text: string): ParsedPattern {
  const out = { kind: "text" as const, all: [] as string[], any: [] as string[], none: [] as string[] };
  const regex: RegExp[] = [];
  let pos = 0;
  while (pos < text.length) {
    while (pos < text.length && /\s/.test(text[pos]!)) pos++;
    if (pos >= text.length) break;
    let prefix = "";
    if (text[pos] === "?" || text[pos] === "-") {
      prefix = text[pos]!;
      pos++;
    }
    let term: string;
    if (text[pos] === '"') {
      const end = text.indexOf('"', pos + 1);
      if (end < 0) throw new FilterPatternSyntaxError(pattern, "unterminated quoted term");
      term = text.slice(pos + 1, end);
      pos = end + 1;
    } else if (text[pos] === "%") {
      const end = text.indexOf("%", pos + 1);
      if (end < 0) throw new FilterPatternSyntaxError(pattern, "unterminated regular expression");
      regex.push(compileRegex(pattern, text.slice(pos + 1, end)));
      pos = end + 1;
      continue;
    } else {
      const m = /^\S+/.exec(text.slice(pos))!;
      term = m[0];
      pos += term.length;
    }
    if (prefix === "?") out.any.push(term);
    else if (prefix === "-") out.none.push(term);
    else out.all.push(term);
  }
  return { ...out, regex };
}
