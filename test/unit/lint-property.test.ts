/**
 * Property test: seeded mutants of the shipped controls (and params files) never crash lint or run.
 *
 * Every mutant goes through lintPaths — the function the `lint` command runs — and must end as either
 * "clean" (exit 0) or problems that each name a file and a line (exit 2): never an exception (exit 3, a
 * stack trace) and never a hang. Lint-clean mutants are also compiled as `run` compiles them, and a sample
 * is evaluated against the demo recording through executeRun. Params mutants go through loadParamsFile (what
 * `run --params` and `lint --params` read): an InputError with file:line, or accepted.
 *
 * The seed is fixed so a failure reproduces; set ITGC_PROPERTY_SEED to explore other seeds.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { gcpRuntimeFrom } from "../../src/cli/options/gcp.js";
import { lintPaths } from "../../src/controls/lint.js";
import { InputError, type InputProblem } from "../../src/core/errors.js";
import type { Control } from "../../src/core/types.js";
import { compileControl } from "../../src/engine/evaluate.js";
import { executeRun } from "../../src/engine/execute-run.js";
import { loadParamsFile } from "../../src/engine/params.js";
import { loadRecordings } from "../../src/recording/store.js";
import { rng } from "../support/seeded-random.js";

const SEED = Number(process.env.ITGC_PROPERTY_SEED ?? 20261201);
const CONTROL_MUTANTS = 2000;
const PARAMS_MUTANTS = 400;
const RUN_SAMPLE = 12;

type Rng = ReturnType<typeof rng>;

const CONTROLS_DIR = "controls";
const shipped = readdirSync(CONTROLS_DIR).flatMap((domain) =>
  readdirSync(join(CONTROLS_DIR, domain)).map((name) => ({
    domain,
    name,
    text: readFileSync(join(CONTROLS_DIR, domain, name), "utf8"),
  })),
);

const WRONG_VALUES = [
  "1",
  "-5",
  "1e308",
  "-1e308",
  ".inf",
  ".nan",
  "0",
  "1.5",
  "true",
  "null",
  "~",
  "[]",
  "{}",
  "[1, 2]",
  "{ a: 1 }",
  '"sixty"',
  "''",
  "'ünïcødé ✓'",
  '"\\u0000"',
  '"\\ud800"',
  "🙂",
  "!!binary aGVsbG8=",
  "2026-12-01",
  "!!timestamp 2026-12-01T00:00:00Z",
  "*undefined_alias",
  "&anchor value",
];

const BAD_CEL = [
  "1 + 'a' == 2",
  "'a string'",
  "user ==",
  "(((",
  "size()",
  "nope(1)",
  "params.nope > 1",
  "params.max_key_age_dayz",
  "now - 5",
  "days('sixty') > duration('1h')",
  "[1,2,3].map(x, x + 'a')",
  "{'a': 1}['a'] + 'b'",
  "has(x.y.z)",
  "x.exists(y,",
  "1 / 0 == 1",
  "'abc'.matches('[')",
  "true ? 1 : 'a'",
  "null",
  "items",
  "\u0000",
  "\\u",
  "'unterminated",
  "a.b.c.d.e.f.g.h == 1",
  "dyn(1) == 1",
  "int('x') == 1",
  "timestamp('not a time') < now",
  "[1,2,3,4,5,6,7,8,9,10].all(a, [1,2,3,4,5,6,7,8,9,10].all(b, [1,2,3,4,5,6,7,8,9,10].all(c, true)))",
  "[1,2].all(a, [1,2].all(b, [1,2].all(c, [1,2].all(d, true))))",
];

const BAD_PLACEHOLDERS = [
  "{nope}",
  "{params.zzz}",
  "{",
  "}",
  "{}",
  "{user.name.first}",
  "{params}",
  "{{user}}",
  "{ünï}",
  "{items}",
  "{now}",
];

function lines(text: string) {
  return text.split("\n");
}

/** Top-level keys and their line ranges. */
function topLevel(text: string): { key: string; start: number; end: number }[] {
  const ls = lines(text);
  const out: { key: string; start: number; end: number }[] = [];
  for (const [i, l] of ls.entries()) {
    const m = /^([a-z_]+):/.exec(l);
    if (m) {
      if (out.length) out[out.length - 1]!.end = i;
      out.push({ key: m[1]!, start: i, end: ls.length });
    }
  }
  return out;
}

const mutators: ((t: string, r: Rng) => string)[] = [
  // delete a top-level field
  (t, r) => {
    const keys = topLevel(t);
    if (keys.length === 0) return t;
    const k = r.pick(keys);
    const ls = lines(t);
    ls.splice(k.start, k.end - k.start);
    return ls.join("\n");
  },
  // a wrong type for a scalar value anywhere
  (t, r) => {
    const ls = lines(t);
    const candidates = ls
      .map((l, i) => [l, i] as const)
      .filter(([l]) => l.length < 2000 && /^\s*-?\s*[a-z_]+: \S/.test(l));
    if (!candidates.length) return t;
    const [l, i] = r.pick(candidates);
    ls[i] = l.replace(/^(\s*-?\s*[a-z_]+: ).*$/, `$1${r.pick(WRONG_VALUES)}`);
    return ls.join("\n");
  },
  // bad CEL in where / that
  (t, r) => {
    const ls = lines(t);
    const candidates = ls.map((l, i) => [l, i] as const).filter(([l]) => /^(where|\s+- that): /.test(l));
    if (!candidates.length) return `${t}\nwhere: ${JSON.stringify(r.pick(BAD_CEL))}\n`;
    const [l, i] = r.pick(candidates);
    ls[i] = l.replace(/^(where|\s+- that): .*$/, `$1: ${JSON.stringify(r.pick(BAD_CEL))}`);
    return ls.join("\n");
  },
  // a character-level edit inside an expression
  (t, r) => {
    const ls = lines(t);
    const candidates = ls.map((l, i) => [l, i] as const).filter(([l]) => /^(where|\s+- that): /.test(l));
    if (!candidates.length) return t;
    const [l, i] = r.pick(candidates);
    const at = l.indexOf(": ") + 2 + r.int(Math.max(1, l.length - l.indexOf(": ") - 2));
    const ops = [
      () => l.slice(0, at) + l.slice(at + 1),
      () =>
        l.slice(0, at) +
        r.pick(["(", ")", "'", '"', ".", ",", "!", "&", "|", "x", "1", "[", "{", "\\", "é"]) +
        l.slice(at),
      () => l.slice(0, at),
    ];
    ls[i] = r.pick(ops)();
    return ls.join("\n");
  },
  // bad placeholders in messages
  (t, r) => t.replace(/(message: "?)/, `$1${r.pick(BAD_PLACEHOLDERS)} `),
  // resource / query renamed
  (t, r) =>
    t.replace(
      /^(resource|query): .*$/m,
      (_, k: string) =>
        `${k}: ${r.pick(["arnn", "nope", "item", "params", "a.b.c", "mfa_active", "aws.iam.credentialReprot", "gcp.iam.nope", "aws.", ""])}`,
    ),
  // an alias bomb
  (t, r) => {
    const width = 5 + r.int(6);
    const depth = 4 + r.int(6);
    const bomb = [`x0: &a0 [${Array(width).fill('"lol"').join(",")}]`];
    for (let d = 1; d < depth; d++)
      bomb.push(
        `x${d}: &a${d} [${Array(width)
          .fill(`*a${d - 1}`)
          .join(",")}]`,
      );
    return r.next() < 0.5 ? `${t}\n${bomb.join("\n")}\n` : `${bomb.join("\n")}\nnotes: *a${depth - 1}\n${t}`;
  },
  // deep nesting, flow or block
  (t, r) => {
    const d = r.pick([30, 33, 64, 500, 5000, 20000]);
    if (r.next() < 0.5) return `${t}\nnotes: ${"[".repeat(d)}${"]".repeat(d)}\n`;
    const block = Array.from({ length: Math.min(d, 400) }, (_, i) => `${"  ".repeat(i + 1)}k${i}:`).join(
      "\n",
    );
    return `${t}\nquery_params:\n${block} 1\n`;
  },
  // huge values: long strings, long lists, long expressions, an oversized file
  (t, r) => {
    const kind = r.int(5);
    if (kind === 0) return t.replace(/^title: .*$/m, `title: ${"x".repeat(r.pick([5_000, 60_000]))}`);
    if (kind === 1) {
      const n = r.pick([1_500, 12_000]);
      return `${t}\nreferences: [${Array.from({ length: n }, (_, i) => `r${i}`).join(",")}]\n`;
    }
    if (kind === 2) return t.replace(/^(\s+- that): .*$/m, `$1: "${Array(3000).fill("true").join(" && ")}"`);
    if (kind === 3) return `${t}\nnotes: "${"y".repeat(1_100_000)}"\n`;
    return t.replace(
      /^params:\n/m,
      `params:\n  big: [${Array.from({ length: r.pick([800, 10_500]) }, () => "1").join(",")}]\n`,
    );
  },
  // unicode and control characters, tabs, BOM, CRLF
  (t, r) => {
    const kind = r.int(6);
    if (kind === 0) return `\ufeff${t}`;
    if (kind === 1) return t.replace(/\n/g, "\r\n");
    if (kind === 2) return t.replace(/^ {2}/m, "\t");
    if (kind === 3) return t.replace(/^title: .*$/m, "title: Ünïcødé ✓ 🙂 \u202e reversed \u0007 bell");
    if (kind === 4) return t.slice(0, r.int(t.length));
    return t.replace(/[a-z]/, "\u0000");
  },
  // duplicate keys, a second document, a non-mapping document
  (t, r) =>
    r.pick([
      `${t}\nid: again\n`,
      `${t}\n---\nid: second\n`,
      "- just\n- a list\n",
      "",
      "just a string\n",
      `${t}\n? [complex, key]\n: value\n`,
    ]),
  // parameter values of the wrong type or out of range
  (t, r) =>
    t.replace(
      /^(params:\n(?: {2}.*\n)*?)( {2}[a-z_]+): .*$/m,
      (_, head: string, key: string) => `${head}${key}: ${r.pick(WRONG_VALUES)}`,
    ),
  // param_ranges mutated
  (t, r) =>
    t.includes("param_ranges:")
      ? t.replace(
          /(minimum|maximum): [-0-9.e]+/,
          (_, k: string) => `${k}: ${r.pick(["-1", "1e308", "'x'", "null", "[]"])}`,
        )
      : `${t}\nparam_ranges:\n  ${r.pick(["nope", "max_key_age_days", "x"])}: { minimum: ${r.pick(["1", "5"])}, maximum: ${r.pick(["0", "10"])} }\n`,
];

function mutate(text: string, r: Rng): string {
  let t = text;
  const n = 1 + r.int(3);
  for (let i = 0; i < n; i++) t = r.pick(mutators)(t, r);
  return t;
}

const root = mkdtempSync(join(tmpdir(), "itgc-lint-property-"));
for (const domain of new Set(shipped.map((s) => s.domain)))
  mkdirSync(join(root, "slot", domain), { recursive: true });
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A problem report must let a user find the place: a file, and a line for anything inside a file. */
function located(p: InputProblem): boolean {
  return (
    typeof p.file === "string" &&
    p.file.length > 0 &&
    typeof p.line === "number" &&
    p.line >= 1 &&
    p.message.length > 0
  );
}

describe(`property: ${CONTROL_MUTANTS} control mutants and ${PARAMS_MUTANTS} params mutants (seed ${SEED})`, () => {
  const clean: { file: string; control: Control }[] = [];

  it("every control mutant lints to exit 0 or to exit 2 with file:line — never an exception", async () => {
    const r = rng(SEED);
    const failures: string[] = [];
    let withProblems = 0;
    for (let i = 0; i < CONTROL_MUTANTS; i++) {
      const base = r.pick(shipped);
      const text = mutate(base.text, r);
      // One slot per domain, overwritten by each mutant (the file name must stay the control's, id = path).
      const file = join(root, "slot", base.domain, base.name);
      writeFileSync(file, text);
      try {
        const { controls, problems } = await lintPaths([file]);
        if (problems.length > 0) {
          withProblems++;
          const bad = problems.filter((p) => !located(p));
          if (bad.length) failures.push(`mutant ${i} (${base.name}): unlocated ${JSON.stringify(bad[0])}`);
        } else {
          for (const c of controls) {
            // What lint accepts, run must be able to compile.
            compileControl(c);
            if (clean.length < 200) {
              const kept = join(root, `clean${clean.length}`, base.domain, base.name);
              mkdirSync(join(kept, ".."), { recursive: true });
              writeFileSync(kept, text);
              clean.push({ file: kept, control: c });
            }
          }
        }
      } catch (e) {
        failures.push(
          `mutant ${i} (${base.name}) threw: ${(e as Error).stack?.split("\n").slice(0, 3).join(" | ")}`,
        );
      }
    }
    expect(failures.slice(0, 10)).toEqual([]);
    // The generator must really produce both outcomes, mostly bad input.
    expect(withProblems).toBeGreaterThan(CONTROL_MUTANTS * 0.6);
    expect(clean.length).toBeGreaterThan(20);
  }, 120_000);

  it("a sample of lint-clean mutants runs against the demo recording without crashing", async () => {
    const recording = loadRecordings(["fixtures/aws/demo", "fixtures/gcp/demo"]);
    const r = rng(SEED + 1);
    const sample = Array.from({ length: Math.min(RUN_SAMPLE, clean.length) }, () => r.pick(clean));
    for (const { file } of sample) {
      try {
        const outcome = await executeRun({
          controlPaths: [file],
          filter: {},
          recording,
          runtimeFactories: { gcp: gcpRuntimeFrom({}, {}) },
        });
        for (const res of outcome.results)
          expect(["pass", "fail", "error", "not_applicable"]).toContain(res.status);
      } catch (e) {
        // Only bad input may stop a run (e.g. a mutant that no longer matches any provider filter).
        expect(e).toBeInstanceOf(InputError);
      }
    }
  }, 60_000);

  it("every params mutant is accepted or refused with file:line — never an exception", async () => {
    const { controls } = await lintPaths([CONTROLS_DIR]);
    const withParams = controls.filter((c) => Object.keys(c.params).length > 0);
    const r = rng(SEED + 2);
    const failures: string[] = [];
    let refused = 0;
    for (let i = 0; i < PARAMS_MUTANTS; i++) {
      const out: string[] = [];
      for (let k = 0; k < 1 + r.int(3); k++) {
        const c = r.pick(withParams);
        const id = r.next() < 0.1 ? `${c.id}x` : c.id;
        out.push(`${id}:`);
        for (const name of Object.keys(c.params)) {
          if (r.next() < 0.5) continue;
          const shown = r.next() < 0.1 ? `${name}z` : name;
          const value = r.next() < 0.5 ? JSON.stringify(c.params[name]) : r.pick(WRONG_VALUES);
          out.push(`  ${shown}: ${value}`);
        }
      }
      let text = out.join("\n");
      if (r.next() < 0.2) text = mutate(text, r);
      const file = join(root, `p${i}.yaml`);
      writeFileSync(file, text);
      try {
        loadParamsFile(file, controls);
      } catch (e) {
        if (!(e instanceof InputError)) {
          failures.push(
            `params mutant ${i} threw ${(e as Error).stack?.split("\n").slice(0, 2).join(" | ")}`,
          );
          continue;
        }
        refused++;
        const bad = e.problems.filter((p) => !located(p));
        if (bad.length)
          failures.push(`params mutant ${i}: unlocated ${JSON.stringify(bad[0])}\n${text.slice(0, 200)}`);
      }
    }
    expect(failures.slice(0, 10)).toEqual([]);
    expect(refused).toBeGreaterThan(PARAMS_MUTANTS * 0.3);
  }, 60_000);
});
