/**
 * Runs before every test file (vitest setupFiles): each file gets its own temporary root as TMPDIR, so
 * everything it and the processes it starts create with os.tmpdir() / mkdtemp (bundles, keys, Chromium
 * profiles, reperform's scratch) lands there and is removed when the file is done.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

const root = mkdtempSync(join(tmpdir(), "itgc-test-"));
process.env.TMPDIR = root;

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});
