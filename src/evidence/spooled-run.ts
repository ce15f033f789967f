/**
 * A run that writes a bundle records into a spool (recording/spool.ts) in the output directory, and writes
 * its large populations beside it as they are evaluated (engine/population-store.ts). This guards both for
 * as long as the run, the bundle writer and whoever prints the results need them: an error or SIGINT /
 * SIGTERM removes them, and calls that still complete after a failure are no longer written (the spool
 * refuses them), so no `.partial-run-*` is left behind. The bundle writer renames the spool into the
 * finished bundle; the populations' scratch files are removed when `work` ends, however it ends.
 */
import { PopulationStore } from "../engine/population-store.js";
import { SpoolRecorder } from "../recording/spool.js";
import { removeOnInterrupt } from "./interrupt.js";

export async function withSpool<T>(
  outDir: string,
  work: (recorder: SpoolRecorder, population: PopulationStore) => Promise<T>,
): Promise<T> {
  const recorder = SpoolRecorder.in(outDir);
  const population = PopulationStore.beside(recorder.root);
  return removeOnInterrupt(recorder.root, () =>
    removeOnInterrupt(population.dir, async () => {
      try {
        return await work(recorder, population);
      } catch (e) {
        await recorder.discard();
        throw e;
      } finally {
        population.discard();
      }
    }),
  );
}
