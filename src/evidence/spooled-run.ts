/**
 * A run that writes a bundle records into a spool (recording/spool.ts) in the output directory. This guards
 * that spool for as long as the run and the bundle writer need it: an error or SIGINT / SIGTERM removes it,
 * and calls that still complete after a failure are no longer written (the spool refuses them), so no
 * `.partial-run-*` is left behind. The bundle writer renames the spool into the finished bundle.
 */
import { SpoolRecorder } from "../recording/spool.js";
import { removeOnInterrupt } from "./interrupt.js";

export async function withSpool<T>(
  outDir: string,
  work: (recorder: SpoolRecorder) => Promise<T>,
): Promise<T> {
  const recorder = SpoolRecorder.in(outDir);
  return removeOnInterrupt(recorder.root, async () => {
    try {
      return await work(recorder);
    } catch (e) {
      await recorder.discard();
      throw e;
    }
  });
}
