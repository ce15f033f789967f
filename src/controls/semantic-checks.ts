/**
 * validate.ts's checks over loaded controls, skipping those the checked catalogue vouches for. The checker
 * (and with it the CEL library) is imported only when some control needs it, so a listing or a run of the
 * unchanged bundled catalogue never loads it.
 */
import type { InputProblem } from "../core/errors.js";
import type { LoadResult } from "./loader.js";

export async function semanticProblemsOf(loaded: LoadResult): Promise<InputProblem[]> {
  const unchecked = loaded.controls.filter((c) => !loaded.checked.has(c));
  if (unchecked.length === 0) return [];
  const { semanticProblems } = await import("./validate.js");
  return unchecked.flatMap((c) => semanticProblems(c, loaded.sources.get(c.id)));
}
