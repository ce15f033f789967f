/** Validates control definitions against schema/control.schema.json with ajv (all errors, with positions). */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { ErrorObject, ValidateFunction } from "ajv";
import type { InputProblem } from "../core/errors.js";
import { CONTROL_SCHEMA_FILE } from "../util/paths.js";
import { schemaErrorProblem } from "./schema-problem.js";
import type { YamlSource } from "./yaml-source.js";

/**
 * Compiled on the first file to validate: ajv (CommonJS, loaded with require) and the compilation are most of
 * this module's cost, and a command whose control files are all in the checked catalogue validates none.
 */
let compiled: ValidateFunction | undefined;
function validator(): ValidateFunction {
  if (!compiled) {
    const { Ajv } = createRequire(import.meta.url)("ajv") as typeof import("ajv");
    const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: false });
    compiled = ajv.compile(JSON.parse(readFileSync(CONTROL_SCHEMA_FILE, "utf8")));
  }
  return compiled;
}

export function schemaProblems(source: YamlSource): InputProblem[] {
  const validate = validator();
  if (validate(source.value)) return [];
  return dedupe(validate.errors ?? [])
    .filter((e) => e.keyword !== "anyOf" || e.instancePath === "")
    .map((e) => toProblem(source, e));
}

function toProblem(source: YamlSource, e: ErrorObject): InputProblem {
  if (e.keyword === "anyOf" && e.instancePath === "") {
    const pos = source.locate([]);
    const message = "a control needs at least one `expect` or `assert` clause";
    return { file: source.file, line: pos?.line, column: pos?.column, field: "expect", message };
  }
  return schemaErrorProblem(source, e, suggest);
}

const KNOWN_FIELDS = [
  "id",
  "title",
  "provider",
  "domain",
  "severity",
  "objective",
  "procedure",
  "remediation",
  "mappings",
  "query",
  "query_params",
  "resource",
  "where",
  "expect",
  "assert",
  "when_empty",
  "params",
  "param_ranges",
  "param_csv",
  "references",
  "notes",
  "that",
  "message",
];

/** " (did you mean "expect"?)" for a field one or two edits away from a known one. */
function suggest(field: string): string {
  const best = KNOWN_FIELDS.map((k) => ({ k, d: editDistance(field, k) })).sort((a, b) => a.d - b.d)[0];
  return best && best.d <= 2 ? ` (did you mean "${best.k}"?)` : "";
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) dp[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      dp[i]![j] = Math.min(
        dp[i - 1]![j]! + 1,
        dp[i]![j - 1]! + 1,
        dp[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
  }
  return dp[a.length]![b.length]!;
}

function dedupe(errors: ErrorObject[]): ErrorObject[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const k = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
