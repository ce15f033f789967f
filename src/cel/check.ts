/**
 * A static type checker for the CEL expressions of controls.
 *
 * Why our own: @bufbuild/cel 0.6's `check()` only handles constants and identifiers ("Unsupported expression
 * kind" for anything else), so lint declares the environment itself and checks the parsed AST against it. The
 * function overloads are read from the very environment the evaluator runs with (src/cel/expression.ts), so
 * lint and run agree on what `days(…)`, `_-_` on timestamps, or `lowerAscii()` accept. The operators the
 * planner handles itself (`&&`, `||`, `?:`, `[]`, `in`, `==`, `has()`) are typed here by the CEL spec's rules.
 *
 * What it reports: an identifier that is not declared (with "did you mean"), a field selected from a record
 * that has no such key (`params.max_key_age_dayz`), no overload for the argument types (`1 + 'a'`), a `==`
 * between incomparable types, a non-boolean condition — each with the offset in the expression's source.
 *
 * Nullable types (`timestamp?`) check like their base type, as CEL's wrapper types do: a null at run time
 * is an evaluation error (the control becomes `error`), never a silent pass.
 *
 * Static cost: comprehensions nested deeper than MAX_COMPREHENSION_NESTING, or whose iteration product over
 * literal lists exceeds the run-time budget, are rejected here; everything else is bounded at run time by
 * the iteration budget in expression.ts.
 */
import { unparse } from "@bufbuild/cel";
import { closest } from "../util/suggest.js";
import { celFunctions, compileExpression, ITERATION_BUDGET, MAX_EXPRESSION_LENGTH } from "./expression.js";
import { parseCached as parseShared } from "./parse-cache.js";
import { type CelT, formatType, nonNull, nullable, T } from "./types.js";

/** Comprehensions (`exists`, `all`, `map`, …) nested deeper than this are a lint error. */
export const MAX_COMPREHENSION_NESTING = 3;
/** AST depth beyond which an expression is rejected (protects the checker's and evaluator's stacks). */
export const MAX_EXPRESSION_DEPTH = 96;

export interface CheckProblem {
  message: string;
  /** Offset in the expression source, when known. */
  offset?: number;
}

export interface CheckResult {
  type?: CelT;
  problems: CheckProblem[];
}

export interface CheckEnv {
  /** Top-level variables: the item's fields and the engine's bindings. */
  variables: ReadonlyMap<string, CelT>;
  /** How an unknown identifier is described: `"x" is not a field of aws.iam.credentialReport`. */
  unknownIdentifier(name: string, suggestion: string | undefined): string;
}

interface Node {
  id: bigint;
  exprKind: { case: string | undefined; value?: unknown };
}

interface Overload {
  target?: CelT;
  args: CelT[];
  result: CelT;
}

let overloadCache: Map<string, Overload[]> | undefined;

function overloads(): Map<string, Overload[]> {
  if (overloadCache) return overloadCache;
  const byName = new Map<string, Overload[]>();
  for (const f of celFunctions()) {
    const list = byName.get(f.name) ?? [];
    list.push({
      target: f.target ? fromCelType(f.target) : undefined,
      args: f.arguments.map(fromCelType),
      result: fromCelType(f.result),
    });
    byName.set(f.name, list);
  }
  overloadCache = byName;
  return byName;
}

/** @bufbuild/cel's CelType → ours. */
function fromCelType(t: { kind: string; name: string }): CelT {
  const x = t as { kind: string; name: string; element?: never; key?: never; value?: never };
  switch (x.kind) {
    case "list":
      return T.list(fromCelType((t as unknown as { element: { kind: string; name: string } }).element));
    case "map": {
      const m = t as unknown as {
        key: { kind: string; name: string };
        value: { kind: string; name: string };
      };
      return T.map(fromCelType(m.key), fromCelType(m.value));
    }
    case "object":
      if (x.name === "google.protobuf.Timestamp") return T.timestamp;
      if (x.name === "google.protobuf.Duration") return T.duration;
      return T.dyn;
    default:
      switch (x.name) {
        case "null_type":
          return T.null;
        case "int":
        case "uint":
        case "bool":
        case "string":
        case "bytes":
        case "double":
        case "dyn":
        case "type":
          return { kind: x.name };
        default:
          return T.dyn;
      }
  }
}

/** Type-checks one expression. Never throws: syntax errors and oversize input are problems. */
export function checkExpression(source: string, env: CheckEnv): CheckResult {
  if (source.length > MAX_EXPRESSION_LENGTH) {
    return {
      problems: [
        { message: `expression is ${source.length} characters; the limit is ${MAX_EXPRESSION_LENGTH}` },
      ],
    };
  }
  let parsed: Parsed;
  try {
    parsed = parseCached(source);
  } catch (e) {
    return {
      problems: [{ message: `CEL syntax error: ${syntaxMessage(e)}`, offset: syntaxOffset(source, e) }],
    };
  }
  if (!parsed.expr) return { problems: [{ message: "CEL syntax error: empty expression" }] };
  const checker = new Checker(env, parsed.sourceInfo?.positions ?? {});
  let type: CelT | undefined;
  try {
    type = checker.check(parsed.expr, new Map(), 0, 0);
  } catch (e) {
    if (!(e instanceof TooDeep)) throw e;
    checker.problems.push({ message: `expression is nested more than ${MAX_EXPRESSION_DEPTH} levels deep` });
  }
  return { type, problems: checker.problems };
}

/** The parser's message without the stack-overflow noise a pathological input produces. */
export function syntaxMessage(e: unknown): string {
  if (e instanceof RangeError) return `expression is nested too deeply to parse`;
  const m = e instanceof Error ? e.message : String(e);
  return m.replace(/^<input>:/, "at ");
}

/** The offset the parser's `<input>:LINE:COL:` prefix points at. */
function syntaxOffset(source: string, e: unknown): number | undefined {
  const m = e instanceof Error ? /^<input>:(\d+):(\d+)/.exec(e.message) : null;
  if (!m) return undefined;
  const lines = source.split("\n");
  const line = Number(m[1]);
  let offset = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) offset += lines[i]!.length + 1;
  return Math.min(offset + Number(m[2]) - 1, source.length);
}

class TooDeep extends Error {}

interface Parsed {
  expr?: Node;
  sourceInfo?: { positions: Record<string, number> };
}

/** Parsed ASTs by source, shared with the planner and the engine (parse-cache.ts): the checker only reads them. */
function parseCached(source: string): Parsed {
  return parseShared(source) as unknown as Parsed;
}

class Checker {
  readonly problems: CheckProblem[] = [];
  constructor(
    private readonly env: CheckEnv,
    private readonly positions: Record<string, number>,
  ) {}

  private report(node: Node, message: string): CelT {
    this.problems.push({ message, offset: this.positions[String(node.id)] });
    return T.dyn;
  }

  private lookup(name: string, scope: Map<string, CelT>): CelT | undefined {
    return scope.get(name) ?? this.env.variables.get(name) ?? TYPE_NAMES.get(name);
  }

  check(node: Node, scope: Map<string, CelT>, depth: number, loops: number): CelT {
    if (depth > MAX_EXPRESSION_DEPTH) throw new TooDeep();
    const { case: kind, value } = node.exprKind;
    const sub = (n: Node | undefined, s = scope, l = loops) => (n ? this.check(n, s, depth + 1, l) : T.dyn);
    switch (kind) {
      case "constExpr":
        return constType((value as { constantKind: { case: string } }).constantKind.case);
      case "identExpr": {
        const name = (value as { name: string }).name;
        const t = this.lookup(name, scope);
        if (t) return t;
        const known = [...this.env.variables.keys()];
        return this.report(node, this.env.unknownIdentifier(name, closest(name, known)));
      }
      case "selectExpr": {
        const v = value as { operand?: Node; field: string; testOnly: boolean };
        const operand = sub(v.operand);
        const t = this.select(node, operand, v.field, v.operand);
        return v.testOnly ? T.bool : t;
      }
      case "listExpr": {
        const elems = (value as { elements: Node[] }).elements.map((e) => sub(e));
        return elems.length === 0 ? { kind: "list", elem: T.dyn, empty: true } : T.list(join(elems));
      }
      case "structExpr": {
        const v = value as {
          messageName: string;
          entries: { keyKind: { case?: string; value?: unknown }; value?: Node }[];
        };
        if (v.messageName)
          return this.report(node, `message construction (${v.messageName}{…}) is not supported`);
        const keys: CelT[] = [];
        const values: CelT[] = [];
        for (const e of v.entries) {
          if (e.keyKind.case === "mapKey") keys.push(sub(e.keyKind.value as Node));
          values.push(sub(e.value));
        }
        return T.map(join(keys), join(values));
      }
      case "callExpr":
        return this.call(node, value as { function: string; target?: Node; args: Node[] }, sub);
      case "comprehensionExpr": {
        const v = value as {
          iterVar: string;
          iterVar2?: string;
          accuVar: string;
          iterRange?: Node;
          accuInit?: Node;
          loopCondition?: Node;
          loopStep?: Node;
          result?: Node;
        };
        if (loops + 1 > MAX_COMPREHENSION_NESTING) {
          this.report(
            node,
            `comprehensions (exists, all, map, filter) are nested more than ${MAX_COMPREHENSION_NESTING} deep: the cost grows with the product of the list sizes`,
          );
        }
        const range = sub(v.iterRange);
        const accu = sub(v.accuInit);
        const inner = new Map(scope);
        const r = nonNull(range);
        if (v.iterVar2) {
          if (r.kind === "list") {
            inner.set(v.iterVar, T.int);
            inner.set(v.iterVar2, r.elem);
          } else if (r.kind === "map") {
            inner.set(v.iterVar, r.key);
            inner.set(v.iterVar2, r.value);
          } else {
            inner.set(v.iterVar, r.kind === "record" ? T.string : T.dyn);
            inner.set(v.iterVar2, T.dyn);
          }
        } else if (r.kind === "list") inner.set(v.iterVar, r.elem);
        else if (r.kind === "map") inner.set(v.iterVar, r.key);
        else if (r.kind === "record") inner.set(v.iterVar, T.string);
        else if (r.kind === "dyn") inner.set(v.iterVar, T.dyn);
        else {
          this.report(
            v.iterRange ?? node,
            `cannot iterate over ${formatType(range)} (a list or map is needed)`,
          );
          inner.set(v.iterVar, T.dyn);
        }
        inner.set(v.accuVar, accu);
        const cond = sub(v.loopCondition, inner, loops + 1);
        if (!acceptsBool(cond)) this.report(node, `loop condition is ${formatType(cond)}, not bool`);
        const step = sub(v.loopStep, inner, loops + 1);
        // The accumulator of map / filter starts as `[]`; its step says what it holds.
        inner.set(v.accuVar, accu.kind === "list" && accu.empty ? step : accu);
        return sub(v.result, inner, loops + 1);
      }
      default:
        return this.report(node, `unsupported expression (${kind ?? "empty"})`);
    }
  }

  private select(node: Node, operand: CelT, field: string, operandNode?: Node): CelT {
    const t = nonNull(operand);
    switch (t.kind) {
      case "dyn":
        return T.dyn;
      case "map":
        return t.value;
      case "record": {
        const f = t.fields[field];
        if (f) return f;
        const suggestion = closest(field, Object.keys(t.fields));
        const hint = suggestion ? ` (did you mean "${suggestion}"?)` : "";
        if (t.name === "params")
          return this.report(node, `params.${field} is not declared under params${hint}`);
        const owner = operandNode ? describeOperand(operandNode) : t.name;
        return this.report(node, `${owner} has no field "${field}"${hint}`);
      }
      default:
        return this.report(node, `cannot select "${field}" from a ${formatType(operand)}`);
    }
  }

  private call(
    node: Node,
    v: { function: string; target?: Node; args: Node[] },
    sub: (n: Node | undefined) => CelT,
  ): CelT {
    const fn = v.function;
    const start = this.problems.length;
    const target = v.target ? sub(v.target) : undefined;
    const args = v.args.map((a) => sub(a));
    switch (fn) {
      case "_&&_":
      case "_||_":
        for (const [i, a] of args.entries()) {
          if (!acceptsBool(a))
            this.report(
              v.args[i]!,
              `operand of ${fn === "_&&_" ? "&&" : "||"} is ${formatType(a)}, not bool`,
            );
        }
        return T.bool;
      case "@not_strictly_false":
        return T.bool;
      case "_?_:_": {
        const [c, a, b] = args as [CelT, CelT, CelT];
        if (!acceptsBool(c)) this.report(v.args[0]!, `condition of ?: is ${formatType(c)}, not bool`);
        if (!comparable(a, b)) {
          return this.report(
            node,
            `the branches of ?: have different types (${formatType(a)}, ${formatType(b)})`,
          );
        }
        return join([a, b]);
      }
      case "_==_":
      case "_!=_": {
        const [a, b] = args as [CelT, CelT];
        if (!comparable(a, b)) {
          this.report(
            node,
            `cannot compare ${formatType(a)} with ${formatType(b)} (${fn === "_==_" ? "==" : "!="} is always ${fn !== "_==_"})`,
          );
        }
        return T.bool;
      }
      case "@in": {
        const [a, b] = args as [CelT, CelT];
        const c = nonNull(b);
        if (c.kind === "list") {
          if (!comparable(a, c.elem))
            this.report(node, `${formatType(a)} can never be in a ${formatType(b)}`);
        } else if (c.kind === "map") {
          if (!comparable(a, c.key))
            this.report(node, `${formatType(a)} can never be a key of a ${formatType(b)}`);
        } else if (c.kind === "record") {
          if (!comparable(a, T.string)) this.report(node, `${formatType(a)} can never be a key of ${c.name}`);
        } else if (c.kind !== "dyn") {
          this.report(node, `"in" needs a list or map on the right, got ${formatType(b)}`);
        }
        return T.bool;
      }
      case "_[_]": {
        const [a, i] = args as [CelT, CelT];
        const c = nonNull(a);
        if (c.kind === "list") {
          if (!accepts(T.int, i) && !accepts(T.uint, i))
            this.report(node, `a list index must be an int, got ${formatType(i)}`);
          return c.elem;
        }
        if (c.kind === "map") {
          if (!comparable(c.key, i))
            this.report(node, `a key of ${formatType(a)} is a ${formatType(c.key)}, got ${formatType(i)}`);
          return c.value;
        }
        if (c.kind === "record") {
          const key = v.args[1]?.exprKind;
          if (key?.case === "constExpr") {
            const k = (key.value as { constantKind: { case: string; value: unknown } }).constantKind;
            if (k.case === "stringValue") return this.select(node, a, String(k.value), v.args[0]);
          }
          if (!comparable(T.string, i))
            this.report(node, `a key of ${c.name} is a string, got ${formatType(i)}`);
          return T.dyn;
        }
        if (c.kind === "dyn") return T.dyn;
        return this.report(node, `cannot index a ${formatType(a)}`);
      }
      default: {
        const t = this.overload(node, fn, target, args);
        // Only where nothing below failed already, so one mistake is reported once.
        if (this.problems.length === start) this.constantCall(node, v);
        return t;
      }
    }
  }

  /**
   * A call on literals alone (`int('x')`, `1 / 0`, `timestamp('not a time')`, or `x.matches('[')` whose
   * pattern is a literal) fails for every item: evaluate it now, so lint reports it instead of every item
   * becoming `error` at run time.
   */
  private constantCall(node: Node, v: { function: string; target?: Node; args: Node[] }): void {
    let probe: (() => string) | undefined;
    if (v.args.every((a) => isLiteral(a)) && (!v.target || isLiteral(v.target))) {
      probe = () => unparse(node as never);
    } else if (v.function === "matches" && v.args.length === 1 && isLiteral(v.args[0]!)) {
      probe = () => `''.matches(${unparse(v.args[0] as never)})`;
    }
    if (!probe) return;
    let source: string;
    try {
      source = probe();
    } catch {
      return; // nothing we can evaluate: run-time evaluation decides
    }
    try {
      compileExpression(source).evaluate({});
    } catch (e) {
      const message = (e as Error).message.replace(/ \(in `.*`\)$/s, "");
      this.report(node, `always fails: ${message}`);
    }
  }

  private overload(node: Node, fn: string, target: CelT | undefined, args: CelT[]): CelT {
    const all = overloads().get(fn);
    const shown = fn.replace(/^_(.+)_$/, "$1").replace(/^(.)_$/, "$1");
    if (!all) {
      const names = [...overloads().keys()].filter((n) => /^[a-zA-Z]/.test(n));
      const s = closest(fn, names);
      return this.report(node, `unknown function "${fn}"${s ? ` (did you mean "${s}"?)` : ""}`);
    }
    const shape = all.filter((o) => !!o.target === !!target && o.args.length === args.length);
    const matching = shape.filter(
      (o) => (!target || accepts(o.target!, target)) && o.args.every((p, i) => accepts(p, args[i]!)),
    );
    if (matching.length === 0) {
      const applied = `${target ? `${formatType(target)}.` : ""}(${args.map(formatType).join(", ")})`;
      const options = shape
        .slice(0, 6)
        .map((o) => `${o.target ? `${formatType(o.target)}.` : ""}(${o.args.map(formatType).join(", ")})`);
      return this.report(
        node,
        `no matching overload for "${shown}" applied to ${applied}${options.length ? ` (accepts ${options.join(" | ")})` : ""}`,
      );
    }
    if (fn === "_+_" && args.every((a) => nonNull(a).kind === "list")) {
      const lists = args.map((a) => nonNull(a) as CelT & { kind: "list" });
      const known = lists.filter((l) => !l.empty);
      return known.length === 0 ? lists[0]! : T.list(join(known.map((l) => l.elem)));
    }
    const results = matching.map((o) => o.result);
    return results.every((r) => formatType(r) === formatType(results[0]!)) ? results[0]! : T.dyn;
  }
}

/** A constant, or a list / map built only of constants (bounded depth). */
function isLiteral(n: Node, depth = 0): boolean {
  if (depth > 8) return false;
  const { case: kind, value } = n.exprKind;
  if (kind === "constExpr") return true;
  if (kind === "listExpr")
    return (value as { elements: Node[] }).elements.every((e) => isLiteral(e, depth + 1));
  if (kind === "callExpr") {
    const c = value as { function: string; target?: Node; args: Node[] };
    return (
      !c.target && c.args.length > 0 && c.args.every((a) => isLiteral(a, depth + 1)) && c.function !== "@in"
    );
  }
  return false;
}

const TYPE_NAMES = new Map<string, CelT>(
  ["bool", "int", "uint", "double", "string", "bytes", "list", "map", "null_type", "type"].map((n) => [
    n,
    T.type,
  ]),
);

function describeOperand(n: Node): string {
  if (n.exprKind.case === "identExpr") return (n.exprKind.value as { name: string }).name;
  return "the value";
}

function constType(c: string): CelT {
  switch (c) {
    case "boolValue":
      return T.bool;
    case "int64Value":
      return T.int;
    case "uint64Value":
      return T.uint;
    case "doubleValue":
      return T.double;
    case "stringValue":
      return T.string;
    case "bytesValue":
      return T.bytes;
    case "nullValue":
      return T.null;
    default:
      return T.dyn;
  }
}

export function acceptsBool(t: CelT): boolean {
  return t.kind === "bool" || t.kind === "dyn";
}

/** Can a value of type `arg` be passed where `param` is expected? dyn on either side always can. */
export function accepts(param: CelT, arg: CelT): boolean {
  if (param.kind === "dyn" || arg.kind === "dyn") return true;
  if (arg.kind === "null") return param.kind === "null";
  switch (param.kind) {
    case "list":
      return arg.kind === "list" && accepts(param.elem, arg.elem);
    case "map":
      if (arg.kind === "record") return Object.values(arg.fields).every((f) => accepts(param.value, f));
      return arg.kind === "map" && accepts(param.key, arg.key) && accepts(param.value, arg.value);
    case "record":
      return arg.kind === "record" && arg.name === param.name;
    default:
      return arg.kind === param.kind;
  }
}

const NUMERIC = new Set(["int", "uint", "double"]);

/** Can two values ever be equal? (CEL compares numbers across int/uint/double; null with anything nullable.) */
export function comparable(a: CelT, b: CelT): boolean {
  if (a.kind === "dyn" || b.kind === "dyn") return true;
  if (a.kind === "null" || b.kind === "null") return true;
  if (NUMERIC.has(a.kind) && NUMERIC.has(b.kind)) return true;
  if ((a.kind === "map" || a.kind === "record") && (b.kind === "map" || b.kind === "record")) return true;
  if (a.kind === "list" && b.kind === "list") return comparable(a.elem, b.elem);
  if (a.kind === "map" && b.kind === "map") return comparable(a.value, b.value);
  return a.kind === b.kind;
}

/** The common type of several values: the type itself when they agree, nullable with null, else dyn. */
export function join(types: CelT[]): CelT {
  const known = types.filter((t) => !(t.kind === "list" && t.empty));
  if (known.length === 0) return types[0] ?? T.dyn;
  if (known.length < types.length && known.every((t) => t.kind === "list")) types = known;
  const concrete = types.filter((t) => t.kind !== "null");
  const hasNull = concrete.length < types.length;
  if (concrete.length === 0) return types.length ? T.null : T.dyn;
  const first = nonNull(concrete[0]!);
  const same = concrete.every((t) => formatType(nonNull(t)) === formatType(first));
  if (!same) return T.dyn;
  return hasNull || concrete.some((t) => t.nullable) ? nullable(first) : first;
}

/** Static iteration estimate, for the product of literal list sizes (used by lint's cost check). */
export function literalIterationProduct(source: string): number {
  let parsed: Parsed;
  try {
    parsed = parseCached(source);
  } catch {
    return 0;
  }
  let worst = 0;
  const walk = (n: Node | undefined, product: number, depth: number) => {
    if (!n || depth > MAX_EXPRESSION_DEPTH) return;
    const { case: kind, value } = n.exprKind;
    if (kind === "comprehensionExpr") {
      const v = value as Record<string, Node | undefined>;
      const range = v.iterRange?.exprKind;
      const size = range?.case === "listExpr" ? (range.value as { elements: unknown[] }).elements.length : 1;
      const p = product * Math.max(size, 1);
      worst = Math.max(worst, p);
      walk(v.iterRange, product, depth + 1);
      for (const k of ["accuInit", "loopCondition", "loopStep", "result"]) walk(v[k], p, depth + 1);
      return;
    }
    if (kind === "callExpr") {
      const v = value as { target?: Node; args: Node[] };
      walk(v.target, product, depth + 1);
      for (const a of v.args) walk(a, product, depth + 1);
    } else if (kind === "selectExpr") walk((value as { operand?: Node }).operand, product, depth + 1);
    else if (kind === "listExpr")
      for (const e of (value as { elements: Node[] }).elements) walk(e, product, depth + 1);
    else if (kind === "structExpr") {
      for (const e of (value as { entries: { value?: Node }[] }).entries) walk(e.value, product, depth + 1);
    }
  };
  walk(parsed.expr, 1, 0);
  return worst;
}

export { ITERATION_BUDGET };
