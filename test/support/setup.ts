/**
 * Runs before every test file (vitest setupFiles): each file gets its own temporary directory as TMPDIR,
 * under the run's root (global-setup.ts), so everything it and the processes it starts create with
 * os.tmpdir() / mkdtemp (bundles, keys, Chromium profiles, reperform's scratch) lands there and is removed
 * when the file is done. Workers are not isolated (vitest.config.ts: isolate false), so this runs once per
 * file in a long-lived worker: it sets TMPDIR for the file and puts the root back afterwards.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, inject } from "vitest";

const base = inject("tmpRoot");
const dir = mkdtempSync(join(base, "file-"));
process.env.TMPDIR = dir;

afterAll(() => {
  process.env.TMPDIR = base;
  rmSync(dir, { recursive: true, force: true });
});
