/**
 * What `lint` checks, as a function: load every control file under the paths (YAML bounds, schema, id and
 * path), then the typed checks of src/controls/validate.ts, and optionally a `--params` file against the
 * controls. The CLI command and the tests (including the property test over generated mutants) both call
 * this, so they exercise one code path. Files of the checked catalogue (checked-catalogue.ts: unchanged bundled
 * files, after a build) are known to pass the per-file checks and are not checked again. Query metadata comes from the generated declarations
 * (src/queries/declarations.ts), so lint loads no cloud SDK. Never throws on bad input: every problem is returned with its place.
 */
import { InputError, type InputProblem } from "../core/errors.js";
import type { Control } from "../core/types.js";
import { loadControls } from "./loader.js";
import { semanticProblemsOf } from "./semantic-checks.js";

export interface LintResult {
  controls: Control[];
  problems: InputProblem[];
}

export async function lintPaths(paths: string[], opts: { paramsFile?: string } = {}): Promise<LintResult> {
  const loaded = loadControls(paths);
  const problems = [...loaded.problems, ...(await semanticProblemsOf(loaded))];
  if (opts.paramsFile) {
    // The params checker brings the CEL type library: loaded only for --params.
    const { loadParamsFile } = await import("../engine/params.js");
    try {
      loadParamsFile(opts.paramsFile, loaded.controls);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      problems.push(...e.problems);
    }
  }
  return { controls: loaded.controls, problems };
}
