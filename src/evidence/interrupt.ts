/**
 * Cleanup of a half-written output when the process is interrupted. While `work` runs, SIGINT and SIGTERM
 * remove `path` (a `.partial-*` copy, or a run's evidence spool) and then end the process with the
 * conventional status (130, 143); an error inside `work` removes it too. The writes inside `work` must be
 * asynchronous, so a signal is handled between two files rather than after the last one.
 *
 * Calls nest (the CLI guards a run's spool while the bundle writer guards its `.partial-*` inside it): one
 * pair of signal handlers removes every path guarded at that moment, so an outer handler that exits cannot
 * leave an inner path behind.
 */
import { rmSync } from "node:fs";

const SIGNALS = { SIGINT: 130, SIGTERM: 143 } as const;

/** Paths guarded now, each with the number of nested `removeOnInterrupt` calls guarding it. */
const guarded = new Map<string, number>();
let installed: { signal: string; handler: () => void }[] | undefined;
let exitOf: (code: number) => void = (code) => process.exit(code);

const remove = (path: string) => rmSync(path, { recursive: true, force: true, maxRetries: 3 });

function install(): void {
  installed = Object.entries(SIGNALS).map(([signal, code]) => {
    const handler = () => {
      for (const path of guarded.keys()) {
        remove(path);
        process.stderr.write(`itgc-validate: interrupted (${signal}): removed the partial output ${path}\n`);
      }
      exitOf(code);
    };
    process.on(signal, handler);
    return { signal, handler };
  });
}

function uninstall(): void {
  for (const { signal, handler } of installed ?? []) process.removeListener(signal, handler);
  installed = undefined;
}

export async function removeOnInterrupt<T>(
  path: string,
  work: () => Promise<T>,
  exit: (code: number) => void = (code) => process.exit(code),
): Promise<T> {
  if (guarded.size === 0) {
    exitOf = exit;
    install();
  }
  guarded.set(path, (guarded.get(path) ?? 0) + 1);
  try {
    return await work();
  } catch (e) {
    remove(path);
    throw e;
  } finally {
    const n = guarded.get(path)! - 1;
    if (n === 0) guarded.delete(path);
    else guarded.set(path, n);
    if (guarded.size === 0) uninstall();
  }
}
