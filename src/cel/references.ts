/**
 * Static analysis of a CEL expression: the free identifiers it reads (variables not bound by a
 * comprehension such as `exists`) and the `params.<name>` it uses. Lint uses this to reject an expression
 * that reads a field the query does not produce — at authoring time, instead of an `error` verdict at run time.
 */
import { parseCached } from "./parse-cache.js";

interface ExprNode {
  exprKind: { case: string | undefined; value?: unknown };
}

export interface References {
  identifiers: Set<string>;
  params: Set<string>;
}

export function referencesOf(source: string): References {
  const refs: References = { identifiers: new Set(), params: new Set() };
  const parsed = parseCached(source) as unknown as { expr?: ExprNode };
  if (parsed.expr) walk(parsed.expr, new Set(), refs);
  return refs;
}

function walk(node: ExprNode | undefined, bound: Set<string>, refs: References): void {
  if (!node) return;
  const { case: kind, value } = node.exprKind;
  switch (kind) {
    case "identExpr": {
      const name = (value as { name: string }).name;
      if (!bound.has(name) && !name.startsWith("@")) refs.identifiers.add(name);
      return;
    }
    case "selectExpr": {
      const v = value as { operand?: ExprNode; field: string };
      const operand = v.operand?.exprKind;
      if (
        operand?.case === "identExpr" &&
        (operand.value as { name: string }).name === "params" &&
        !bound.has("params")
      ) {
        refs.params.add(v.field);
      }
      walk(v.operand, bound, refs);
      return;
    }
    case "callExpr": {
      const v = value as { target?: ExprNode; args: ExprNode[] };
      walk(v.target, bound, refs);
      for (const a of v.args) walk(a, bound, refs);
      return;
    }
    case "listExpr":
      for (const e of (value as { elements: ExprNode[] }).elements) walk(e, bound, refs);
      return;
    case "structExpr":
      for (const entry of (
        value as { entries: { keyKind: { case?: string; value?: unknown }; value?: ExprNode }[] }
      ).entries) {
        if (entry.keyKind.case === "mapKey") walk(entry.keyKind.value as ExprNode, bound, refs);
        walk(entry.value, bound, refs);
      }
      return;
    case "comprehensionExpr": {
      const v = value as {
        iterVar: string;
        iterVar2?: string;
        accuVar: string;
        iterRange?: ExprNode;
        accuInit?: ExprNode;
        loopCondition?: ExprNode;
        loopStep?: ExprNode;
        result?: ExprNode;
      };
      walk(v.iterRange, bound, refs);
      walk(v.accuInit, bound, refs);
      const inner = new Set([...bound, v.iterVar, v.accuVar, ...(v.iterVar2 ? [v.iterVar2] : [])]);
      walk(v.loopCondition, inner, refs);
      walk(v.loopStep, inner, refs);
      walk(v.result, inner, refs);
      return;
    }
    default:
      return;
  }
}
