/**
 * A bundle's data/ written to a fresh scratch directory, for the readers that load recordings from disk
 * (`reperform`, and `--replay` of a .tar.gz): an archive and a directory then read alike. What those readers
 * report names our copy; `inBundle` names the bundle the user gave instead (the copy is gone by then).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** Writes every data/ file to a new directory under the system's temp directory; the caller removes it. */
export function writeDataToScratch(files: ReadonlyMap<string, Buffer>, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const [rel, data] of files) {
    if (!rel.startsWith("data/")) continue;
    const abs = join(dir, rel);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, data);
  }
  return dir;
}

/** The error with every mention of the scratch directory replaced by the bundle's own path (same class). */
export function inBundle(e: unknown, scratch: string, source: string): unknown {
  if (e instanceof Error && e.message.includes(scratch)) e.message = e.message.split(scratch).join(source);
  return e;
}
