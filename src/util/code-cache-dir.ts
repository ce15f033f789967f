/**
 * The directory compiled code is cached in, on either Node line: V8's code cache of the SDK and the CLI on
 * Node 20 (providers/aws/sdk/sdk-code-cache.ts), Node's own compile cache on Node ≥ 22.1
 * (bin/itgc-validate.js, `module.enableCompileCache(dir)`).
 *
 * $ITGC_CODE_CACHE_DIR, else $XDG_CACHE_HOME/itgc-validate/v8/<node version>, else ~/.cache/…: the user's own
 * directory, created with mode 0700, and not used when another user owns it. Cached data is code the process
 * runs, and V8 checks only a cache entry's source length and its own version and flags against what it
 * compiles: a cache others can write (Node 22's default is `node-compile-cache` under the shared os.tmpdir())
 * could put code into an audit run. `ITGC_SDK_CODE_CACHE=off` or `NODE_DISABLE_COMPILE_CACHE=1`: no cache.
 */
import { existsSync, mkdirSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

/** The cache directory for these settings, created (mode 0700) and owned by this user; else undefined. */
export function userCodeCacheDir(env: NodeJS.ProcessEnv): string | undefined {
  if (env.ITGC_SDK_CODE_CACHE === "off" || env.NODE_DISABLE_COMPILE_CACHE) return undefined;
  const dir =
    env.ITGC_CODE_CACHE_DIR ??
    join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "itgc-validate", "v8", process.version);
  try {
    makeDirs(dir);
    const st = statSync(dir);
    if (typeof process.getuid === "function" && st.uid !== process.getuid()) return undefined;
    return dir;
  } catch {
    return undefined;
  }
}

/**
 * mkdir -p, one level at a time: Node 20's `mkdirSync(…, { recursive: true })` can loop forever under a
 * directory it may not write (seen with HOME=/proc); each missing level is created alone, and the first
 * failure ends the attempt (then there is no cache).
 */
function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; !existsSync(d); d = dirname(d)) {
    if (dirname(d) === d) break;
    missing.unshift(d);
  }
  for (const d of missing) mkdirSync(d, { mode: 0o700 });
}
