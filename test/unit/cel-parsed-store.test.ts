/**
 * The build's record of parsed CEL expressions (src/cel/parsed-store.ts) may only give back what the parser
 * gives: the same AST for its own text, nothing for any other text, and nothing at all from a record made
 * with another parser, module or V8 (its key), or from an unreadable file.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deserialize, serialize } from "node:v8";
import { parse } from "@bufbuild/cel";
import { afterAll, describe, expect, it } from "vitest";
import { loadParsedStore, storeKey, writeParsedStore } from "../../src/cel/parsed-store.js";
import { PACKAGE_ROOT } from "../../src/util/paths.js";

const dir = mkdtempSync(join(tmpdir(), "itgc-parsed-store-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Every kind of constant (bigint ids and int64 / uint64 values, bytes, double, null), macros (their
// sourceInfo.macroCalls), a comprehension, a map and a message-free select with `has`.
const SOURCES = [
  "a == 1 && b != -9223372036854775808",
  "items.exists(t, t.key == 'owner') || has(x.y)",
  "b'\\x00\\xff' == bytes_field && 18446744073709551615u > 0u && 1.5e3 < d && n == null",
  "{'k': [1, 2, 3]}.k.all(v, v > 0) ? 'yes' : 'no'",
];

describe("parsed CEL expressions recorded by the build", () => {
  it("gives back exactly the parser's AST for a recorded text, a fresh copy each time", () => {
    const file = join(dir, "store.bin");
    expect(writeParsedStore([...SOURCES, "a =="], parse, file)).toBe(SOURCES.length);
    const store = loadParsedStore(file);
    expect(store).toBeDefined();
    for (const source of SOURCES) {
      const taken = store!.take(source);
      expect(taken).toStrictEqual(parse(source));
      expect(store!.take(source)).not.toBe(taken);
    }
    // A text that did not parse is not recorded (it is parsed, and fails, at run time), nor is any other.
    expect(store!.take("a ==")).toBeUndefined();
    expect(store!.take("a == 2")).toBeUndefined();
  });

  it("leaves out an expression whose AST would not come back equal", () => {
    const file = join(dir, "odd.bin");
    // A parser whose output V8 cannot carry exactly (a function) and one that differs from call to call.
    let n = 0;
    const odd = (s: string) => (s === "f" ? { f: () => 1 } : { n: n++ });
    expect(writeParsedStore(["f", "g"], odd, file)).toBe(0);
    expect(loadParsedStore(file)?.take("g")).toBeUndefined();
  });

  it("ignores a record with another key, another format or unreadable bytes", () => {
    const file = join(dir, "store.bin");
    writeParsedStore(SOURCES, parse, file);
    const record = deserialize(readFileSync(file)) as { format: number; key: string };
    expect(record.key).toBe(storeKey());
    const other = join(dir, "other.bin");
    writeFileSync(other, serialize({ ...record, key: "0".repeat(64) }));
    expect(loadParsedStore(other)).toBeUndefined();
    writeFileSync(other, serialize({ ...record, format: 2 }));
    expect(loadParsedStore(other)).toBeUndefined();
    writeFileSync(other, readFileSync(file).subarray(0, 100));
    expect(loadParsedStore(other)).toBeUndefined();
    expect(loadParsedStore(join(dir, "none.bin"))).toBeUndefined();
  });

  it("the build's record holds every expression of the bundled controls, each the parse of its own text", () => {
    const built = join(PACKAGE_ROOT, "dist", "cel", "parsed-store.js");
    expect(existsSync(built), "npm run build makes dist/ before the tests (pretest)").toBe(true);
    // Checked through the built modules (their key is dist's), in a child process that loads the controls.
    const script = `
      import { parse } from "@bufbuild/cel";
      import { isDeepStrictEqual } from "node:util";
      import { loadParsedStore } from "./dist/cel/parsed-store.js";
      import { parsedSources } from "./dist/cel/parse-cache.js";
      import { loadControls } from "./dist/controls/loader.js";
      import { semanticProblems } from "./dist/controls/validate.js";
      const store = loadParsedStore();
      if (!store) throw new Error("no usable record");
      const loaded = loadControls(undefined, { catalogue: null });
      for (const c of loaded.controls) semanticProblems(c, loaded.sources.get(c.id));
      const sources = parsedSources();
      const bad = sources.filter((s) => !isDeepStrictEqual(store.take(s), parse(s)));
      process.stdout.write(JSON.stringify({ sources: sources.length, bad }));
    `;
    const out = JSON.parse(
      execFileSync(process.execPath, ["--input-type=module", "-e", script], {
        cwd: PACKAGE_ROOT,
        encoding: "utf8",
      }),
    ) as { sources: number; bad: string[] };
    expect(out.sources).toBeGreaterThan(150);
    expect(out.bad).toEqual([]);
  });
});
