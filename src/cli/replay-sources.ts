/**
 * `--replay` sources: recording directories, bundle directories and, like `verify`, bundle `.tar.gz` files.
 * An archive is read in memory (with the same checks as verify), its data/ written to a scratch directory,
 * loaded, and the scratch removed; the loaded recording names the archive as its source.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { InputError } from "../core/errors.js";
import { isArchivePath, readBundle, UnusableBundle } from "../evidence/files.js";
import { type LoadedRecording, loadRecording, loadRecordings } from "../recording/store.js";

function isArchiveFile(path: string): boolean {
  try {
    return isArchivePath(path) && statSync(path).isFile();
  } catch {
    return false;
  }
}

function loadArchive(path: string): LoadedRecording {
  let files: ReturnType<typeof readBundle>["files"];
  try {
    files = readBundle(path).files;
  } catch (e) {
    if (e instanceof UnusableBundle) throw new InputError(e.message);
    throw e;
  }
  const scratch = mkdtempSync(join(tmpdir(), "itgc-replay-"));
  try {
    for (const [rel, data] of files) {
      if (!rel.startsWith("data/")) continue;
      const abs = join(scratch, rel);
      mkdirSync(dirname(abs), { recursive: true });
      writeFileSync(abs, data);
    }
    return { ...loadRecording(scratch), dir: path };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The recordings to replay, or undefined when every source is a directory (executeRun loads those). */
export function loadReplaySources(paths: string[]): LoadedRecording | undefined {
  if (!paths.some(isArchiveFile)) return undefined;
  const loaded = paths.map((p) => (isArchiveFile(p) ? loadArchive(p) : loadRecordings([p])));
  if (loaded.length === 1) return loaded[0];
  const meta = {};
  for (const r of [...loaded].reverse()) Object.assign(meta, r.meta);
  return { dir: loaded.map((r) => r.dir).join(","), meta, calls: loaded.flatMap((r) => r.calls) };
}
