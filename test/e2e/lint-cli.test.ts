/**
 * The real CLI on representative bad input (one spawn per scenario): typed lint problems, YAML bombs and
 * deep nesting are exit 2 with file:line:column and no stack trace; a `--params` value of the wrong type or
 * out of range stops `run` before any call (exit 2); a lint-clean but expensive expression is stopped by
 * the cost budget and reported as `error` (exit 3) instead of hanging the run.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cli } from "../support/cli.js";

const dir = mkdtempSync(join(tmpdir(), "itgc-lint-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KEYS = readFileSync("controls/access/aws-iam-access-keys-rotated.yaml", "utf8");
const MFA = readFileSync("controls/access/aws-iam-console-mfa.yaml", "utf8");

function write(root: string, rel: string, text: string): string {
  const file = join(dir, root, rel);
  mkdirSync(join(file, ".."), { recursive: true });
  writeFileSync(file, text);
  return file;
}

const noStackTrace = (s: string) => expect(s).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);

describe("lint (real CLI)", () => {
  it("reports typed problems, a YAML bomb and deep nesting with file:line:column, exit 2", () => {
    write(
      "bad",
      "access/aws-iam-access-keys-rotated.yaml",
      KEYS.replace("resource: arn", "resource: arnn").replace(
        "max_key_age_days: 90",
        'max_key_age_days: "sixty"',
      ),
    );
    write(
      "bad",
      "access/aws-iam-console-mfa.yaml",
      `${MFA}\nx0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n${Array.from({ length: 8 }, (_, d) => `x${d + 1}: &a${d + 1} [${Array(9).fill(`*a${d}`).join(",")}]`).join("\n")}\n`,
    );
    write(
      "bad",
      "logging/aws-cloudtrail-log-file-validation.yaml",
      `${readFileSync("controls/logging/aws-cloudtrail-log-file-validation.yaml", "utf8")}\nnotes: ${"[".repeat(50_000)}${"]".repeat(50_000)}\n`,
    );
    const r = cli(["lint", join(dir, "bad")]);
    expect(r.code).toBe(2);
    noStackTrace(r.stderr);
    const keysLine = (needle: string) => KEYS.split("\n").findIndex((l) => l.includes(needle)) + 1;
    expect(r.stderr).toContain(
      `aws-iam-access-keys-rotated.yaml:${keysLine("resource:")}:11: resource: "arnn" is not a field of aws.iam.credentialReport (did you mean "arn"?)`,
    );
    expect(r.stderr).toContain(
      `aws-iam-access-keys-rotated.yaml:${keysLine("max_key_age_days: 90")}:21: params.max_key_age_days: must be a number (an integer from 1 to 3650), got "sixty"`,
    );
    expect(r.stderr).toMatch(
      /aws-iam-console-mfa\.yaml:\d+:\d+: YAML: (more than 50 aliases|aliases expand too much)/,
    );
    expect(r.stderr).toMatch(
      /aws-cloudtrail-log-file-validation\.yaml:\d+:\d+: YAML: nested more than 32 levels deep/,
    );
  });

  it("lint --params checks overrides against the catalogue", () => {
    const params = write(
      "p",
      "params.yaml",
      "access.aws-iam-access-keys-rotated:\n  max_key_age_days: 1e308\n",
    );
    const r = cli(["lint", "--params", params]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "params.yaml:2:21: access.aws-iam-access-keys-rotated.max_key_age_days: must be an integer from 1 to 3650, got 1e+308",
    );
  });
});

describe("run (real CLI)", () => {
  it("refuses a --params value of the wrong type before any call, exit 2", () => {
    const params = write(
      "p2",
      "params.yaml",
      'access.aws-iam-access-keys-rotated:\n  max_key_age_days: "sixty"\n',
    );
    const r = cli(["run", "--replay", "fixtures/aws/demo", "--params", params, "--out", join(dir, "out1")]);
    expect(r.code).toBe(2);
    noStackTrace(r.stderr);
    expect(r.stderr).toContain(
      'params.yaml:2:21: access.aws-iam-access-keys-rotated.max_key_age_days: must be a number like the default 90, got "sixty"',
    );
  });

  it("stops a lint-clean but expensive expression with the cost budget: error, exit 3, no hang", () => {
    // 60 values, three comprehensions deep over a parameter: 216,000 iterations for every user, over the
    // per-evaluation budget. Lint cannot know a parameter's size at run time, so it passes lint.
    const values = Array.from({ length: 60 }, (_, i) => `v${i}`);
    const text = KEYS.replace("max_key_age_days: 90", `max_key_age_days: 90\n  tags: [${values.join(", ")}]`)
      .replace("where: access_key_1_active == true || access_key_2_active == true", 'where: "!is_root"')
      .replace(
        '  - that: "!access_key_1_active ||',
        "  - that: params.tags.all(a, params.tags.all(b, params.tags.all(c, a + b + c != '')))\n    message: never\n  - that: \"!access_key_1_active ||",
      );
    const controls = write("expensive", "access/aws-iam-access-keys-rotated.yaml", text);
    expect(cli(["lint", controls]).code).toBe(0);
    const r = cli([
      "run",
      "--replay",
      "fixtures/aws/demo",
      "--controls-dir",
      join(dir, "expensive"),
      "--json",
      "--out",
      join(dir, "out2"),
    ]);
    expect(r.code).toBe(3);
    const doc = JSON.parse(r.stdout);
    const result = doc.controls.find((c: { id: string }) => c.id === "access.aws-iam-access-keys-rotated");
    expect(result.status).toBe("error");
    expect(result.reason).toMatch(/cost budget exceeded: more than 100,000 comprehension iterations/);
  });
});
