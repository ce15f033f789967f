/**
 * What `lint` checks, as a function: load every control file under the paths (YAML bounds, schema, id and
 * path), then the typed checks of src/controls/validate.ts, and optionally a `--params` file against the
 * controls. The CLI command and the tests (including the property test over generated mutants) both call
 * this, so they exercise one code path. Query metadata comes from the generated declarations
 * (src/queries/declarations.ts), so lint loads no cloud SDK. Never throws on bad input: every problem is returned with its place.
 */
import { InputError, type InputProblem } from "../core/errors.js";
import type { Control } from "../core/types.js";
import { loadParamsFile } from "../engine/params.js";
import { loadControls } from "./loader.js";
import { semanticProblems } from "./validate.js";

export interface LintResult {
  controls: Control[];
  problems: InputProblem[];
}

export function lintPaths(paths: string[], opts: { paramsFile?: string } = {}): LintResult {
  const loaded = loadControls(paths);
  const problems = [...loaded.problems];
  for (const c of loaded.controls) problems.push(...semanticProblems(c, loaded.sources.get(c.id)));
  if (opts.paramsFile) {
    try {
      loadParamsFile(opts.paramsFile, loaded.controls);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      problems.push(...e.problems);
    }
  }
  return { controls: loaded.controls, problems };
}
