/**
 * Cleanup of a half-written output when the process is interrupted. While `work` runs, SIGINT and SIGTERM
 * remove `path` (the `.partial-*` copy) and then end the process with the conventional status (130, 143);
 * an error inside `work` removes it too. The writes inside `work` must be asynchronous, so a signal is
 * handled between two files rather than after the last one.
 */
import { rmSync } from "node:fs";

const SIGNALS = { SIGINT: 130, SIGTERM: 143 } as const;

export async function removeOnInterrupt<T>(
  path: string,
  work: () => Promise<T>,
  exit: (code: number) => void = (code) => process.exit(code),
): Promise<T> {
  const handlers = Object.entries(SIGNALS).map(([signal, code]) => {
    const handler = () => {
      rmSync(path, { recursive: true, force: true });
      process.stderr.write(`itgc-validate: interrupted (${signal}): removed the partial output ${path}\n`);
      exit(code);
    };
    process.once(signal, handler);
    return [signal, handler] as const;
  });
  try {
    return await work();
  } catch (e) {
    rmSync(path, { recursive: true, force: true });
    throw e;
  } finally {
    for (const [signal, handler] of handlers) process.removeListener(signal, handler);
  }
}
