/**
 * V8's code cache for the AWS SDK's client files, on Node versions without a compile cache of their own
 * (Node 20; Node ≥ 22.1 has `module.enableCompileCache()`, which bin/itgc-validate.js calls instead).
 *
 * Each client package is one large CommonJS file (client-ec2: 2 MB); V8 must parse all of it on every start
 * before the first line runs, and compile each function the run then calls. A code cache keeps both: the
 * file is compiled with V8's cached data from an earlier run (`vm.Script` `cachedData`, which V8 checks
 * against the source and its own version and flags, and rejects if anything differs), and at the end of a
 * run whose cache was missing or rejected, the data — now including the functions that ran — is written for
 * the next one. Node's own CommonJS loader does everything else (resolution, the module registry, the
 * package scope): only its compile step is replaced, for the CommonJS files under node_modules once the
 * first SDK client loads (`cacheDependencies`, installed by requireSdk) — in the CLI, dist/bundle/aws-sdk.cjs
 * (./require-bundled.ts) and the packages loaded after it (yaml, graphql…); from tsc's dist/ (./require.ts),
 * the client files and their @smithy/* and @aws-sdk/* dependencies.
 *
 * Where: the user's own directory (util/code-cache-dir.ts: $ITGC_CODE_CACHE_DIR, else
 * $XDG_CACHE_HOME/itgc-validate/v8/<node version>; mode 0700, not used when another user owns it), since
 * cached data is code the process runs. Enabled by the CLI only (ITGC_SDK_CODE_CACHE=on, set by bin/itgc-validate.js);
 * NODE_DISABLE_COMPILE_CACHE=1 or ITGC_SDK_CODE_CACHE=off turns it off. Any failure to read or write the
 * cache only costs the time it would have saved.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { createRequire, Module } from "node:module";
import { dirname, join, sep } from "node:path";
import { Script, constants as vmConstants } from "node:vm";
import { userCodeCacheDir } from "../../../util/code-cache-dir.js";

interface ModuleInternals {
  filename: string;
  paths: string[];
  loaded: boolean;
  exports: unknown;
  require(id: string): unknown;
}
type ModuleStatics = {
  _cache: Record<string, ModuleInternals>;
  wrap(source: string): string;
};
const Mod = Module as unknown as ModuleStatics;

let dirChecked: string | null | undefined;

/** The cache directory when the CLI turned the cache on and it is usable, else undefined (plain require). */
export function sdkCodeCacheDir(): string | undefined {
  if (dirChecked === undefined) dirChecked = codeCacheDirFor(process.env) ?? null;
  return dirChecked ?? undefined;
}

/** The cache directory when the CLI turned the cache on (ITGC_SDK_CODE_CACHE=on) and it is usable, else undefined. */
export function codeCacheDirFor(env: NodeJS.ProcessEnv): string | undefined {
  return env.ITGC_SDK_CODE_CACHE === "on" ? userCodeCacheDir(env) : undefined;
}

/** Scripts compiled without usable cached data, written when the process exits. */
const toWrite: { script: Script; file: string }[] = [];
let exitHook = false;
/** Files compiled from cached data (hits) and without (misses: none yet, or rejected by V8). */
export const codeCacheStats = { hits: 0, misses: 0 };

/** Writes the cached data of the files compiled without it (at exit; tests call it directly). */
export function writePendingCodeCache(): void {
  for (const { script, file } of toWrite.splice(0)) writeCodeCacheFile(file, script);
}

/**
 * The cache file of `source` compiled as `filename`: `<digest of the path>-<digest of path and text>.v8`.
 * The first part names the file's place, so a rebuild or an upgrade replaces its entry (writeCodeCacheFile)
 * instead of adding one more next to it (the CLI's bundle: ≈ 2 MB of data per build).
 */
export function codeCacheFile(dir: string, prefix: string, filename: string, source: string): string {
  const place = createHash("sha256").update(filename).digest("hex").slice(0, 16);
  const text = createHash("sha256").update(filename).update("\0").update(source).digest("hex").slice(0, 32);
  return join(dir, `${prefix}${place}-${text}.v8`);
}

/** The cached data in `file`, or undefined when there is none (or it cannot be read: then it is compiled). */
export function readCodeCacheFile(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/**
 * Writes `script`'s cached data to `file` (a temporary file renamed into place: a reader never sees half of
 * it), then removes the entries of the same place for other texts — earlier builds of that file. A failure
 * only means the next start compiles again.
 */
export function writeCodeCacheFile(file: string, script: Script): void {
  try {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    return;
  }
  const dir = dirname(file);
  const name = file.slice(dir.length + 1);
  const place = name.slice(0, name.lastIndexOf("-") + 1);
  try {
    for (const other of readdirSync(dir))
      if (other !== name && other.startsWith(place) && other.endsWith(".v8")) unlinkSync(join(dir, other));
  } catch {
    // Another process's entry, or one already removed: nothing to clean up.
  }
}

/** `source` (a CommonJS file's text) wrapped and compiled with V8's cached data from `dir`, if it has some. */
function compileWithCodeCache(filename: string, source: string, dir: string): Script {
  const file = codeCacheFile(dir, "", filename, source);
  const cachedData = readCodeCacheFile(file);
  const script = new Script(Mod.wrap(source), {
    filename,
    cachedData,
    // A dynamic import() inside the file behaves as in a file require() loaded (Node ≥ 20.12).
    ...(vmConstants?.USE_MAIN_CONTEXT_DEFAULT_LOADER
      ? { importModuleDynamically: vmConstants.USE_MAIN_CONTEXT_DEFAULT_LOADER }
      : {}),
  });
  if (cachedData === undefined || script.cachedDataRejected) {
    toWrite.push({ script, file });
    if (!exitHook) {
      exitHook = true;
      process.once("exit", writePendingCodeCache);
    }
    codeCacheStats.misses++;
  } else codeCacheStats.hits++;
  return script;
}

/**
 * A file with a dynamic `import(…)` is left to Node's own compile: on Node 20 a `vm.Script` compiled *from
 * cached data* loses its `importModuleDynamically` (the first run works, every later one throws "A dynamic
 * import callback was not specified" — seen with the SDK's `import("node:http")`; gaxios has
 * `import("https-proxy-agent")`). A false match (the word in a string or comment) only costs the cache.
 */
const DYNAMIC_IMPORT = /\bimport\s*\(/;

type Compile = (this: ModuleInternals, content: string, filename: string, format?: string) => unknown;
let hooked: string | undefined;
/** Files outside node_modules compiled through the cache too (the CLI's SDK bundle, ./require-bundled.ts). */
const alsoCached = new Set<string>();

/**
 * The SDK's CommonJS files (the client packages and their @smithy/*, @aws-sdk/core, @aws-crypto/…
 * dependencies: ≈ 255 files, 6.5 MB in a demo) through the cache: Node's CommonJS loader compiles each file
 * with `Module.prototype._compile`, which this wraps, for files under a node_modules directory, once the
 * CLI has turned the cache on (`requireSdk`). The module sees the same `exports`, `require`, `module`,
 * `__filename` and `__dirname` as Node's own _compile gives it (`require` is the module's own, with
 * `resolve`, `cache`, `main`); a file that starts with `#!` or holds a dynamic import() is left to Node. `also`: one more file, outside
 * node_modules, to compile the same way (dist/bundle/aws-sdk.cjs, the CLI's SDK bundle). Installed once per
 * process; the function returned puts Node's own _compile back (tests).
 */
export function cacheDependencies(dir: string, also?: string): () => void {
  const proto = (Module as unknown as { prototype: { _compile: Compile } }).prototype;
  if (also !== undefined) alsoCached.add(also);
  if (hooked !== undefined) return () => undefined;
  hooked = dir;
  const nodeCompile = proto._compile;
  const inNodeModules = `${sep}node_modules${sep}`;
  proto._compile = function (this: ModuleInternals, content: string, filename: string, format?: string) {
    // Only CommonJS is ours to compile: Node ≥ 20.19 also loads ES modules through require() (`.mjs`, or a
    // `format` of "module" — exceljs's dependencies do), and those must reach Node's own _compile as they are.
    const commonJs = (format === undefined || format === "commonjs") && !filename.endsWith(".mjs");
    const ours = filename.includes(inNodeModules) || alsoCached.has(filename);
    if (!commonJs || !ours || content.startsWith("#!") || DYNAMIC_IMPORT.test(content))
      return nodeCompile.call(this, content, filename, format);
    let script: Script;
    try {
      script = compileWithCodeCache(filename, content, dir);
    } catch {
      return nodeCompile.call(this, content, filename, format); // whatever Node makes of it, error included
    }
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...a: unknown[]) => unknown;
    return wrapper.call(this.exports, this.exports, moduleRequire(this), this, filename, dirname(filename));
  };
  return () => {
    proto._compile = nodeCompile;
    hooked = undefined;
    alsoCached.clear();
  };
}

/**
 * require() of one of the CLI's bundled CommonJS files outside node_modules (dist/bundle/aws-sdk.cjs,
 * dist/bundle/yaml.cjs), compiled through the code cache when the CLI turned it on (Node 20; Node ≥ 22.1
 * caches it in its own compile cache).
 */
export function requireBundledFile(file: string): unknown {
  const dir = sdkCodeCacheDir();
  if (dir) cacheDependencies(dir, file);
  return createRequire(import.meta.url)(file);
}

/** The `require` Node gives a CommonJS module (lib/internal/modules/helpers.js makeRequireFunction). */
function moduleRequire(mod: ModuleInternals): NodeJS.Require {
  const statics = Module as unknown as {
    _resolveFilename(request: string, parent: unknown, isMain: boolean, options?: unknown): string;
    _resolveLookupPaths(request: string, parent: unknown): string[] | null;
    _extensions: NodeJS.RequireExtensions;
  };
  const require = ((id: string) => mod.require(id)) as NodeJS.Require;
  const resolve = ((request: string, options?: { paths?: string[] }) =>
    statics._resolveFilename(request, mod, false, options)) as NodeJS.RequireResolve;
  resolve.paths = (request: string) => statics._resolveLookupPaths(request, mod);
  require.resolve = resolve;
  require.main = process.mainModule;
  require.extensions = statics._extensions;
  require.cache = Mod._cache as unknown as NodeJS.Dict<NodeModule>;
  return require;
}
