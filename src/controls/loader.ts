/**
 * Loads control definitions from YAML files: parse (with positions), validate against the JSON Schema,
 * check that the id equals the path, and build Control objects. Problems are collected, never thrown one
 * at a time, so `lint` can show them all.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, relative, sep } from "node:path";
import type { InputProblem } from "../core/errors.js";
import type { Control, ControlFrequency, ExpectClause, ParamRange, Status } from "../core/types.js";
import { BUNDLED_CONTROLS_DIR } from "../util/paths.js";
import { type CheckedCatalogue, loadCheckedCatalogue, textDigest } from "./checked-catalogue.js";
import { schemaProblems } from "./schema.js";
import { deferredYamlSource, parseYaml, YAML_LIMITS, type YamlSource } from "./yaml-source.js";

export interface LoadResult {
  controls: Control[];
  problems: InputProblem[];
  /** Parsed sources by control id, for positions in later checks. */
  sources: Map<string, YamlSource>;
  /**
   * The controls whose file is in the checked catalogue (checked-catalogue.ts): its per-file checks,
   * validate.ts's included, are known to pass, so callers need not run them again.
   */
  checked: Set<Control>;
}

/** Finds every .yaml / .yml file under the given paths (files or directories). */
export function findControlFiles(paths: string[]): { files: string[]; problems: InputProblem[] } {
  const files: string[] = [];
  const problems: InputProblem[] = [];
  for (const p of paths) {
    if (!existsSync(p)) {
      problems.push({ file: p, message: "no such file or directory" });
      continue;
    }
    try {
      if (statSync(p).isDirectory()) files.push(...walkYaml(p, problems, 0));
      else files.push(p);
    } catch (e) {
      problems.push({ file: p, message: `cannot read: ${(e as Error).message}` });
    }
  }
  return { files: [...new Set(files)].sort(), problems };
}

/** Directories nested deeper than this are not searched (a symlink loop must not recurse forever). */
const MAX_DIRECTORY_DEPTH = 16;

function walkYaml(dir: string, problems: InputProblem[], depth: number): string[] {
  const out: string[] = [];
  if (depth > MAX_DIRECTORY_DEPTH) {
    problems.push({ file: dir, message: `directories nested more than ${MAX_DIRECTORY_DEPTH} deep` });
    return out;
  }
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    try {
      if (statSync(path).isDirectory()) out.push(...walkYaml(path, problems, depth + 1));
      else if (/\.ya?ml$/.test(name)) out.push(path);
    } catch (e) {
      problems.push({ file: path, message: `cannot read: ${(e as Error).message}` });
    }
  }
  return out;
}

/**
 * `catalogue`: the checked catalogue to trust (default: this build's, if any); null checks every file (the
 * build, making the catalogue).
 */
export function loadControls(
  paths: string[] = [BUNDLED_CONTROLS_DIR],
  opts: { catalogue?: CheckedCatalogue | null } = {},
): LoadResult {
  const { files, problems } = findControlFiles(paths);
  const catalogue = opts.catalogue === undefined ? loadCheckedCatalogue() : (opts.catalogue ?? undefined);
  const controls: Control[] = [];
  const sources = new Map<string, YamlSource>();
  const checked = new Set<Control>();
  const seen = new Map<string, string>();
  for (const file of files) {
    const rel = relative(process.cwd(), file);
    const display = rel && !rel.startsWith("..") ? rel : file;
    let text: string;
    try {
      const size = statSync(file).size;
      if (size > YAML_LIMITS.bytes) {
        problems.push({
          file: display,
          line: 1,
          column: 1,
          message: `file is ${size} bytes; the limit is ${YAML_LIMITS.bytes} (1 MiB)`,
        });
        continue;
      }
      text = readFileSync(file, "utf8");
    } catch (e) {
      problems.push({ file: display, message: `cannot read: ${(e as Error).message}` });
      continue;
    }
    const known = catalogue?.valueOf(textDigest(text));
    let source: YamlSource | undefined;
    if (known !== undefined) {
      source = deferredYamlSource(display, text, known);
    } else {
      const parsed = parseYaml(display, text);
      problems.push(...parsed.problems);
      source = parsed.source;
    }
    if (!source) continue;
    if (!source.value || typeof source.value !== "object" || Array.isArray(source.value)) {
      problems.push({ file: display, line: 1, message: "a control file must hold one YAML mapping" });
      continue;
    }
    const fileProblems = known !== undefined ? [] : schemaProblems(source);
    const schemaOk = fileProblems.length === 0;
    const raw = source.value as Record<string, unknown>;
    const expectedId = idFromPath(file);
    if (typeof raw.id === "string" && expectedId && raw.id !== expectedId) {
      const pos = source.locate(["id"]);
      fileProblems.push({
        file: display,
        line: pos?.line,
        column: pos?.column,
        field: "id",
        message: `must equal the file path: expected "${expectedId}" for ${join(basename(dirname(file)), basename(file))}`,
      });
    }
    if (
      typeof raw.id === "string" &&
      typeof raw.domain === "string" &&
      !raw.id.startsWith(`${raw.domain}.`)
    ) {
      const pos = source.locate(["domain"]);
      fileProblems.push({
        file: display,
        line: pos?.line,
        column: pos?.column,
        field: "domain",
        message: `does not match the id's domain (${raw.id})`,
      });
    }
    if (typeof raw.id === "string") {
      const other = seen.get(raw.id);
      if (other) {
        const pos = source.locate(["id"]);
        fileProblems.push({
          file: display,
          line: pos?.line,
          column: pos?.column,
          field: "id",
          message: `duplicate id "${raw.id}", also defined in ${other}`,
        });
      } else {
        seen.set(raw.id, display);
      }
    }
    problems.push(...fileProblems);
    // Id problems do not stop the remaining checks (CEL, query) from running on a schema-valid control.
    if (!schemaOk) continue;
    const control = toControl(raw, display, text);
    controls.push(control);
    sources.set(control.id, source);
    if (known !== undefined) checked.add(control);
  }
  controls.sort((a, b) => a.id.localeCompare(b.id));
  return { controls, problems, sources, checked };
}

/** controls/<domain>/<name>.yaml → <domain>.<name>; undefined when the file is not in a domain folder. */
export function idFromPath(file: string): string | undefined {
  const parts = file.split(sep);
  const name = basename(file).replace(/\.ya?ml$/, "");
  const domain = parts[parts.length - 2];
  if (!domain || !["access", "change-management", "logging"].includes(domain)) return undefined;
  return `${domain}.${name}`;
}

function toControl(raw: Record<string, unknown>, file: string, text: string): Control {
  return {
    id: raw.id as string,
    title: raw.title as string,
    provider: raw.provider as Control["provider"],
    domain: raw.domain as Control["domain"],
    severity: raw.severity as Control["severity"],
    objective: String(raw.objective).trim(),
    procedure: String(raw.procedure).trim(),
    remediation: String(raw.remediation).trim(),
    mappings: (raw.mappings as Record<string, string[]>) ?? {},
    query: raw.query as string,
    query_params: (raw.query_params as Record<string, unknown>) ?? {},
    resource: raw.resource as string,
    where: raw.where as string | undefined,
    expect: (raw.expect as ExpectClause[]) ?? [],
    assert: (raw.assert as ExpectClause[]) ?? [],
    when_empty: (raw.when_empty as Status) ?? "pass",
    params: (raw.params as Record<string, unknown>) ?? {},
    ...(raw.param_ranges ? { param_ranges: raw.param_ranges as Record<string, ParamRange> } : {}),
    // List parameters an auditor may give as a CSV file, with their columns.
    ...(raw.param_csv ? { param_csv: raw.param_csv as Record<string, string[]> } : {}),
    // How often the control operates (operating-effectiveness tests): sizes the default sample.
    ...(raw.frequency ? { frequency: raw.frequency as ControlFrequency } : {}),
    source: { file, text },
  };
}
