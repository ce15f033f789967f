/**
 * The CLI's code cache for the AWS SDK's client files (Node 20): a file is compiled from V8's cached data on
 * the next load, the module behaves as require() would (one module registry, the same exports), a changed
 * file is compiled afresh (never run from another source's data), and the cache is off unless the CLI asks.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  codeCacheDirFor,
  codeCacheStats,
  requireWithCodeCache,
  sdkCodeCacheDir,
  writePendingCodeCache,
} from "../../src/providers/aws/sdk/sdk-code-cache.js";

const root = mkdtempSync(join(tmpdir(), "itgc-code-cache-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const require = createRequire(import.meta.url);

function forget(file: string) {
  delete require.cache[file];
}

describe("SDK code cache", () => {
  it("compiles from cached data on the next load, with require()'s semantics", () => {
    const cache = join(root, "cache");
    mkdirSync(cache);
    const lib = join(root, "lib.cjs");
    writeFileSync(join(root, "dep.cjs"), "exports.base = 40;\n");
    writeFileSync(
      lib,
      "const { base } = require('./dep.cjs');\nclass Thing {}\nmodule.exports = { Thing, answer: () => base + 2, file: __filename };\n",
    );
    const first = requireWithCodeCache(lib, cache) as { Thing: unknown; answer(): number; file: string };
    expect(first.answer()).toBe(42);
    expect(first.file).toBe(lib);
    // The same registry as require(): the same module object, the same class.
    expect((require(lib) as { Thing: unknown }).Thing).toBe(first.Thing);
    const before = { ...codeCacheStats };
    writePendingCodeCache();
    expect(readdirSync(cache)).toHaveLength(1);

    forget(lib);
    const second = requireWithCodeCache(lib, cache) as { answer(): number };
    expect(second.answer()).toBe(42);
    expect(codeCacheStats.hits).toBe(before.hits + 1);

    // A changed file has another key: compiled from its own source, never from the old data.
    forget(lib);
    writeFileSync(lib, "module.exports = { answer: () => 7 };\n");
    const changed = requireWithCodeCache(lib, cache) as { answer(): number };
    expect(changed.answer()).toBe(7);
    expect(codeCacheStats.misses).toBe(before.misses + 1);
    forget(lib);
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
