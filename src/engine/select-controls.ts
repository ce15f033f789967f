/**
 * Loading, checking and filtering the controls of a run without loading any query module or cloud SDK (the
 * query declarations are enough), so `controls list` and `permissions` start fast.
 */
import { type ControlFilter, filterControls } from "../controls/catalogue.js";
import { loadControls } from "../controls/loader.js";
import { semanticProblemsOf } from "../controls/semantic-checks.js";
import { InputError } from "../core/errors.js";
import type { Control } from "../core/types.js";

/** Loads, filters and checks controls; throws InputError listing every problem. */
export async function selectControls(
  paths: string[] | undefined,
  filter: ControlFilter,
): Promise<{ selected: Control[]; all: Control[] }> {
  const loaded = loadControls(paths);
  const problems = [...loaded.problems, ...(await semanticProblemsOf(loaded))];
  if (problems.length > 0) throw new InputError(problems);
  const selected = filterControls(loaded.controls, filter);
  if (selected.length === 0)
    throw new InputError("no control matches the given filters (see `itgc-validate controls list`)");
  return { selected, all: loaded.controls };
}
