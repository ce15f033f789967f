/**
 * cli/jit-for-command.ts: the demo runs without V8's optimizing compiler, decided at the process entry; every
 * other command keeps V8's default. (What it does to the demo's CPU is measured, docs/performance.md round 8;
 * here the decision, and that the real CLI process makes it.)
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BASELINE_ONLY_FLAG, tuneJitForCommandLine } from "../../src/cli/jit-for-command.js";
import { tempDir } from "../evidence/support.js";
import { ROOT } from "../support/cli.js";

const decide = (argv: string[]) => {
  const set: string[] = [];
  tuneJitForCommandLine(argv, (f) => void set.push(f));
  return set;
};

describe("tuneJitForCommandLine", () => {
  it("gives the demo the baseline compilers only, and leaves V8's default to every other command", () => {
    expect(decide(["demo"])).toEqual([BASELINE_ONLY_FLAG]);
    expect(decide(["demo", "--no-sign", "--quiet", "--out", "x"])).toEqual([BASELINE_ONLY_FLAG]);
    expect(decide(["run", "--replay", "fixtures/aws/demo", "--out", "demo"])).toEqual([]);
    expect(decide(["run", "--org"])).toEqual([]);
    expect(decide(["report", "demo"])).toEqual([]);
    expect(decide(["--version"])).toEqual([]);
    expect(decide([])).toEqual([]);
  });

  it("is applied by the CLI's own process entry (bin/), before the command runs", () => {
    // Records the V8 flags the process sets (node:v8's export, seen by the CLI's ES modules too).
    const preload = join(tempDir(), "record-v8-flags.cjs");
    writeFileSync(
      preload,
      `const v8 = require("node:v8");
       const set = v8.setFlagsFromString;
       const seen = [];
       v8.setFlagsFromString = (f) => { seen.push(f); return set(f); };
       require("node:module").syncBuiltinESMExports();
       process.on("exit", () => process.stderr.write("V8FLAGS " + JSON.stringify(seen) + "\\n"));`,
    );
    const flagsOf = (args: string[]) => {
      const r = spawnSync(process.execPath, ["-r", preload, join(ROOT, "bin/itgc-validate.js"), ...args], {
        encoding: "utf8",
      });
      const line = r.stderr.split("\n").find((l) => l.startsWith("V8FLAGS "));
      return JSON.parse(line!.slice("V8FLAGS ".length)) as string[];
    };
    expect(flagsOf(["demo", "--help"])).toEqual([BASELINE_ONLY_FLAG]);
    expect(flagsOf(["controls", "list"])).toEqual([]);
  });
});
