/**
 * engine/heap-tuning.ts and cli/heap-for-command.ts: which runs (and which command lines, at the process
 * entry) get the organization heap growing factor, and the override. (What the
 * factor does to memory is measured by the bench, docs/performance.md; here only the decision and the guard.)
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  ORGANIZATION_MIN_ACCOUNTS,
  scopesInRecording,
  tuneHeapForCommandLine,
} from "../../src/cli/heap-for-command.js";
import { ORGANIZATION_HEAP_GROWING_PERCENT, tuneHeapForRun } from "../../src/engine/heap-tuning.js";
import { FIXTURES_DIR } from "../../src/util/paths.js";

/** Records the V8 flags that would be set (the test process keeps V8's own heap sizing). */
function flags() {
  const set: string[] = [];
  return { set, setFlags: (f: string) => void set.push(f) };
}

describe("tuneHeapForRun", () => {
  it("sets the organization factor for an organization run and leaves V8's default otherwise", () => {
    const f = flags();
    expect(tuneHeapForRun({ organization: true }, {}, f.setFlags)).toBe(ORGANIZATION_HEAP_GROWING_PERCENT);
    expect(tuneHeapForRun({ organization: false }, {}, f.setFlags)).toBeUndefined();
    expect(f.set).toEqual([`--heap-growing-percent=${ORGANIZATION_HEAP_GROWING_PERCENT}`]);
  });

  it("honours ITGC_HEAP_GROWING_PERCENT (0 = V8's default) and refuses a value that is not a whole number", () => {
    const f = flags();
    expect(
      tuneHeapForRun({ organization: true }, { ITGC_HEAP_GROWING_PERCENT: "0" }, f.setFlags),
    ).toBeUndefined();
    expect(tuneHeapForRun({ organization: false }, { ITGC_HEAP_GROWING_PERCENT: "30" }, f.setFlags)).toBe(30);
    expect(() =>
      tuneHeapForRun({ organization: true }, { ITGC_HEAP_GROWING_PERCENT: "lots" }, f.setFlags),
    ).toThrow(/whole number/);
    expect(f.set).toEqual(["--heap-growing-percent=30"]);
  });
});

describe("tuneHeapForCommandLine (the process entry's decision)", () => {
  // A recording's accounts are counted by the directories under its raw/: here a stand-in count by path.
  const scopes = (counts: Record<string, number>) => (dir: string) => counts[dir] ?? 0;
  const decide = (argv: string[], counts: Record<string, number> = {}, env: NodeJS.ProcessEnv = {}) => {
    const f = flags();
    const percent = tuneHeapForCommandLine(argv, env, f.setFlags, scopes(counts));
    return { percent, set: f.set };
  };

  it("gives the organization factor to `run --org` and to --accounts with many accounts", () => {
    expect(decide(["run", "--org", "--quiet"]).percent).toBe(ORGANIZATION_HEAP_GROWING_PERCENT);
    const many = Array.from({ length: ORGANIZATION_MIN_ACCOUNTS }, (_, i) => String(100000000000 + i));
    expect(decide(["run", "--accounts", many.join(",")]).percent).toBe(ORGANIZATION_HEAP_GROWING_PERCENT);
    expect(decide(["run", `--accounts=${many.slice(1).join(",")}`]).percent).toBeUndefined();
  });

  it("gives it to a replay only when the recordings hold many accounts between them, or an archive", () => {
    expect(
      decide(["run", "--replay", "fixtures/aws/demo"], { "fixtures/aws/demo": 1 }).percent,
    ).toBeUndefined();
    const org = { a: ORGANIZATION_MIN_ACCOUNTS - 4, b: 4 };
    expect(decide(["run", "--replay", "a"], org).percent).toBeUndefined();
    expect(decide(["run", "--replay", "a", "--replay=b"], org).percent).toBe(
      ORGANIZATION_HEAP_GROWING_PERCENT,
    );
    expect(decide(["run", "--replay", "bundle.tar.gz"]).percent).toBe(ORGANIZATION_HEAP_GROWING_PERCENT);
  });

  it("leaves V8's default for every other command, the demo included, and honours the override", () => {
    expect(decide(["demo", "--no-sign", "--quiet", "--out", "x"]).set).toEqual([]);
    expect(decide(["report", "--org"]).set).toEqual([]);
    expect(decide(["--version"]).set).toEqual([]);
    // The override decides alone (0: V8's default even for --org; N: N even for the demo).
    expect(decide(["run", "--org"], {}, { ITGC_HEAP_GROWING_PERCENT: "0" }).set).toEqual([]);
    expect(decide(["demo"], {}, { ITGC_HEAP_GROWING_PERCENT: "30" }).set).toEqual([
      "--heap-growing-percent=30",
    ]);
    expect(() => decide(["demo"], {}, { ITGC_HEAP_GROWING_PERCENT: "-1" })).toThrow(/whole number/);
  });

  it("counts the accounts of a recording directory or a bundle by the directories under raw/", () => {
    expect(scopesInRecording(join(FIXTURES_DIR, "aws", "demo"))).toBe(1);
    expect(scopesInRecording(join(FIXTURES_DIR, "gcp", "demo"))).toBeGreaterThan(1);
    expect(scopesInRecording(join(FIXTURES_DIR, "no-such-recording"))).toBe(0);
  });
});
