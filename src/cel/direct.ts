/**
 * A direct evaluator for the plain boolean subset of CEL that most `where` and `expect` clauses are written
 * in — names, `a.b` on a map, string / bool / null literals, `!`, `&&`, `||`, `==`, `!=`, `in` a list and
 * `?:` — for the cases where every value is a string, a bool or null (and the lists and maps holding them).
 * @bufbuild/cel's interpreter costs ≈ 5 µs an evaluation on an event row (name resolution through
 * attributes, overload dispatch, generic equality: `account in params.production_accounts` compares with
 * each of 50 accounts through it); a million-event run evaluates two clauses a row.
 *
 * It never decides anything the interpreter would decide differently: it answers only when each value it
 * met had one of those types and no step was an error, and gives up (DECLINE) otherwise — a missing name, a
 * number, a timestamp, a non-boolean operand of `&&` — and the caller then evaluates with the interpreter,
 * which makes the same result or the error it always made. Where CEL would absorb an error (`false && x`),
 * this stops at the same operand, before the error. test/cel/direct.test.ts compares both on generated
 * expressions and bindings.
 */
import { isCelError, isCelList, isCelMap } from "@bufbuild/cel";

/** The direct evaluator could not decide: evaluate with the interpreter. */
export const DECLINE: unique symbol = Symbol("decline");

type Value = string | boolean | null | object;
type Node = (vars: Record<string, unknown>) => Value | typeof DECLINE;

interface ExprNode {
  exprKind: { case: string | undefined; value?: unknown };
}

/**
 * The expression as a function of its bindings (CelBindings.values or converted bindings), or undefined when
 * it uses anything outside the subset (then it is always interpreted). The function answers a string, a bool
 * or null, or DECLINE.
 */
export function directEvaluator(
  expr: ExprNode,
): ((vars: Record<string, unknown>) => string | boolean | null | typeof DECLINE) | undefined {
  const node = compile(expr, 0);
  if (!node) return undefined;
  return (vars) => {
    const v = node(vars);
    // A list or map as the whole result: the interpreter converts it (fromCel).
    return v !== null && typeof v === "object" ? DECLINE : v;
  };
}

/** A name's value as the interpreter would read it, if it is of the subset's types. */
function binding(vars: Record<string, unknown>, name: string): Value | typeof DECLINE {
  const v = vars[name];
  switch (typeof v) {
    case "string":
    case "boolean":
      return v;
    case "object":
      // null, or a list or map already in CEL form; a plain array or object would be converted: decline.
      return v === null || isCelList(v) || isCelMap(v) ? v : DECLINE;
    default:
      return DECLINE;
  }
}

const primitive = (v: unknown): v is string | boolean | null =>
  v === null || typeof v === "string" || typeof v === "boolean";

function compile(e: ExprNode | undefined, depth: number): Node | undefined {
  if (!e || depth > 50) return undefined;
  const { case: kind, value } = e.exprKind;
  switch (kind) {
    case "constExpr": {
      const c = (value as { constantKind: { case: string | undefined; value?: unknown } }).constantKind;
      if (c.case === "stringValue" || c.case === "boolValue") {
        const v = c.value as string | boolean;
        return () => v;
      }
      if (c.case === "nullValue") return () => null;
      return undefined;
    }
    case "identExpr": {
      const { name } = value as { name: string };
      // A qualified or absolute name is resolved through the container by the interpreter.
      if (name.includes(".")) return undefined;
      return (vars) => binding(vars, name);
    }
    case "selectExpr": {
      const path = selectPath(e);
      if (!path) return undefined;
      const [root, ...fields] = path;
      // The interpreter first tries the longest dotted name as a variable (`params.production_accounts`),
      // then shorter ones: decline when any of them is bound.
      const dotted: string[] = [];
      for (let k = fields.length; k >= 1; k--) dotted.push([root, ...fields.slice(0, k)].join("."));
      return (vars) => {
        for (const name of dotted) if (vars[name] !== undefined) return DECLINE;
        let v = binding(vars, root!);
        for (const field of fields) {
          if (v === DECLINE || !isCelMap(v)) return DECLINE;
          const x = (v as { get(key: string): unknown }).get(field);
          if (x === undefined || isCelError(x)) return DECLINE;
          if (primitive(x) || isCelList(x) || isCelMap(x)) v = x as Value;
          else return DECLINE;
        }
        return v;
      };
    }
    case "callExpr": {
      const call = value as { function: string; target?: ExprNode; args: ExprNode[] };
      if (call.target) return undefined;
      const args = call.args.map((a) => compile(a, depth + 1));
      if (args.some((a) => !a)) return undefined;
      const [a, b, c] = args as Node[];
      switch (`${call.function}/${args.length}`) {
        case "!_/1":
          return (vars) => {
            const x = a!(vars);
            return typeof x === "boolean" ? !x : DECLINE;
          };
        case "_&&_/2":
          return (vars) => {
            const x = a!(vars);
            if (x === false) return false;
            if (x !== true) return DECLINE;
            const y = b!(vars);
            return typeof y === "boolean" ? y : DECLINE;
          };
        case "_||_/2":
          return (vars) => {
            const x = a!(vars);
            if (x === true) return true;
            if (x !== false) return DECLINE;
            const y = b!(vars);
            return typeof y === "boolean" ? y : DECLINE;
          };
        case "_==_/2":
        case "_!=_/2": {
          const negate = call.function === "_!=_";
          return (vars) => {
            const x = a!(vars);
            if (!primitive(x)) return DECLINE;
            const y = b!(vars);
            // CEL equality of two strings, bools or nulls is identity (values of different types: false).
            if (!primitive(y)) return DECLINE;
            return (x === y) !== negate;
          };
        }
        case "@in/2": {
          let seen: object | undefined;
          let members: Set<unknown> | undefined;
          return (vars) => {
            const x = a!(vars);
            if (!primitive(x)) return DECLINE;
            const list = b!(vars);
            if (list === DECLINE || list === null || typeof list !== "object" || !isCelList(list))
              return DECLINE;
            // The same list every row (a parameter): its members as a set, once.
            if (list !== seen) {
              seen = list;
              members = listMembers(list as CelListLike);
            }
            return members ? members.has(x) : DECLINE;
          };
        }
        case "_?_:_/3":
          return (vars) => {
            const x = a!(vars);
            if (x === true) return b!(vars);
            if (x === false) return c!(vars);
            return DECLINE;
          };
        default:
          return undefined;
      }
    }
    default:
      return undefined;
  }
}

interface CelListLike {
  readonly size: number;
  get(index: number): unknown;
}

/**
 * The list's members when every one is a string, bool or null (then `x in list`, for such an x, is CEL's
 * `exists(m, m == x)`: equality of those types is identity, and any other member type never equals one);
 * undefined otherwise.
 */
function listMembers(list: CelListLike): Set<unknown> | undefined {
  const out = new Set<unknown>();
  for (let i = 0; i < list.size; i++) {
    const m = list.get(i);
    if (!primitive(m)) return undefined;
    out.add(m);
  }
  return out;
}

/** `a.b.c` as ["a", "b", "c"] when the chain starts at a plain name (not a presence test); else undefined. */
function selectPath(e: ExprNode): string[] | undefined {
  const fields: string[] = [];
  let n: ExprNode | undefined = e;
  while (n && n.exprKind.case === "selectExpr") {
    const s = n.exprKind.value as { operand?: ExprNode; field: string; testOnly: boolean };
    if (s.testOnly) return undefined;
    fields.unshift(s.field);
    n = s.operand;
  }
  if (n?.exprKind.case !== "identExpr") return undefined;
  const { name } = n.exprKind.value as { name: string };
  if (name.includes(".")) return undefined;
  return [name, ...fields];
}
