/**
 * `--replay` sources: recording directories, bundle directories and, like `verify`, bundle `.tar.gz` files.
 * An archive is read in memory (with the same checks as verify), its data/ written to a scratch directory,
 * loaded, and the scratch removed; the loaded recording names the archive as its source.
 */
import { rmSync, statSync } from "node:fs";
import { InputError } from "../core/errors.js";
import { isArchivePath, readBundle, UnusableBundle } from "../evidence/files.js";
import { inBundle, writeDataToScratch } from "../evidence/scratch-copy.js";
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
  const scratch = writeDataToScratch(files, "itgc-replay-");
  try {
    return { ...loadRecording(scratch), dir: path };
  } catch (e) {
    throw inBundle(e, scratch, path);
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
