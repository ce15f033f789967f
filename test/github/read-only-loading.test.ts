/**
 * GitHub's read-only check parses GraphQL documents with graphql-js's parser alone: loading the package's
 * index brought all of graphql-js (type system, validation, execution: 129 files, 864 KB) into every run
 * that covers GitHub, the demo included (docs/performance.md, round 8). Checked on the built module, in a
 * fresh process, so nothing else of the test worker has loaded graphql already.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { ROOT } from "../support/cli.js";

describe("the GitHub read-only check", () => {
  it("loads graphql-js's language modules only, and still refuses a mutation", () => {
    const script = `
      const { createRequire } = await import("node:module");
      const m = await import(${JSON.stringify(`${ROOT}dist/providers/github/read-only.js`)});
      const verdicts = [m.readOnlyProblem("query Q { viewer { login } }"), m.readOnlyProblem("mutation M { x }")];
      const loaded = Object.keys(createRequire(import.meta.url).cache)
        .filter((f) => f.includes("/node_modules/graphql/"))
        .map((f) => f.slice(f.indexOf("/node_modules/graphql/") + "/node_modules/graphql/".length));
      process.stdout.write(JSON.stringify({ verdicts, loaded }));
    `;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    const { verdicts, loaded } = JSON.parse(r.stdout) as { verdicts: unknown[]; loaded: string[] };
    expect(verdicts[0]).toBeNull(); // undefined, through JSON
    expect(verdicts[1]).toMatch(/mutation/);
    expect(loaded).toContain("language/parser.js");
    expect(loaded.filter((f) => !/^(language|error|jsutils)\//.test(f))).toEqual([]);
  });
});
