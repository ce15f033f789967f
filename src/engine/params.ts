/**
 * Control parameters: each control declares defaults; an organisation overrides them in a params file
 * (`--params FILE`), keyed by control id. Every override is checked (known control, known param, same type)
 * and reported as a deviation from the default.
 *
 *   access.aws-iam-access-keys-rotated:
 *     max_key_age_days: 120
 */
import { readFileSync } from "node:fs";
import { parseYaml } from "../controls/yaml-source.js";
import { InputError, type InputProblem } from "../core/errors.js";
import type { Control, ParamReport } from "../core/types.js";
import { canonicalJson } from "../util/canonical-json.js";

export type ParamOverrides = Record<string, Record<string, unknown>>;

export function loadParamsFile(file: string, catalogue: Control[]): ParamOverrides {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new InputError({ file, message: `cannot read params file: ${(e as Error).message}` });
  }
  const { source, problems } = parseYaml(file, text);
  if (!source) throw new InputError(problems);
  const value = source.value ?? {};
  if (typeof value !== "object" || Array.isArray(value)) {
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
    if (!overrides || typeof overrides !== "object" || Array.isArray(overrides)) {
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
      } else if (typeOf(v) !== typeOf(control.params[name])) {
        at(
          [id, name],
          `must be a ${typeOf(control.params[name])} like the default ${JSON.stringify(control.params[name])}`,
        );
      }
    }
  }
  if (found.length > 0) throw new InputError(found);
  return value as ParamOverrides;
}

function typeOf(v: unknown): string {
  return Array.isArray(v) ? "list" : typeof v;
}

export function effectiveParams(control: Control, overrides: ParamOverrides): ParamReport {
  const mine = overrides[control.id] ?? {};
  const values = { ...control.params, ...mine };
  const overridden = Object.keys(mine).filter(
    (k) => canonicalJson(mine[k]) !== canonicalJson(control.params[k]),
  );
  return { values, defaults: { ...control.params }, overridden };
}
