/**
 * The CLI's code cache for the AWS SDK's CommonJS files (Node 20): once installed, Node's own require()
 * compiles a file under node_modules from V8's cached data on the next load, the module behaves as require()
 * made it (one module registry, the same exports, its own require), a changed file is compiled afresh
 * (never run from another source's data), files outside node_modules are left to Node, and the cache is off
 * unless the CLI asks.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  cacheDependencies,
  codeCacheDirFor,
  codeCacheStats,
  sdkCodeCacheDir,
  writePendingCodeCache,
} from "../../src/providers/aws/sdk/sdk-code-cache.js";

const root = mkdtempSync(join(tmpdir(), "itgc-code-cache-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const require = createRequire(import.meta.url);

function forget(...files: string[]) {
  for (const f of files) delete require.cache[f];
}

describe("SDK code cache", () => {
  it("compiles node_modules files through Node's require from cached data on the next load", () => {
    const cache = join(root, "cache");
    mkdirSync(cache);
    const pkg = join(root, "node_modules", "fake-sdk");
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: "fake-sdk", main: "index.js" }));
    const lib = join(pkg, "index.js");
    const dep = join(pkg, "dep.js");
    writeFileSync(dep, "exports.base = 40;\n");
    writeFileSync(
      lib,
      "const { base } = require('./dep.js');\nclass Thing {}\n" +
        "module.exports = { Thing, answer: () => base + 2, file: __filename, dir: __dirname, " +
        "resolved: require.resolve('./dep.js'), self: module.id === __filename || module.filename === __filename };\n",
    );
    const outside = join(root, "outside.cjs");
    writeFileSync(outside, "module.exports = 7;\n");
    // The hook is process-wide: put Node's own _compile back whatever happens (later files share the worker).
    const uninstall = cacheDependencies(cache);
    try {
      const before = { ...codeCacheStats };
      const first = require(lib) as {
        Thing: unknown;
        answer(): number;
        file: string;
        dir: string;
        resolved: string;
        self: boolean;
      };
      expect(first).toMatchObject({ file: lib, dir: pkg, resolved: dep, self: true });
      expect(first.answer()).toBe(42);
      // Loaded by Node's loader: the same registry as any require(), the same class.
      expect(require.cache[lib]?.exports).toBe(first);
      const byName = createRequire(join(root, "importer.js"))("fake-sdk") as { Thing: unknown };
      expect(byName.Thing).toBe(first.Thing);
      expect(codeCacheStats.misses).toBe(before.misses + 2); // index.js and dep.js
      // Outside node_modules: Node's own compile, not cached.
      expect(require(outside)).toBe(7);
      expect(codeCacheStats.misses).toBe(before.misses + 2);
      writePendingCodeCache();
      expect(readdirSync(cache)).toHaveLength(2);

      forget(lib, dep);
      const second = require(lib) as { answer(): number };
      expect(second.answer()).toBe(42);
      expect(codeCacheStats.hits).toBe(before.hits + 2);

      // A changed file has another key: compiled from its own source, never from the old data.
      forget(lib, dep);
      writeFileSync(lib, "module.exports = { answer: () => 7 };\n");
      expect((require(lib) as { answer(): number }).answer()).toBe(7);
      expect(codeCacheStats.misses).toBe(before.misses + 3);
    } finally {
      uninstall();
      forget(lib, dep, outside);
    }
  });

  it("compiles the one file outside node_modules it is given (the CLI's SDK bundle) through the cache too", () => {
    const cache = join(root, "cache-also");
    mkdirSync(cache);
    const bundle = join(root, "dist-like", "aws-sdk.cjs");
    const other = join(root, "dist-like", "other.cjs");
    mkdirSync(join(root, "dist-like"));
    writeFileSync(bundle, "module.exports = { packages: { x: { n: 1 } }, file: __filename };\n");
    writeFileSync(other, "module.exports = 2;\n");
    const uninstall = cacheDependencies(cache, bundle);
    try {
      const before = { ...codeCacheStats };
      expect(require(bundle)).toEqual({ packages: { x: { n: 1 } }, file: bundle });
      expect(require(other)).toBe(2);
      expect(codeCacheStats.misses).toBe(before.misses + 1); // the bundle only
      writePendingCodeCache();
      forget(bundle);
      expect((require(bundle) as { file: string }).file).toBe(bundle);
      expect(codeCacheStats.hits).toBe(before.hits + 1);
    } finally {
      uninstall();
      forget(bundle, other);
    }
  });

  it("leaves a file with a dynamic import() to Node, so its import() works in every later process", () => {
    // Across processes only: within one, V8 reuses the script it compiled and the import() works either way.
    const cache = join(root, "cache-dynamic");
    mkdirSync(cache);
    const pkg = join(root, "node_modules", "lazy-sdk");
    mkdirSync(pkg, { recursive: true });
    const lib = join(pkg, "index.js");
    writeFileSync(lib, "exports.platform = async () => (await import('node:os')).platform();\n");
    // tsc's output of the module under test (the tests need `npm run build`, as the CLI tests do).
    const hook = new URL("../../dist/providers/aws/sdk/sdk-code-cache.js", import.meta.url).href;
    const script =
      `const { cacheDependencies, codeCacheStats } = await import(${JSON.stringify(hook)});\n` +
      `cacheDependencies(${JSON.stringify(cache)});\n` +
      `const { createRequire } = await import("node:module");\n` +
      `const m = createRequire(${JSON.stringify(join(root, "x.js"))})(${JSON.stringify(lib)});\n` +
      "console.log(JSON.stringify({ platform: await m.platform(), ...codeCacheStats }));\n";
    const run = () =>
      JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" }));
    for (let load = 0; load < 2; load++)
      expect(run()).toEqual({ platform: process.platform, hits: 0, misses: 0 });
    expect(readdirSync(cache)).toHaveLength(0);
  });

  it("is off unless the CLI turns it on, and NODE_DISABLE_COMPILE_CACHE wins", () => {
    const dir = join(root, "on");
    expect(codeCacheDirFor({ ITGC_CODE_CACHE_DIR: dir })).toBeUndefined();
    expect(
      codeCacheDirFor({
        ITGC_SDK_CODE_CACHE: "on",
        ITGC_CODE_CACHE_DIR: dir,
        NODE_DISABLE_COMPILE_CACHE: "1",
      }),
    ).toBeUndefined();
    expect(codeCacheDirFor({ ITGC_SDK_CODE_CACHE: "on", ITGC_CODE_CACHE_DIR: dir })).toBe(dir);
    // A directory that cannot be made: no cache, at once (Node 20's recursive mkdir spun forever under /proc).
    if (existsSync("/proc/self"))
      expect(
        codeCacheDirFor({ ITGC_SDK_CODE_CACHE: "on", ITGC_CODE_CACHE_DIR: "/proc/itgc/v8" }),
      ).toBeUndefined();
    // Tests (no CLI) load the SDK with plain require().
    expect(sdkCodeCacheDir()).toBeUndefined();
  });
});
