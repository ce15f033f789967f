/**
 * Control parameters: each control declares defaults; an organisation overrides them in a params file
 * (`--params FILE`), keyed by control id. Every override is checked (known control, known param, same type)
 * and reported as a deviation from the default.
 *
 *   access.aws-iam-access-keys-rotated:
 *     max_key_age_days: 120
 */
import { readFileSync, statSync } from "node:fs";
import { paramValueProblem } from "../controls/param-rules.js";
import { parseYaml, YAML_LIMITS } from "../controls/yaml-source.js";
import { InputError, type InputProblem } from "../core/errors.js";
import type { Control, ParamReport } from "../core/types.js";
import { canonicalJson } from "../util/canonical-json.js";

export type ParamOverrides = Record<string, Record<string, unknown>>;

export function loadParamsFile(file: string, catalogue: Control[]): ParamOverrides {
  let text: string;
  try {
    const size = statSync(file).size;
    if (size > YAML_LIMITS.bytes) {
      throw new InputError({
        file,
        line: 1,
        column: 1,
        message: `params file is ${size} bytes; the limit is ${YAML_LIMITS.bytes} (1 MiB)`,
      });
    }
    text = readFileSync(file, "utf8");
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError({ file, message: `cannot read params file: ${(e as Error).message}` });
  }
  const { source, problems } = parseYaml(file, text);
  if (!source) throw new InputError(problems);
  const value = source.value ?? {};
  if (typeof value !== "object" || Array.isArray(value) || value instanceof Date) {
    throw new InputError({ file, line: 1, message: "a params file maps control ids to {param: value}" });
  }
  const byId = new Map(catalogue.map((c) => [c.id, c]));
  const found: InputProblem[] = [];
  const at = (path: string[], message: string, key = false) => {
    const pos = source.locate(path, key);
    found.push({ file, line: pos?.line, column: pos?.column, field: path.join("."), message });
  };
  for (const [id, overrides] of Object.entries(value as Record<string, unknown>)) {
    const control = byId.get(id);
    if (!control) {
      at([id], "unknown control id", true);
      continue;
    }
    if (
      !overrides ||
      typeof overrides !== "object" ||
      Array.isArray(overrides) ||
      overrides instanceof Date
    ) {
      at([id], "must map parameter names to values");
      continue;
    }
    for (const [name, v] of Object.entries(overrides)) {
      if (!(name in control.params)) {
        const known = Object.keys(control.params);
        at(
          [id, name],
          `unknown parameter (${id} has ${known.length ? known.join(", ") : "no parameters"})`,
          true,
        );
      } else {
        const problem = paramValueProblem(v, control.params[name], control.param_ranges?.[name]);
        if (problem) at([id, name], problem);
      }
    }
  }
  if (found.length > 0) throw new InputError(found);
  return value as ParamOverrides;
}

export function effectiveParams(control: Control, overrides: ParamOverrides): ParamReport {
  const mine = overrides[control.id] ?? {};
  const values = { ...control.params, ...mine };
  const overridden = Object.keys(mine).filter(
    (k) => canonicalJson(mine[k]) !== canonicalJson(control.params[k]),
  );
  return { values, defaults: { ...control.params }, overridden };
}
