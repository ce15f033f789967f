/**
 * vitest globalSetup: runs once in vitest's own process before any test file, and tears down after the last.
 *
 * One temporary root for the whole run: TMPDIR points into it before the workers start, so every worker,
 * every CLI the tests spawn and everything they create with os.tmpdir() / mkdtemp lands under it (each test
 * file gets its own directory below it, see setup.ts). Teardown removes it, so a run leaves nothing in /tmp
 * even when a test forgets to clean up or a child process is killed mid-write.
 *
 * XDG_CONFIG_HOME points into it too, so a run without --sign-key (which creates the user's signing key on
 * first use) never writes the key of whoever runs the tests; a test about that key sets its own.
 *
 * ITGC_CODE_CACHE_DIR points into it too: every CLI the tests spawn shares one V8 code cache of the SDK files
 * (src/providers/aws/sdk/sdk-code-cache.ts), warm after the first spawn, instead of writing into the user's
 * ~/.cache — or, for a spawn with its own HOME (liveAwsEnv), compiling and writing the ≈ 10 MB cache afresh
 * each time (≈ 0.4 s of CPU a spawn).
 *
 * Tests read the root with `inject("tmpRoot")` (typed below) if they need it; most just call tmpdir().
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** The run's temporary root (removed when the run ends). */
    tmpRoot: string;
  }
}

export default function setup(project: TestProject): () => void {
  const outer = tmpdir();
  const root = mkdtempSync(join(outer, "itgc-suite-"));
  const config = process.env.XDG_CONFIG_HOME;
  const codeCache = process.env.ITGC_CODE_CACHE_DIR;
  process.env.TMPDIR = root;
  process.env.XDG_CONFIG_HOME = mkdtempSync(join(root, "config-"));
  process.env.ITGC_CODE_CACHE_DIR = join(root, "code-cache");
  project.provide("tmpRoot", root);
  return () => {
    rmSync(root, { recursive: true, force: true });
    process.env.TMPDIR = outer;
    if (config === undefined) delete process.env.XDG_CONFIG_HOME;
    else process.env.XDG_CONFIG_HOME = config;
    if (codeCache === undefined) delete process.env.ITGC_CODE_CACHE_DIR;
    else process.env.ITGC_CODE_CACHE_DIR = codeCache;
  };
}
