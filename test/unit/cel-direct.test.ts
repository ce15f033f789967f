/**
 * The direct evaluator (src/cel/direct.ts) against @bufbuild/cel's interpreter: on generated expressions of
 * the subset (and a little outside it) over generated bindings of every type a row or a parameter can have,
 * whatever the direct evaluator answers is what the interpreter answers, and compileExpression's result or
 * error is the interpreter's. It must also answer often (a direct path that always declines would pass the
 * first check and save nothing).
 */
import { celEnv, isCelError, parse, plan } from "@bufbuild/cel";
import { describe, expect, it } from "vitest";
import { DECLINE, directEvaluator } from "../../src/cel/direct.js";
import { CelBindings, compileExpression, EvaluationError } from "../../src/cel/expression.js";
import { rng } from "../support/seeded-random.js";

const NAMES = ["a", "b", "flag", "role", "missing", "n", "when", "list", "params", "item", "int"];
const STRINGS = ['"x"', '"y"', '""', '"AwsApiCall"'];

function expr(r: ReturnType<typeof rng>, depth: number): string {
  const leaf = depth > 3 || r.next() < 0.3;
  if (leaf)
    return r.pick([
      () => r.pick(NAMES),
      () => r.pick(STRINGS),
      () => r.pick(["true", "false", "null"]),
      () => `params.${r.pick(["roles", "flag", "name", "nested", "absent"])}`,
      () => "params.nested.inner",
      () => r.pick(["1", "2.5"]), // outside the subset: never direct
      () => "item.a",
    ])();
  const x = () => expr(r, depth + 1);
  return r.pick([
    () => `!${x()}`,
    () => `(${x()} && ${x()})`,
    () => `(${x()} || ${x()})`,
    () => `${x()} == ${x()}`,
    () => `${x()} != ${x()}`,
    () => `${x()} in ${r.pick(["params.roles", "list", "params.mixed", '["x", "y"]', "params.name", "a"])}`,
    () => `(${x()} ? ${x()} : ${x()})`,
    () => `${x()}.startsWith("x")`, // a method: outside the subset
  ])();
}

const VALUES: unknown[] = [
  "x",
  "y",
  "",
  "AwsApiCall",
  true,
  false,
  null,
  0,
  1.5,
  new Date(0),
  ["x"],
  { a: "x" },
];

function bindings(r: ReturnType<typeof rng>): {
  row: Record<string, unknown>;
  rest: Record<string, unknown>;
} {
  const row: Record<string, unknown> = {};
  for (const n of ["a", "b", "flag", "role", "n", "when", "list", "int"])
    if (r.next() < 0.85) row[n] = r.pick(VALUES);
  if (r.next() < 0.5) row.list = r.pick([["x", "y"], ["z"], [], ["x", 1]]);
  if (r.next() < 0.1) row["params.roles"] = ["shadow"]; // a dotted field: the interpreter may read it first
  const params: Record<string, unknown> = {
    roles: r.pick([["x", "AwsApiCall"], ["y"], [], ["x", null, true]]),
    flag: r.pick([true, false, "true", null]),
    name: r.pick(["x", 3, null]),
    nested: r.pick([{ inner: "x" }, { inner: 2 }, { other: true }, "flat"]),
    mixed: ["x", 2, ["y"]],
  };
  return { row, rest: { params, now: new Date(0) } };
}

const interpreterEnv = celEnv({});

describe("CEL direct evaluator", () => {
  it("answers only as the interpreter does, and compileExpression keeps its results and errors", () => {
    let direct = 0;
    let cases = 0;
    for (let seed = 1; seed <= 400; seed++) {
      const r = rng(seed);
      const source = expr(r, 0);
      const parsed = parse(source);
      const interpret = plan(interpreterEnv, parsed) as unknown as (v: Record<string, unknown>) => unknown;
      const fast = directEvaluator(parsed.expr as never);
      const compiled = compileExpression(source);
      for (let k = 0; k < 8; k++) {
        const { row, rest } = bindings(r);
        const cel = CelBindings.ofRow(row, CelBindings.of(rest), { account: "111122223333" });
        const expected = interpret(cel.values);
        cases++;
        const got = fast?.(cel.values) ?? DECLINE;
        const where = `seed ${seed}: ${source} with ${JSON.stringify(row)} / ${JSON.stringify(rest.params)}`;
        if (got !== DECLINE) {
          direct++;
          expect(isCelError(expected), where).toBe(false);
          expect(got, where).toBe(expected);
        }
        // Through compileExpression (direct first, then the interpreter): the interpreter's value or error.
        if (isCelError(expected)) {
          let thrown: unknown;
          try {
            compiled.evaluate(cel);
          } catch (e) {
            thrown = e;
          }
          expect(thrown, where).toBeInstanceOf(EvaluationError);
          expect((thrown as Error).message, where).toBe(
            new EvaluationError(source, (expected as { message: string }).message).message,
          );
        } else if (typeof expected === "boolean" || typeof expected === "string" || expected === null) {
          expect(compiled.evaluate(cel), where).toBe(expected);
        }
      }
    }
    // Most generated cases involve a number, a date, a method or a missing name somewhere; still, a good part
    // must be decided directly.
    expect(direct / cases).toBeGreaterThan(0.1);
  });

  it("decides the click-ops control's clauses on an event row directly", () => {
    const where = parse(
      'account in params.production_accounts && !read_only && error_code == null && event_type == "AwsApiCall"',
    );
    const expectClause = parse("!(human || (role_name != null && role_name in params.human_roles))");
    const rest = CelBindings.of({
      params: { production_accounts: ["111122223333", "444455556666"], human_roles: ["admin-breakglass"] },
    });
    const row = {
      read_only: false,
      error_code: null,
      event_type: "AwsApiCall",
      human: false,
      role_name: "deploy-pipeline",
      time: new Date(0),
    };
    const cel = CelBindings.ofRow(row, rest, { account: "444455556666" });
    expect(directEvaluator(where.expr as never)?.(cel.values)).toBe(true);
    expect(directEvaluator(expectClause.expr as never)?.(cel.values)).toBe(true);
    const breakGlass = CelBindings.ofRow({ ...row, role_name: "admin-breakglass" }, rest, { account: "1" });
    expect(directEvaluator(where.expr as never)?.(breakGlass.values)).toBe(false);
    expect(directEvaluator(expectClause.expr as never)?.(breakGlass.values)).toBe(false);
    // A row field named like the dotted path is what the interpreter reads first: declined, not guessed.
    const inAccounts = parse("account in params.production_accounts");
    const shadowed = CelBindings.ofRow({ "params.production_accounts": ["999"] }, rest, {
      account: "444455556666",
    });
    expect(directEvaluator(inAccounts.expr as never)?.(cel.values)).toBe(true);
    expect(directEvaluator(inAccounts.expr as never)?.(shadowed.values)).toBe(DECLINE);
    expect(compileExpression("account in params.production_accounts").test(shadowed)).toBe(false);
    // A comprehension or a timestamp is the interpreter's.
    expect(directEvaluator(parse("[1].exists(x, x == 1)").expr as never)).toBeUndefined();
    expect(directEvaluator(parse("time == time").expr as never)?.(cel.values)).toBe(DECLINE);
  });
});
