/**
 * Typed lint, in process through the same function the `lint` command calls (src/controls/lint.ts): each
 * case measured against the old lint (it accepted them all) is now exit 2 with file:line:column.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { lintPaths } from "../../src/controls/lint.js";
import { formatProblem } from "../../src/core/errors.js";

const dir = mkdtempSync(join(tmpdir(), "itgc-typed-lint-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KEYS = "controls/access/aws-iam-access-keys-rotated.yaml";
let n = 0;

/** Writes a mutated copy of a shipped control (same file name, so the id still equals the path) and lints it. */
async function lintMutant(shipped: string, mutate: (text: string) => string, paramsText?: string) {
  const base = readFileSync(shipped, "utf8");
  const text = mutate(base);
  if (text === base) throw new Error("the mutation did not apply");
  const [domain, name] = shipped.split("/").slice(-2) as [string, string];
  const root = join(dir, `m${n++}`);
  mkdirSync(join(root, domain), { recursive: true });
  const file = join(root, domain, name);
  writeFileSync(file, text);
  let paramsFile: string | undefined;
  if (paramsText !== undefined) {
    paramsFile = join(root, "params.yaml");
    writeFileSync(paramsFile, paramsText);
  }
  const { problems } = await lintPaths([file], { paramsFile });
  const lines = problems.map((p) => formatProblem(p).replace(`${root}/`, ""));
  return {
    lines,
    text,
    lineOf: (needle: string) => text.split("\n").findIndex((l) => l.includes(needle)) + 1,
  };
}

describe("typed lint (measured cases)", () => {
  it("the shipped catalogue is clean", async () => {
    const { controls, problems } = await lintPaths(["controls"]);
    expect(problems.map(formatProblem)).toEqual([]);
    expect(controls.length).toBeGreaterThan(50);
  });

  it("a resource that is no field of the query", async () => {
    const r = await lintMutant(KEYS, (t) => t.replace("resource: arn", "resource: arnn"));
    expect(r.lines).toEqual([
      `access/aws-iam-access-keys-rotated.yaml:${r.lineOf("resource:")}:11: resource: "arnn" is not a field of aws.iam.credentialReport (did you mean "arn"?)`,
    ]);
  });

  it("expressions that cannot type-check or are not boolean", async () => {
    const where = "where: access_key_1_active == true || access_key_2_active == true";
    const a = await lintMutant(KEYS, (t) => t.replace(where, "where: 1 + 'a' == 2"));
    expect(a.lines).toHaveLength(1);
    expect(a.lines[0]).toMatch(
      new RegExp(
        `^access/aws-iam-access-keys-rotated\\.yaml:${a.lineOf("where:")}:10: where: no matching overload for "\\+" applied to \\(int, string\\)`,
      ),
    );
    const b = await lintMutant(KEYS, (t) => t.replace(where, `where: "'a string'"`));
    expect(b.lines).toEqual([
      `access/aws-iam-access-keys-rotated.yaml:${b.lineOf("where:")}:8: where: must be a boolean expression, but its type is string`,
    ]);
    const c = await lintMutant(KEYS, (t) =>
      t.replace("access_key_1_active == true", "access_key_1_active == 'true'"),
    );
    expect(c.lines).toEqual([
      `access/aws-iam-access-keys-rotated.yaml:${c.lineOf("where:")}:28: where: cannot compare bool with string (== is always false)`,
    ]);
  });

  it("a string default for a numeric parameter", async () => {
    const r = await lintMutant(KEYS, (t) => t.replace("max_key_age_days: 90", 'max_key_age_days: "sixty"'));
    expect(r.lines[0]).toBe(
      `access/aws-iam-access-keys-rotated.yaml:${r.lineOf('"sixty"')}:21: params.max_key_age_days: must be a number (an integer from 1 to 3650), got "sixty"`,
    );
    // …and where it is used, the checker names the overload that does not exist.
    expect(r.lines.slice(1).join("\n")).toMatch(
      /expect\.0\.that: no matching overload for "days" applied to \(string\)/,
    );
  });

  it("parameter values outside their range: 1e308, -5, 1.5", async () => {
    for (const [value, shown] of [
      ["1e308", "1e+308"],
      ["-5", "-5"],
      ["1.5", "1.5"],
      [".inf", "Infinity"],
    ]) {
      const r = await lintMutant(KEYS, (t) =>
        t.replace("max_key_age_days: 90", `max_key_age_days: ${value}`),
      );
      expect(r.lines).toEqual([
        `access/aws-iam-access-keys-rotated.yaml:${r.lineOf(`max_key_age_days: ${value}`)}:21: params.max_key_age_days: must be ${value === ".inf" ? "a finite number" : "an integer from 1 to 3650"}, got ${shown}`,
      ]);
    }
  });

  it("a range for a parameter that does not exist", async () => {
    const r = await lintMutant(KEYS, (t) =>
      t.replace("  max_key_age_days: { minimum", "  max_key_age_dayz: { minimum"),
    );
    expect(r.lines).toEqual([
      `access/aws-iam-access-keys-rotated.yaml:${r.lineOf("max_key_age_dayz:")}:3: param_ranges.max_key_age_dayz: is not a parameter declared under params (did you mean "max_key_age_days"?)`,
    ]);
  });

  it("message placeholders that name no field or parameter", async () => {
    const r = await lintMutant(KEYS, (t) =>
      t.replace(
        'more than {params.max_key_age_days} days ago"\n  - that',
        'more than {params.max_key_age_dayz} days ago, {usr}"\n  - that',
      ),
    );
    const line = r.lineOf("max_key_age_dayz");
    const col = r.text.split("\n")[line - 1]!.indexOf("{params.max_key_age_dayz}") + 2;
    expect(r.lines).toEqual([
      `access/aws-iam-access-keys-rotated.yaml:${line}:${col}: expect.0.message: placeholder {params.max_key_age_dayz}: params.max_key_age_dayz is not declared under params (did you mean "params.max_key_age_days"?)`,
      `access/aws-iam-access-keys-rotated.yaml:${line}:${r.text.split("\n")[line - 1]!.indexOf("{usr}") + 2}: expect.0.message: placeholder {usr}: "usr" is not a field of aws.iam.credentialReport (did you mean "user"?)`,
    ]);
  });

  it("an assert reads fields through items, and its message has only the assert's bindings", async () => {
    const r = await lintMutant("controls/change-management/aws-config-recorder-all-regions.yaml", (t) =>
      t.replace(
        "items.exists(r, r.recording && r.include_global_resource_types)",
        "recording && items.exists(r, r.recordin)",
      ),
    );
    expect(r.lines.join("\n")).toMatch(/assert\.0\.that: "recording" is not available in an assert/);
    expect(r.lines.join("\n")).toMatch(
      /assert\.0\.that: r has no field "recordin" \(did you mean "recording"\?\)/,
    );
  });

  it("--params overrides: wrong type, out of range, unknown names — with file:line", async () => {
    const r = await lintMutant(
      KEYS,
      (t) => t.replace("when_empty: pass", "when_empty: pass\n"),
      [
        "access.aws-iam-access-keys-rotated:",
        '  max_key_age_days: "sixty"',
        "access.aws-iam-password-policy:",
        "  min_length: -5",
        "  max_password_age_days: 1e308",
        "  require_symbols: 1",
      ].join("\n"),
    );
    expect(r.lines).toEqual([
      'params.yaml:2:21: access.aws-iam-access-keys-rotated.max_key_age_days: must be a number like the default 90, got "sixty"',
      "params.yaml:3:1: access.aws-iam-password-policy: unknown control id",
    ]);
  });
});

describe("lint --params against the catalogue", () => {
  it("checks ranges and element types of overrides", async () => {
    const file = join(dir, "catalogue-params.yaml");
    writeFileSync(
      file,
      [
        "access.aws-iam-password-policy:",
        "  min_length: -5",
        "  max_password_age_days: 1e308",
        "  require_symbols: 1",
        "access.gcp-no-basic-roles-for-users:",
        "  basic_roles: [roles/owner, 7]",
        "access.aws-iam-access-keys-rotated:",
        "  max_key_age_days: 120",
      ].join("\n"),
    );
    const { problems } = await lintPaths(["controls"], { paramsFile: file });
    expect(problems.map((p) => formatProblem(p).replace(`${dir}/`, ""))).toEqual([
      "catalogue-params.yaml:2:15: access.aws-iam-password-policy.min_length: must be an integer from 6 to 128, got -5",
      "catalogue-params.yaml:3:26: access.aws-iam-password-policy.max_password_age_days: must be an integer from 0 to 1095, got 1e+308",
      "catalogue-params.yaml:4:20: access.aws-iam-password-policy.require_symbols: must be a boolean like the default true, got 1",
      "catalogue-params.yaml:6:16: access.gcp-no-basic-roles-for-users.basic_roles: [1] must be a string, got 7",
    ]);
  });
});

describe("bounded YAML (each violation is a problem with its position)", () => {
  const MFA = "controls/access/aws-iam-console-mfa.yaml";
  const cases: [string, (t: string) => string, RegExp][] = [
    [
      "an alias bomb",
      (t) =>
        `${t}\nx0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n${Array.from({ length: 8 }, (_, d) => `x${d + 1}: &a${d + 1} [${Array(9).fill(`*a${d}`).join(",")}]`).join("\n")}\n`,
      /:\d+:\d+: YAML: (more than 50 aliases|aliases expand too much)/,
    ],
    [
      "a small alias bomb",
      (t) =>
        `${t}\nx0: &a [a, a, a, a]\nx1: &b [*a, *a, *a, *a]\nx2: &c [*b, *b, *b, *b]\nx3: &d [*c, *c, *c, *c]\nx4: [*d, *d, *d, *d]\n`,
      /:\d+:\d+: YAML: aliases expand too much/,
    ],
    [
      "deep flow nesting",
      (t) => `${t}\nnotes: ${"[".repeat(100_000)}${"]".repeat(100_000)}\n`,
      /:\d+:\d+: YAML: nested more than 32 levels deep/,
    ],
    [
      "deep block nesting",
      (t) =>
        `${t}\nquery_params:\n${Array.from({ length: 40 }, (_, i) => `${"  ".repeat(i + 1)}k${i}:`).join("\n")} 1\n`,
      /:\d+:\d+: YAML: nested more than 32 levels deep/,
    ],
    [
      "a huge list",
      (t) => `${t}\nreferences: [${Array.from({ length: 12_000 }, (_, i) => `r${i}`).join(",")}]\n`,
      /:\d+:\d+: YAML: more than 10000 lines and entries/,
    ],
    [
      "an oversized file",
      (t) => `${t}\nnotes: "${"y".repeat(1_100_000)}"\n`,
      /:1:1: file is \d+ bytes; the limit is 1048576/,
    ],
    [
      "a complex mapping key",
      (t) => `${t}\n? [complex, key]\n: value\n`,
      /:\d+:\d+: YAML: a mapping key must be a plain value/,
    ],
    [
      "thousands of YAML errors",
      (t) => `- a list\n${Array.from({ length: 3000 }, (_, i) => `k${i}: v`).join("\n")}\n${t}`,
      /YAML: \d+ more errors not shown/,
    ],
  ];
  for (const [name, mutate, expected] of cases) {
    it(name, async () => {
      const r = await lintMutant(MFA, mutate);
      expect(r.lines.join("\n")).toMatch(expected);
      expect(r.lines.length).toBeLessThanOrEqual(21);
    });
  }
});
