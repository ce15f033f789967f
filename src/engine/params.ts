/**
 * Control parameters: each control declares defaults; an organisation overrides them in a params file
 * (`--params FILE`), keyed by control id. Every override is checked (known control, known param, same type)
 * and reported as a deviation from the default.
 *
 *   access.aws-iam-access-keys-rotated:
 *     max_key_age_days: 120
 *   access.aws-sso-leavers-no-access:
 *     leavers: "@hr/leavers-2026q3.csv"   # a list parameter declared under param_csv (params-csv.ts)
 */
import { readFileSync, statSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { paramValueProblem } from "../controls/param-rules.js";
import { parseYaml, YAML_LIMITS } from "../controls/yaml-source.js";
import { InputError, type InputProblem } from "../core/errors.js";
import type { Control, ParamReport } from "../core/types.js";
import { sha256Hex } from "../evidence/bagit.js";
import { canonicalJson } from "../util/canonical-json.js";
import { csvReference, type ParamSource, parseParamCsv, readParamCsv } from "./params-csv.js";

export type ParamOverrides = Record<string, Record<string, unknown>>;

export interface LoadedParams {
  overrides: ParamOverrides;
  /** The CSV files list parameters were read from (evidence). */
  sources: ParamSource[];
}

export function loadParamsFile(file: string, catalogue: Control[]): ParamOverrides {
  return loadParams(file, catalogue).overrides;
}

/** A params file's overrides, with every "@file.csv" list parameter read into its list. */
export function loadParams(file: string, catalogue: Control[]): LoadedParams {
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
  const sources: ParamSource[] = [];
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
    for (const [name, given] of Object.entries(overrides)) {
      let v: unknown = given;
      const csv = csvReference(given);
      if (csv !== undefined && control.param_csv?.[name]) {
        const read = readCsvParam(file, csv, control, name, at);
        if (!read) continue;
        v = read.values;
        (overrides as Record<string, unknown>)[name] = v;
        sources.push(read.source);
      }
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
  return { overrides: value as ParamOverrides, sources };
}

/**
 * Reads the CSV file a parameter names (relative to the params file). An unreadable file is a problem at
 * the parameter's place in the params file; a bad cell is one at the CSV's own file:line:column.
 */
function readCsvParam(
  paramsFile: string,
  csv: string,
  control: Control,
  name: string,
  at: (path: string[], message: string) => void,
): { values: string[]; source: ParamSource } | undefined {
  const path = resolve(dirname(paramsFile), csv);
  // Problems name the file as the auditor can open it from where they ran the command.
  const shown = relative(process.cwd(), path) || path;
  let text: string;
  try {
    text = readParamCsv(path, shown);
  } catch (e) {
    if (e instanceof InputError) throw e;
    at([control.id, name], `cannot read CSV file ${csv}: ${(e as Error).message}`);
    return undefined;
  }
  const { values, header } = parseParamCsv(shown, text, control.param_csv![name]!);
  return {
    values,
    source: {
      control: control.id,
      param: name,
      file: csv,
      sha256: sha256Hex(text),
      rows: values.length,
      header,
      text,
    },
  };
}

export function effectiveParams(control: Control, overrides: ParamOverrides): ParamReport {
  const mine = overrides[control.id] ?? {};
  const values = { ...control.params, ...mine };
  const overridden = Object.keys(mine).filter(
    (k) => canonicalJson(mine[k]) !== canonicalJson(control.params[k]),
  );
  return { values, defaults: { ...control.params }, overridden };
}
