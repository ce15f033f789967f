/**
 * CEL types as lint sees them: the declared type of every query field (the prefix of its description,
 * e.g. `"timestamp?: when the password was last used"`), of every parameter (from its default), and of the
 * bindings the engine adds (`now`, `account`, `items`, …).
 *
 * Grammar of a field type (the shared convention):
 *   type  := base "?"?                       "?" = the value may be null
 *   base  := bool | int | uint | double | string | bytes | timestamp | duration | dyn
 *          | list<type> | map<string, type>
 *
 * A JavaScript number is a CEL `double` at run time (that is what @bufbuild/cel makes of it), so counts and
 * day numbers that queries return as plain numbers are declared `double`; `int` is for values a query returns
 * as bigint. `conforms` checks a value against its declared type, so a test can hold every query to its
 * declaration over real rows.
 */
import { isMessage } from "@bufbuild/protobuf";

export type ScalarKind =
  | "bool"
  | "int"
  | "uint"
  | "double"
  | "string"
  | "bytes"
  | "timestamp"
  | "duration"
  | "dyn"
  | "null"
  | "type";

export type CelT =
  | { kind: ScalarKind; nullable?: boolean }
  /** `empty`: the literal `[]`, whose element type is not known yet (the accumulator of map / filter). */
  | { kind: "list"; elem: CelT; nullable?: boolean; empty?: boolean }
  | { kind: "map"; key: CelT; value: CelT; nullable?: boolean }
  /** A map with known keys: a row (`item`), `params`, `period`. Selecting an unknown key is a lint error. */
  | { kind: "record"; name: string; fields: Readonly<Record<string, CelT>>; nullable?: boolean };

export const T = {
  bool: { kind: "bool" } as CelT,
  int: { kind: "int" } as CelT,
  uint: { kind: "uint" } as CelT,
  double: { kind: "double" } as CelT,
  string: { kind: "string" } as CelT,
  bytes: { kind: "bytes" } as CelT,
  timestamp: { kind: "timestamp" } as CelT,
  duration: { kind: "duration" } as CelT,
  dyn: { kind: "dyn" } as CelT,
  null: { kind: "null" } as CelT,
  type: { kind: "type" } as CelT,
  list: (elem: CelT): CelT => ({ kind: "list", elem }),
  map: (key: CelT, value: CelT): CelT => ({ kind: "map", key, value }),
};

const SCALARS = new Set<string>([
  "bool",
  "int",
  "uint",
  "double",
  "string",
  "bytes",
  "timestamp",
  "duration",
  "dyn",
]);

/** `list<map<string, dyn>>?`, `timestamp`, … */
export function formatType(t: CelT): string {
  const q = t.nullable ? "?" : "";
  switch (t.kind) {
    case "list":
      return `list<${formatType(t.elem)}>${q}`;
    case "map":
      return `map<${formatType(t.key)}, ${formatType(t.value)}>${q}`;
    case "record":
      return `${t.name}${q}`;
    case "null":
      return "null";
    default:
      return `${t.kind}${q}`;
  }
}

export function nullable(t: CelT): CelT {
  return t.kind === "dyn" || t.kind === "null" || t.nullable ? t : { ...t, nullable: true };
}

export function nonNull(t: CelT): CelT {
  if (!t.nullable) return t;
  const { nullable: _n, ...rest } = t;
  return rest as CelT;
}

export class TypeSyntaxError extends Error {}

/** Parses a type such as `list<string>?`. Throws TypeSyntaxError with the reason. */
export function parseType(text: string): CelT {
  const p = new TypeParser(text);
  const t = p.type();
  p.skipSpace();
  if (!p.atEnd()) throw new TypeSyntaxError(`unexpected "${text.slice(p.pos)}" after the type`);
  return t;
}

export interface FieldDoc {
  type: CelT;
  description: string;
}

/**
 * Splits a field description into its CEL type and its text: `"bool: the user has MFA"`. The prefix is
 * the shared convention for every query's `fields` map; a description without one is an error (so a
 * query merged without types fails the registry test).
 */
export function parseFieldDoc(doc: string): FieldDoc {
  const p = new TypeParser(doc);
  let type: CelT;
  try {
    type = p.type();
  } catch (e) {
    throw new TypeSyntaxError(
      `description must start with its CEL type and ": " (e.g. "bool: …", "timestamp?: …"): ${(e as Error).message}`,
    );
  }
  if (doc.slice(p.pos, p.pos + 2) !== ": " || doc.slice(p.pos + 2).trim() === "") {
    throw new TypeSyntaxError(
      `description must start with its CEL type and ": " followed by the text (got "${doc.slice(0, 40)}")`,
    );
  }
  return { type, description: doc.slice(p.pos + 2) };
}

class TypeParser {
  pos = 0;
  constructor(readonly text: string) {}

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  skipSpace(): void {
    while (this.text[this.pos] === " ") this.pos++;
  }

  private word(): string {
    const m = /^[a-z_]+/.exec(this.text.slice(this.pos));
    if (!m) throw new TypeSyntaxError(`expected a type at "${this.text.slice(this.pos, this.pos + 20)}"`);
    this.pos += m[0].length;
    return m[0];
  }

  private expect(ch: string): void {
    this.skipSpace();
    if (this.text[this.pos] !== ch) {
      throw new TypeSyntaxError(`expected "${ch}" at "${this.text.slice(this.pos, this.pos + 20)}"`);
    }
    this.pos++;
    this.skipSpace();
  }

  type(depth = 0): CelT {
    if (depth > 8) throw new TypeSyntaxError("type nested too deeply");
    const name = this.word();
    let t: CelT;
    if (name === "list") {
      this.expect("<");
      t = T.list(this.type(depth + 1));
      this.expect(">");
    } else if (name === "map") {
      this.expect("<");
      const key = this.word();
      if (key !== "string") throw new TypeSyntaxError(`map keys must be string, got "${key}"`);
      this.expect(",");
      t = T.map(T.string, this.type(depth + 1));
      this.expect(">");
    } else if (SCALARS.has(name)) {
      t = { kind: name as ScalarKind };
    } else {
      throw new TypeSyntaxError(`unknown type "${name}"`);
    }
    if (this.text[this.pos] === "?") {
      this.pos++;
      if (t.kind === "dyn") throw new TypeSyntaxError(`"dyn?" is redundant: dyn already includes null`);
      t = nullable(t);
    }
    return t;
  }
}

/** The CEL type of a parameter, from its default value (numbers are doubles, see the module comment). */
export function typeOfValue(v: unknown): CelT {
  if (typeof v === "boolean") return T.bool;
  if (typeof v === "number") return T.double;
  if (typeof v === "bigint") return T.int;
  if (typeof v === "string") return T.string;
  if (v instanceof Date) return T.timestamp;
  if (Array.isArray(v)) {
    const elems = v.map(typeOfValue);
    return T.list(elems.length > 0 && elems.every((e) => sameType(e, elems[0]!)) ? elems[0]! : T.dyn);
  }
  if (v === null || v === undefined) return T.null;
  return T.map(T.string, T.dyn);
}

export function sameType(a: CelT, b: CelT): boolean {
  return formatType(a) === formatType(b);
}

/**
 * Does a run-time value (a row field as a query returns it, before CEL conversion) conform to its declared
 * type? Returns undefined when it does, or a short reason.
 */
export function nonConformance(value: unknown, t: CelT, depth = 0): string | undefined {
  if (depth > 32) return undefined;
  if (t.kind === "dyn") return undefined;
  if (value === null || value === undefined) {
    return t.nullable || t.kind === "null" ? undefined : `is ${value} but the type is not nullable`;
  }
  const bad = (what: string) => `is ${what} but declared ${formatType(t)}`;
  const got = describeValue(value);
  switch (t.kind) {
    case "bool":
      return typeof value === "boolean" ? undefined : bad(got);
    case "int":
      return typeof value === "bigint" ? undefined : bad(got);
    case "uint":
      return typeof value === "bigint" && value >= 0n ? undefined : bad(got);
    case "double":
      return typeof value === "number" ? undefined : bad(got);
    case "string":
      return typeof value === "string" ? undefined : bad(got);
    case "bytes":
      return value instanceof Uint8Array ? undefined : bad(got);
    case "timestamp":
      return value instanceof Date && !Number.isNaN(value.getTime()) ? undefined : bad(got);
    case "duration":
      return isMessage(value) && value.$typeName === "google.protobuf.Duration" ? undefined : bad(got);
    case "null":
      return bad(got);
    case "type":
      return bad(got);
    case "list": {
      if (!Array.isArray(value)) return bad(got);
      for (const [i, x] of value.entries()) {
        const r = nonConformance(x, t.elem, depth + 1);
        if (r) return `[${i}] ${r}`;
      }
      return undefined;
    }
    case "map":
    case "record": {
      if (typeof value !== "object" || Array.isArray(value) || value instanceof Date) return bad(got);
      if (t.kind === "record") return undefined;
      for (const [k, x] of Object.entries(value)) {
        const r = nonConformance(x, t.value, depth + 1);
        if (r) return `.${k} ${r}`;
      }
      return undefined;
    }
  }
}

function describeValue(v: unknown): string {
  if (Array.isArray(v)) return "a list";
  if (v instanceof Date) return "a Date";
  if (v instanceof Uint8Array) return "bytes";
  if (typeof v === "object") return "an object";
  return `a ${typeof v} (${JSON.stringify(typeof v === "bigint" ? String(v) : v)?.slice(0, 40)})`;
}
