/**
 * One ajv schema error as an input problem at its place in the YAML (file:line:column and the field's dotted
 * path), in words a control or waiver author can act on. Shared by every YAML file validated against a
 * published schema (controls, waivers), so they report alike.
 */
import type { ErrorObject } from "ajv";
import type { InputProblem } from "../core/errors.js";
import type { YamlSource } from "./yaml-source.js";

/** `suggest(field)`: a hint appended to "unknown field" (e.g. ` (did you mean "expect"?)`), or "". */
export function schemaErrorProblem(
  source: YamlSource,
  e: ErrorObject,
  suggest: (field: string) => string = () => "",
): InputProblem {
  const path = e.instancePath
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  let field = path.join(".") || undefined;
  let message = e.message ?? "is invalid";
  let pos = source.locate(path);
  if (e.keyword === "additionalProperties") {
    const extra = String((e.params as { additionalProperty: string }).additionalProperty);
    field = [...path, extra].join(".");
    message = `unknown field "${extra}"${suggest(extra)}`;
    pos = source.locate([...path, extra], true);
  } else if (e.keyword === "required") {
    field = [...path, String((e.params as { missingProperty: string }).missingProperty)].join(".");
    message = "is required";
  } else if (e.keyword === "enum") {
    message = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(", ")}`;
  }
  return { file: source.file, line: pos?.line, column: pos?.column, field, message };
}
