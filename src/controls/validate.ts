/**
 * Checks beyond the schema, shared by `lint` and `run`: the query exists and accepts the query_params,
 * every CEL expression compiles, and the control's provider matches its query's.
 */
import { Ajv } from "ajv";
import { compileExpression, ExpressionSyntaxError } from "../cel/expression.js";
import { referencesOf } from "../cel/references.js";
import type { InputProblem } from "../core/errors.js";
import { queryParamsFor } from "../core/query.js";
import type { Control } from "../core/types.js";
import { allQueries, getQuery } from "../queries/registry.js";
import type { YamlSource } from "./yaml-source.js";

const ajv = new Ajv({ allErrors: true, strict: false });

export function semanticProblems(control: Control, source?: YamlSource): InputProblem[] {
  const problems: InputProblem[] = [];
  const at = (path: (string | number)[], field: string, message: string) => {
    const pos = source?.locate(path);
    problems.push({ file: control.source.file, line: pos?.line, column: pos?.column, field, message });
  };
  const query = getQuery(control.query);
  if (!query) {
    const near = allQueries()
      .filter((q) => q.provider === control.provider)
      .map((q) => q.id)
      .filter((id) => id.split(".")[1] === control.query.split(".")[1]);
    at(
      ["query"],
      "query",
      `unknown query "${control.query}"${near.length ? ` (known in that service: ${near.join(", ")})` : ""}`,
    );
  } else {
    if (query.provider !== control.provider) {
      at(
        ["query"],
        "query",
        `is a ${query.provider} query but the control's provider is ${control.provider}`,
      );
    }
    for (const k of query.controlParams ?? []) {
      if (!(k in control.params))
        at(
          ["params"],
          "params",
          `query ${query.id} needs the control parameter ${k} (declare it with a default)`,
        );
    }
    if (query.paramsSchema) {
      const validate = ajv.compile(query.paramsSchema);
      if (!validate(queryParamsFor(query, control.query_params, control.params))) {
        for (const e of validate.errors ?? []) {
          at(
            ["query_params"],
            `query_params${e.instancePath.replace(/\//g, ".")}`,
            e.message ?? "is invalid",
          );
        }
      }
    } else if (Object.keys(control.query_params).length > 0) {
      at(["query_params"], "query_params", `query ${query.id} takes no parameters`);
    }
  }
  const check = (path: (string | number)[], field: string, expr: string) => {
    try {
      compileExpression(expr);
    } catch (e) {
      if (e instanceof ExpressionSyntaxError) at(path, field, `CEL syntax error: ${e.message}`);
      else throw e;
    }
  };
  if (control.where) check(["where"], "where", control.where);
  for (const [i, c] of control.expect.entries()) check(["expect", i, "that"], `expect.${i}.that`, c.that);
  for (const [i, c] of control.assert.entries()) check(["assert", i, "that"], `assert.${i}.that`, c.that);
  if (problems.length === 0) problems.push(...referenceProblems(control, source));
  return problems;
}

/** Names every item expression may use besides the query's fields. */
const ITEM_BINDINGS = ["item", "params", "now", "account", "region"];
/** Names a population assertion may use. */
const ASSERT_BINDINGS = ["items", "all", "params", "now", "account"];

/**
 * Every identifier an expression reads must be a field the query documents (or a binding the engine
 * provides), and every `params.x` must be a declared parameter — so a typo fails lint instead of turning
 * into an `error` verdict at run time.
 */
export function referenceProblems(control: Control, source?: YamlSource): InputProblem[] {
  const query = getQuery(control.query);
  if (!query) return [];
  const problems: InputProblem[] = [];
  const fields = new Set([...Object.keys(query.fields), ...ITEM_BINDINGS]);
  const check = (path: (string | number)[], field: string, expr: string, allowed: Set<string>) => {
    let refs: ReturnType<typeof referencesOf>;
    try {
      refs = referencesOf(expr);
    } catch {
      return; // syntax errors are reported by semanticProblems
    }
    const pos = source?.locate(path);
    for (const id of refs.identifiers) {
      if (!allowed.has(id)) {
        problems.push({
          file: control.source.file,
          line: pos?.line,
          column: pos?.column,
          field,
          message: `"${id}" is not a field of ${query.id} (fields: ${Object.keys(query.fields).join(", ")})`,
        });
      }
    }
    for (const p of refs.params) {
      if (!(p in control.params)) {
        problems.push({
          file: control.source.file,
          line: pos?.line,
          column: pos?.column,
          field,
          message: `params.${p} is not declared under params`,
        });
      }
    }
  };
  if (control.where) check(["where"], "where", control.where, fields);
  for (const [i, c] of control.expect.entries())
    check(["expect", i, "that"], `expect.${i}.that`, c.that, fields);
  for (const [i, c] of control.assert.entries())
    check(["assert", i, "that"], `assert.${i}.that`, c.that, new Set(ASSERT_BINDINGS));
  return problems;
}
