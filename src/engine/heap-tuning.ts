/**
 * V8's heap growing factor for organization runs (docs/performance.md, "Per-account memory (round 5)" and
 * "Org scale, round 6").
 *
 * An organization run's peak RSS is not its live heap: after each full collection org-50 holds 160–200 MB,
 * yet V8 lets the heap grow to up to 4× the live size before the next one (its default growing factor is
 * picked by its own heuristics), so the peak is mostly garbage. A growing factor of 1.5 (50 %) took org-50
 * from ≈ 890 to 552–565 MB (0.62×) and org-200 from 2,088 to 1,444 MB (0.64×) for 14–18 % more CPU (more
 * full collections). A run over a whole organization is the run that meets a container's memory limit, and
 * an out-of-memory kill loses the evidence of every account, so organization runs trade that CPU for the
 * memory; a single-account run (and the demo) keeps V8's default (on a single-account replay the factor
 * cost ≈ 11 % more CPU and saved nothing that matters).
 *
 * The flag is process-wide, so it is set at a process's own entry, before the run allocates (V8 reads it
 * each time it sizes the heap after a full collection): the CLI's from its command line
 * (cli/heap-for-command.ts, called by bin/ only), the bench's measured child from its scenario. Never from
 * inside a command's action (an in-process run would change the heap of its host, e.g. a test worker).
 * `ITGC_HEAP_GROWING_PERCENT=N` overrides the decision (0: V8's own default), for measuring.
 */
import { setFlagsFromString } from "node:v8";
import { InputError } from "../core/errors.js";

/** The growing factor of an organization run, as 1 + N/100. */
export const ORGANIZATION_HEAP_GROWING_PERCENT = 50;

/**
 * Applies the heap growing factor for a run; returns the percent applied, or undefined when V8's default is
 * kept. `organization`: the run covers many accounts (`--org`, or a replayed recording, which may be one).
 */
export function tuneHeapForRun(
  run: { organization: boolean },
  env: NodeJS.ProcessEnv = process.env,
  setFlags: (flags: string) => void = setFlagsFromString,
): number | undefined {
  const override = env.ITGC_HEAP_GROWING_PERCENT;
  const percent =
    override !== undefined && override.trim() !== ""
      ? Number(override)
      : run.organization
        ? ORGANIZATION_HEAP_GROWING_PERCENT
        : 0;
  if (!Number.isInteger(percent) || percent < 0)
    throw new InputError(`ITGC_HEAP_GROWING_PERCENT must be a whole number ≥ 0, got "${override}"`);
  if (percent === 0) return undefined;
  setFlags(`--heap-growing-percent=${percent}`);
  return percent;
}
