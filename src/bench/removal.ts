/**
 * The bench's own outputs (bundles, demo directories) are removed when the whole bench ends, not between its
 * measurements.
 *
 * Why: on a file system that frees inodes with a delay — ext4 without a journal, as on the machine the
 * figures in docs/performance.md come from — creating a file steps past every inode deleted in the last
 * one to six minutes. A measurement that follows the removal of the previous one's 20,000 files then pays
 * for that removal: 5,000 file creations took 56, 179, 253 and 681 µs each when each batch followed the
 * removal of the one before (round 11). So an output is moved (renamed: no inode is freed) into the bench's
 * trash directory, and the trash is removed once, at the end. A user's run does not follow a removal of
 * that size; the bench measured its own clean-up.
 *
 * The trash's path is passed to the bench's child processes in ITGC_BENCH_TRASH. Without it (a child run
 * alone), an output is removed at once.
 */
import { mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";

const TRASH_ENV = "ITGC_BENCH_TRASH";

/** Makes the bench's trash (in this process and its children) and removes it when the process exits. */
export function deferRemovals(): void {
  if (process.env[TRASH_ENV]) return;
  const trash = mkdtempSync(join(tmpdir(), "itgc-bench-trash-"));
  process.env[TRASH_ENV] = trash;
  process.once("exit", () => rmSync(trash, { recursive: true, force: true, maxRetries: 3 }));
}

let moved = 0;

/** Removes `path` now, or moves it into the bench's trash to be removed at the end (see above). */
export function removeLater(path: string): void {
  const trash = process.env[TRASH_ENV];
  if (trash) {
    try {
      renameSync(path, join(trash, `${process.pid}-${moved++}-${basename(path)}`));
      return;
    } catch {
      // Another file system, or already gone: removed now instead.
    }
  }
  rmSync(path, { recursive: true, force: true, maxRetries: 3 });
}
