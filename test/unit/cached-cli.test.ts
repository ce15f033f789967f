/**
 * cli/cached-cli.ts: on Node 20 the demo runs the CLI as one CommonJS file (dist/bundle/cli.cjs) compiled
 * from V8's code cache. Here: which command lines take that path, that the next run compiles from the data the
 * first one wrote (and a changed file does not, its entry replacing the old one), that a package's dynamic import still works in a script
 * compiled from cached data, that the real CLI's demo prints the same through either build, and that the
 * bundle's files are ASCII.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { Module } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { cachedCliFor } from "../../src/cli/cached-cli.js";
import { tempDir } from "../evidence/support.js";
import { ROOT } from "../support/cli.js";

const hasOwnCompileCache =
  typeof (Module as unknown as { enableCompileCache?: unknown }).enableCompileCache === "function";
const CACHED_CLI = join(ROOT, "dist", "cli", "cached-cli.js");

/** One process that loads `file` through cachedCliFor with `cacheDir`, runs its main and prints what it saw. */
function loadInChild(
  file: string,
  cacheDir: string,
): { out: string; stats: { hits: number; misses: number } } {
  const script = `
    import { cachedCliFor, cachedCliStats } from ${JSON.stringify(pathToFileURL(CACHED_CLI).href)};
    const cli = await cachedCliFor(["demo"], { ITGC_SDK_CODE_CACHE: "on", ITGC_CODE_CACHE_DIR: ${JSON.stringify(cacheDir)} }, ${JSON.stringify(file)});
    const out = await cli.main([], {});
    process.stdout.write(JSON.stringify({ out, stats: cachedCliStats }));`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
  expect(r.stderr).toBe("");
  return JSON.parse(r.stdout);
}

describe("the demo's CLI from the code cache", () => {
  it("is taken for the demo with a cache directory only", async () => {
    const dir = tempDir("itgc-cached-cli-");
    const env = { ITGC_SDK_CODE_CACHE: "on", ITGC_CODE_CACHE_DIR: dir };
    const file = join(dir, "cli.cjs");
    writeFileSync(file, "exports.main = async () => 0; exports.scrubConsole = () => {};\n");
    expect(await cachedCliFor(["lint"], env, file)).toBeUndefined();
    expect(await cachedCliFor(["run", "--replay", "x"], env, file)).toBeUndefined();
    expect(await cachedCliFor(["demo"], { ITGC_SDK_CODE_CACHE: "off" }, file)).toBeUndefined();
    expect(await cachedCliFor(["demo"], env, join(dir, "missing.cjs"))).toBeUndefined();
    expect(await cachedCliFor(["demo"], env, file)).toMatchObject({ main: expect.any(Function) });
  });

  it("compiles the next run from the data the first wrote, a changed file afresh, and keeps packages' import()", () => {
    const dir = tempDir("itgc-cached-cli-");
    const file = join(dir, "cli.cjs");
    const text = (n: number) =>
      `exports.main = async () => (await __itgcImport("node:path")).basename("/a/b${n}") + typeof module;
       exports.scrubConsole = () => {};\n`;
    writeFileSync(file, text(1));
    expect(loadInChild(file, dir)).toEqual({ out: "b1object", stats: { hits: 0, misses: 1 } });
    const written = readdirSync(dir).filter((f) => f.startsWith("cli-") && f.endsWith(".v8"));
    expect(written).toHaveLength(1);
    const before = statSync(join(dir, written[0]!)).mtimeMs;
    // From cached data: the script has no dynamic-import callback of its own, the importer passed in works.
    expect(loadInChild(file, dir)).toEqual({ out: "b1object", stats: { hits: 1, misses: 0 } });
    expect(statSync(join(dir, written[0]!)).mtimeMs).toBe(before);
    writeFileSync(file, text(2)); // the same length: V8's own check would accept the old data
    expect(loadInChild(file, dir)).toEqual({ out: "b2object", stats: { hits: 0, misses: 1 } });
    // The rebuilt file's entry replaced the earlier build's (no 2 MB of stale data per rebuild).
    const after = readdirSync(dir).filter((f) => f.startsWith("cli-") && f.endsWith(".v8"));
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(written[0]);
    expect(after[0]!.slice(0, 21)).toBe(written[0]!.slice(0, 21)); // "cli-" + the place's 16 hex + "-"
  });

  it.skipIf(hasOwnCompileCache)("runs the real CLI's demo as the chunks do (Node 20)", () => {
    const dir = tempDir("itgc-cached-cli-");
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, [join(ROOT, "bin", "itgc-validate.js"), "demo", "--help"], {
        encoding: "utf8",
        env: { ...process.env, NO_COLOR: "1", ITGC_CODE_CACHE_DIR: dir, ...env },
      });
    const chunks = run({ ITGC_SDK_CODE_CACHE: "off" });
    const first = run({});
    expect(readdirSync(dir).filter((f) => f.startsWith("cli-"))).toHaveLength(1);
    const second = run({});
    for (const r of [first, second]) {
      expect(r.status).toBe(chunks.status);
      expect(r.stdout).toBe(chunks.stdout);
      expect(r.stderr).toBe(chunks.stderr);
    }
    expect(chunks.stdout).toContain("demo");
  });

  it("is ASCII, as are the bundle's other JavaScript files (one character beyond makes Node read it as two bytes a character)", () => {
    // scripts/bundle-cli.mjs writes what esbuild leaves outside ASCII (comments) as escapes: reading cli.cjs
    // as UTF-8 and hashing it for its cache entry took ≈ 2× as long as a two-byte string (docs/performance.md).
    const bundle = join(ROOT, "dist", "bundle");
    const files = readdirSync(bundle).filter((f) => /\.c?js$/.test(f));
    expect(files).toContain("cli.cjs");
    const beyond = files.filter((f) => /[\u0080-\uffff]/.test(readFileSync(join(bundle, f), "utf8")));
    expect(beyond).toEqual([]);
  });
});
