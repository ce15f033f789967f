/**
 * Checks beyond the schema, shared by `lint` and `run` (typed lint):
 * - the query exists, is the control's provider's, and accepts the query_params;
 * - every parameter value has its default's type, is finite, and lies in its declared range;
 * - `where`, `expect[].that` and `assert[].that` type-check against the query's declared field types and the
 *   engine's bindings (src/cel/check.ts) and are boolean; comprehensions stay within the cost bounds;
 * - `resource` names a field, and every `{placeholder}` in a message a field, binding or parameter.
 * Problems carry file:line:column (inside the expression where the checker knows the offset).
 */
import { Ajv } from "ajv";
import { acceptsBool, type CheckEnv, checkExpression, literalIterationProduct } from "../cel/check.js";
import { ITERATION_BUDGET } from "../cel/expression.js";
import { type CelT, formatType, nonNull, parseFieldDoc, T, typeOfValue } from "../cel/types.js";
import type { InputProblem } from "../core/errors.js";
import { type QueryDeclaration as QueryDef, queryParamsFor } from "../core/query.js";
import type { Control } from "../core/types.js";
import { declaredQueries, declaredQuery } from "../queries/declarations.js";
import { closest } from "../util/suggest.js";
import { paramValueProblem } from "./param-rules.js";
import type { YamlSource } from "./yaml-source.js";

const ajv = new Ajv({ allErrors: true, strict: false });
/** One compiled validator per query's params schema (compiling is the slow part of ajv). */
const paramsValidators = new WeakMap<object, ReturnType<typeof ajv.compile>>();

/** Names the engine binds for item expressions (`where`, `expect`), besides the query's fields. */
const ITEM_BINDINGS = ["item", "params", "now", "account", "region", "period"];
/** Names a population assertion may use. */
const ASSERT_BINDINGS = ["items", "all", "params", "now", "account", "period"];

/** `period` (the run's `--period FROM..TO`, added by the engine for event controls). */
const PERIOD: CelT = { kind: "record", name: "period", fields: { start: T.timestamp, end: T.timestamp } };

type Path = (string | number)[];

export function semanticProblems(control: Control, source?: YamlSource): InputProblem[] {
  const problems: InputProblem[] = [];
  const at = (path: Path, field: string, message: string, offset?: number) => {
    const pos = offset !== undefined ? source?.locateIn(path, offset) : source?.locate(path);
    problems.push({ file: control.source.file, line: pos?.line, column: pos?.column, field, message });
  };
  const query = declaredQuery(control.query);
  if (!query) {
    const near = declaredQueries()
      .filter((q) => q.provider === control.provider)
      .map((q) => q.id);
    const suggestion = closest(control.query, near, 3);
    const sameService = near.filter((id) => id.split(".")[1] === control.query.split(".")[1]);
    at(
      ["query"],
      "query",
      `unknown query "${control.query}"${suggestion ? ` (did you mean "${suggestion}"?)` : sameService.length ? ` (known in that service: ${sameService.join(", ")})` : ""}`,
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
      let validate = paramsValidators.get(query.paramsSchema);
      if (!validate) {
        validate = ajv.compile(query.paramsSchema);
        paramsValidators.set(query.paramsSchema, validate);
      }
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
  problems.push(...paramProblems(control, source));
  if (query) problems.push(...typedProblems(control, query, source));
  else problems.push(...syntaxOnlyProblems(control, source));
  return problems;
}

/** Every default lies in its range and is finite; every range names a declared parameter. */
function paramProblems(control: Control, source?: YamlSource): InputProblem[] {
  const problems: InputProblem[] = [];
  const at = (path: Path, message: string, key = false) => {
    const pos = source?.locate(path, key);
    problems.push({
      file: control.source.file,
      line: pos?.line,
      column: pos?.column,
      field: path.join("."),
      message,
    });
  };
  const ranges = control.param_ranges ?? {};
  for (const [name, value] of Object.entries(control.params)) {
    const problem = paramValueProblem(value, value, ranges[name]);
    if (problem) at(["params", name], problem);
  }
  for (const name of Object.keys(ranges)) {
    if (!(name in control.params)) {
      const s = closest(name, Object.keys(control.params));
      at(
        ["param_ranges", name],
        `is not a parameter declared under params${s ? ` (did you mean "${s}"?)` : ""}`,
        true,
      );
    }
    const r = ranges[name]!;
    if (r.minimum !== undefined && r.maximum !== undefined && r.minimum > r.maximum) {
      at(["param_ranges", name], `minimum ${r.minimum} is above maximum ${r.maximum}`);
    }
  }
  for (const name of Object.keys(control.param_csv ?? {})) {
    if (!(name in control.params)) {
      const s = closest(name, Object.keys(control.params));
      at(
        ["param_csv", name],
        `is not a parameter declared under params${s ? ` (did you mean "${s}"?)` : ""}`,
        true,
      );
    } else if (!Array.isArray(control.params[name])) {
      at(["param_csv", name], "only a list parameter can be given as a CSV file", true);
    }
  }
  return problems;
}

/** The declared field types of a query; a field whose description has no valid type is dyn here (a test fails on it). */
export function fieldTypes(query: Pick<QueryDef, "fields">): Map<string, CelT> {
  const out = new Map<string, CelT>();
  for (const [name, doc] of Object.entries(query.fields)) {
    let t: CelT = T.dyn;
    try {
      t = parseFieldDoc(doc).type;
    } catch {
      // reported by test/unit/query-field-types.test.ts for every registered query
    }
    out.set(name, t);
  }
  return out;
}

function paramsRecord(control: Control): CelT {
  const fields: Record<string, CelT> = {};
  for (const [k, v] of Object.entries(control.params)) fields[k] = typeOfValue(v);
  return { kind: "record", name: "params", fields };
}

function itemEnv(control: Control, query: QueryDef): { env: CheckEnv; item: CelT } {
  const fields = fieldTypes(query);
  const item: CelT = { kind: "record", name: `${query.id} row`, fields: Object.fromEntries(fields) };
  const variables = new Map<string, CelT>(fields);
  variables.set("item", item);
  variables.set("params", paramsRecord(control));
  variables.set("now", T.timestamp);
  variables.set("account", T.string);
  variables.set("region", T.string);
  variables.set("period", PERIOD);
  const names = [...fields.keys()];
  return {
    item,
    env: {
      variables,
      unknownIdentifier: (name, s) =>
        `"${name}" is not a field of ${query.id}${s ? ` (did you mean "${s}"?)` : ` (fields: ${names.join(", ")}; bindings: ${ITEM_BINDINGS.join(", ")})`}`,
    },
  };
}

function assertEnv(control: Control, item: CelT): CheckEnv {
  const variables = new Map<string, CelT>([
    ["items", T.list(item)],
    ["all", T.list(item)],
    ["params", paramsRecord(control)],
    ["now", T.timestamp],
    ["account", T.string],
    ["period", PERIOD],
  ]);
  return {
    variables,
    unknownIdentifier: (name, s) =>
      `"${name}" is not available in an assert${s ? ` (did you mean "${s}"?)` : ""} (bindings: ${ASSERT_BINDINGS.join(", ")}; fields are read through items, e.g. items.exists(i, i.${name}))`,
  };
}

function typedProblems(control: Control, query: QueryDef, source?: YamlSource): InputProblem[] {
  const problems: InputProblem[] = [];
  const at = (path: Path, field: string, message: string, offset?: number) => {
    const pos = offset !== undefined ? source?.locateIn(path, offset) : source?.locate(path);
    problems.push({ file: control.source.file, line: pos?.line, column: pos?.column, field, message });
  };
  const { env, item } = itemEnv(control, query);
  const aEnv = assertEnv(control, item);
  const expression = (path: Path, field: string, expr: string, e: CheckEnv) => {
    const r = checkExpression(expr, e);
    for (const p of r.problems) at(path, field, p.message, p.offset);
    if (r.problems.length === 0 && r.type && !acceptsBool(r.type)) {
      at(path, field, `must be a boolean expression, but its type is ${formatType(r.type)}`);
    }
    if (r.problems.length === 0) {
      const product = literalIterationProduct(expr);
      if (product > ITERATION_BUDGET) {
        at(
          path,
          field,
          `nested comprehensions run ${product.toLocaleString("en")} iterations, over the budget of ${ITERATION_BUDGET.toLocaleString("en")} per evaluation`,
        );
      }
    }
  };
  if (control.where !== undefined) expression(["where"], "where", control.where, env);
  for (const [i, c] of control.expect.entries()) {
    expression(["expect", i, "that"], `expect.${i}.that`, c.that, env);
    placeholders(["expect", i, "message"], `expect.${i}.message`, c.message, env.variables, query.id);
  }
  for (const [i, c] of control.assert.entries()) {
    expression(["assert", i, "that"], `assert.${i}.that`, c.that, aEnv);
    placeholders(["assert", i, "message"], `assert.${i}.message`, c.message, aEnv.variables, "an assert");
  }
  // resource: a field of the row (dotted path), whose value names the item.
  const resourceProblem = pathProblem(control.resource.split("."), item, "resource");
  if (resourceProblem) at(["resource"], "resource", resourceProblem);
  else {
    const t = nonNull(typeAtPath(control.resource.split("."), item));
    if (!["string", "int", "uint", "double", "dyn"].includes(t.kind)) {
      at(
        ["resource"],
        "resource",
        `must name a field that identifies the item (a string), but ${control.resource} is ${formatType(t)}`,
      );
    }
  }
  return problems;

  function placeholders(
    path: Path,
    field: string,
    message: string,
    vars: ReadonlyMap<string, CelT>,
    owner: string,
  ) {
    for (const m of message.matchAll(/\{([A-Za-z_][A-Za-z0-9_.]*)\}/g)) {
      const parts = m[1]!.split(".");
      const root = vars.get(parts[0]!);
      if (!root) {
        const s = closest(parts[0]!, vars.keys());
        at(
          path,
          field,
          `placeholder {${m[1]}}: "${parts[0]}" is not a field of ${owner}${s ? ` (did you mean "${s}"?)` : ""}`,
          m.index! + 1,
        );
        continue;
      }
      const problem = pathProblem(parts.slice(1), root, parts[0]!);
      if (problem) at(path, field, `placeholder {${m[1]}}: ${problem}`, m.index! + 1);
    }
  }
}

/** Why `path` cannot be read from a value of type `t` (undefined when it can). */
function pathProblem(path: string[], t: CelT, shown: string): string | undefined {
  let cur = t;
  let walked = shown;
  for (const part of path) {
    const c = nonNull(cur);
    if (c.kind === "dyn") return undefined;
    if (c.kind === "map") {
      cur = c.value;
    } else if (c.kind === "record") {
      const f = c.fields[part];
      if (!f) {
        const s = closest(part, Object.keys(c.fields));
        if (c.name === "params")
          return `params.${part} is not declared under params${s ? ` (did you mean "params.${s}"?)` : ""}`;
        return `"${part}" is not a field of ${walked === shown && shown === "resource" ? c.name.replace(/ row$/, "") : walked}${s ? ` (did you mean "${s}"?)` : ""}`;
      }
      cur = f;
    } else {
      return `${walked} is a ${formatType(cur)}, it has no "${part}"`;
    }
    walked = `${walked}.${part}`;
  }
  return undefined;
}

function typeAtPath(path: string[], t: CelT): CelT {
  let cur = t;
  for (const part of path) {
    const c = nonNull(cur);
    if (c.kind === "map") cur = c.value;
    else if (c.kind === "record") cur = c.fields[part] ?? T.dyn;
    else return T.dyn;
  }
  return cur;
}

/** Without a known query only the syntax of each expression can be checked. */
function syntaxOnlyProblems(control: Control, source?: YamlSource): InputProblem[] {
  const problems: InputProblem[] = [];
  const env: CheckEnv = { variables: new Map(), unknownIdentifier: () => "" };
  const check = (path: Path, field: string, expr: string) => {
    const r = checkExpression(expr, env);
    for (const p of r.problems.filter(
      (x) => x.message.startsWith("CEL syntax") || x.message.includes("limit"),
    )) {
      const pos = p.offset !== undefined ? source?.locateIn(path, p.offset) : source?.locate(path);
      problems.push({
        file: control.source.file,
        line: pos?.line,
        column: pos?.column,
        field,
        message: p.message,
      });
    }
  };
  if (control.where !== undefined) check(["where"], "where", control.where);
  for (const [i, c] of control.expect.entries()) check(["expect", i, "that"], `expect.${i}.that`, c.that);
  for (const [i, c] of control.assert.entries()) check(["assert", i, "that"], `assert.${i}.that`, c.that);
  return problems;
}
