/**
 * The warm demo's modules compiled from V8's code cache on Node 20 (bin/itgc-validate.js asks; Node ≥ 22.1
 * has `module.enableCompileCache()`, which caches ES modules too, and does not come here).
 *
 * Why: Node 20 compiles every ES module from its source on every start — it has no code cache for them —
 * and then compiles each function the run calls the first time it is called. For a warm demo that was
 * ≈ 0.2–0.35 s of the main thread (the CLI's chunks, dist/bundle/chunk-*.js), every run. A CommonJS file
 * compiled with `vm.Script` can be given V8's cached data from an earlier run, as the SDK bundle already is
 * (providers/aws/sdk/sdk-code-cache.ts): so `npm run build` also writes the CLI as one CommonJS file,
 * dist/bundle/cli.cjs (scripts/bundle-cli.mjs: the same modules as dist/bundle/main.js; each dynamic import
 * of ours is a lazily run part of the file instead of a chunk), and the demo runs that file from the cache.
 *
 * Only the demo: its V8 flags are known before its code compiles (`--max-opt=1`, cli/jit-for-command.ts),
 * and V8 accepts cached data only under the flags it was made with, so the flag is set here, before the
 * compile, and the data written at exit (with the functions the run compiled) matches the next demo's. (A
 * flag set later — `ITGC_HEAP_GROWING_PERCENT=N` with N > 0 — makes V8 reject the data each run, which then
 * compiles afresh and writes it again: correct, only slower.) Other commands are short enough from the
 * chunks (`lint`, `controls list`) or run for minutes (`run`).
 *
 * The cache file is named by digests of the file's path and text (V8 itself checks only the text's length),
 * replacing an earlier build's entry (sdk-code-cache.ts, writeCodeCacheFile), in the SDK cache's directory (the user's own, mode 0700; codeCacheDirFor). Any failure to read or write it
 * only costs the time it would have saved; without a usable directory the demo loads the chunks as before.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { Script } from "node:vm";
import { isShortCommandLine, tuneJitForCommandLine } from "./jit-for-command.js";

/** What bin/itgc-validate.js calls in the CLI, from either build (dist/bundle/main.js or cli.cjs). */
export interface CliEntry {
  main(argv: string[], opts: { processEntry?: boolean; jitTunedAtEntry?: boolean }): Promise<number>;
  scrubConsole(): void;
}

/** dist/bundle/cli.cjs, beside this module's dist/cli/. */
export const CACHED_CLI_FILE = fileURLToPath(new URL("../bundle/cli.cjs", import.meta.url));

/**
 * The parameters of the function the file's text is compiled into: CommonJS's five, then the importer the
 * build put in place of each dynamic `import("package")` left in the file (`__itgcImport`). A `vm.Script`
 * compiled from cached data loses its own dynamic-import callback on Node 20 (sdk-code-cache.ts), so such an
 * import goes through this module's `import()` instead.
 */
const WRAPPER_HEAD =
  '(function (exports, require, module, __filename, __dirname, __itgcImport) {"use strict";';
const WRAPPER_TAIL = "\n})";

/** Whether the cached CLI ran from cached data (hit) or compiled afresh (miss), for the tests. */
export const cachedCliStats = { hits: 0, misses: 0 };

/**
 * The CLI's entry from dist/bundle/cli.cjs through the code cache, for a demo command line with a cache
 * directory; else undefined (then bin/ imports dist/bundle/main.js). Sets the demo's V8 flag first (see the
 * module comment), so `main` is then told not to set it again.
 */
export async function cachedCliFor(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  file: string = CACHED_CLI_FILE,
): Promise<CliEntry | undefined> {
  if (!isShortCommandLine(argv)) return undefined;
  const { codeCacheDirFor, codeCacheFile, readCodeCacheFile, writeCodeCacheFile } = await import(
    "../providers/aws/sdk/sdk-code-cache.js"
  );
  const dir = codeCacheDirFor(env);
  if (dir === undefined) return undefined;
  let source: string;
  try {
    source = readFileSync(file, "utf8");
  } catch {
    return undefined; // a tree built before this file existed: the chunks
  }
  tuneJitForCommandLine(argv);
  const cacheFile = codeCacheFile(dir, "cli-", file, source);
  const cachedData = readCodeCacheFile(cacheFile);
  const script = new Script(WRAPPER_HEAD + source + WRAPPER_TAIL, { filename: file, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    cachedCliStats.misses++;
    // At exit the data holds the functions this run compiled too, which the next demo then needs not compile.
    process.once("exit", () => writeCodeCacheFile(cacheFile, script));
  } else cachedCliStats.hits++;
  const module = { exports: {} as CliEntry };
  const run = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => void;
  const importer = (specifier: string) => import(specifier);
  run(module.exports, createRequire(file), module, file, dirname(file), importer);
  return module.exports;
}
