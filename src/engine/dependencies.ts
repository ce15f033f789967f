/**
 * What a control depends on, for the failure rule (docs/architecture.md, "Failure units"): which row fields
 * its expressions, resource and messages may read, and whether a population item described by some known
 * fields could be in its population. Both answers over-approximate: when in doubt, the control depends.
 */
import { parseCached } from "../cel/parse-cache.js";
import type { CompiledControl } from "./evaluate.js";

interface ExprNode {
  exprKind: { case: string | undefined; value?: unknown };
}

/**
 * Every name an expression might read as a row field: its free identifiers and every selected member
 * (`item.x`, `items.exists(t, t.x)`, `tags.owner`). Selected members are counted whatever they select from,
 * which may name a field that is not read (`params.x`) but never misses one that is.
 */
export function namesRead(source: string): Set<string> {
  const out = new Set<string>();
  let parsed: { expr?: ExprNode };
  try {
    parsed = parseCached(source) as unknown as { expr?: ExprNode };
  } catch {
    out.add("*"); // cannot tell: depends on everything
    return out;
  }
  walk(parsed.expr, out);
  return out;
}

function walk(node: ExprNode | undefined, out: Set<string>): void {
  if (!node) return;
  const { case: kind, value } = node.exprKind;
  switch (kind) {
    case "identExpr":
      out.add((value as { name: string }).name);
      return;
    case "selectExpr": {
      const v = value as { operand?: ExprNode; field: string };
      out.add(v.field);
      walk(v.operand, out);
      return;
    }
    case "callExpr": {
      const v = value as { target?: ExprNode; args: ExprNode[] };
      walk(v.target, out);
      for (const a of v.args) walk(a, out);
      return;
    }
    case "listExpr":
      for (const e of (value as { elements: ExprNode[] }).elements) walk(e, out);
      return;
    case "structExpr":
      for (const entry of (
        value as { entries: { keyKind: { case?: string; value?: unknown }; value?: ExprNode }[] }
      ).entries) {
        if (entry.keyKind.case === "mapKey") walk(entry.keyKind.value as ExprNode, out);
        walk(entry.value, out);
      }
      return;
    case "comprehensionExpr": {
      const v = value as Record<string, ExprNode | undefined>;
      for (const k of ["iterRange", "accuInit", "loopCondition", "loopStep", "result"]) walk(v[k], out);
      return;
    }
    default:
      return;
  }
}

/** The row fields a control may read: its expressions, its resource field and its message placeholders. */
export function fieldsReadBy(compiled: CompiledControl): Set<string> {
  const { control } = compiled;
  const out = new Set<string>();
  const add = (names: Iterable<string>) => {
    for (const n of names) out.add(n);
  };
  if (control.where) add(namesRead(control.where));
  for (const c of [...control.expect, ...control.assert]) {
    add(namesRead(c.that));
    for (const m of c.message.matchAll(/\{([A-Za-z_][A-Za-z0-9_.]*)\}/g)) add(m[1]!.split("."));
  }
  add(control.resource.split("."));
  return out;
}

/** True when a control's population assertions read the whole unfiltered population (`all`). */
export function readsAllRows(compiled: CompiledControl): boolean {
  return compiled.control.assert.some((c) => namesRead(c.that).has("all"));
}
