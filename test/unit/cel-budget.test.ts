/**
 * The cost budget: an expression that would run for minutes (nested comprehensions over a large population)
 * is stopped and reported as `error` for its control, instead of hanging the run. @bufbuild/cel has no step
 * limit, so src/cel/expression.ts counts comprehension iterations itself.
 */
import { describe, expect, it } from "vitest";
import {
  compileExpression,
  EvaluationError,
  EXPRESSION_BUDGET,
  ITERATION_BUDGET,
} from "../../src/cel/expression.js";
import { compileControl, evaluateControl } from "../../src/engine/evaluate.js";
import { engineControl } from "../support/engine-control.js";

const items = Array.from({ length: 400 }, (_, i) => ({ arn: `arn:aws:iam::111122223333:user/u${i}`, n: i }));

describe("CEL cost budget", () => {
  it("stops nested comprehensions past the per-evaluation budget (400³ = 64M iterations)", () => {
    const e = compileExpression("items.all(a, items.all(b, items.all(c, a.n + b.n + c.n >= 0.0)))");
    expect(() => e.test({ items })).toThrow(
      `cost budget exceeded: more than ${ITERATION_BUDGET.toLocaleString("en")} comprehension iterations in one evaluation`,
    );
  });

  it("a stopped sub-expression cannot be absorbed by || into a pass", () => {
    // CEL's commutative || would turn `false || <error>`-style results into a value; the budget wins.
    const e = compileExpression("items.all(a, items.all(b, a.n >= 0.0)) || items.exists(a, a.n == 1.0)");
    expect(() => e.test({ items })).toThrow(/cost budget exceeded/);
  });

  it("leaves ordinary expressions alone, and counts across evaluations of one expression", () => {
    const e = compileExpression("items.exists(a, a.n == 399.0)");
    expect(e.test({ items })).toBe(true);
    // 400 iterations per evaluation: the per-expression budget allows EXPRESSION_BUDGET / 400 of them.
    expect(EXPRESSION_BUDGET / 400).toBeGreaterThan(10_000);
    const small = compileExpression("[1, 2, 3].exists(x, x == 3)");
    for (let i = 0; i < 1000; i++) expect(small.test({})).toBe(true);
  });

  it("once exceeded, later evaluations of the same expression fail at once", () => {
    const e = compileExpression("items.all(a, items.all(b, true))");
    expect(() => e.test({ items })).toThrow(EvaluationError);
    // Over an empty list this would be `true`: it is refused without being evaluated.
    expect(() => e.test({ items: [] })).toThrow(/cost budget exceeded/);
  });

  it("a control with an expensive assert is `error` with the reason, not a hang or a pass", () => {
    const control = engineControl("access.expensive", "aws.iam.credentialReport", {
      title: "An expensive assertion",
      provider: "aws",
      resource: "arn",
      expect: [],
      assert: [{ that: "items.all(a, items.all(b, items.all(c, a.arn != '')))", message: "never" }],
      source: { file: "expensive.yaml", text: "" },
    });
    const result = evaluateControl({
      compiled: compileControl(control),
      params: { values: {}, defaults: {}, overridden: [] },
      scopes: [{ account: "111122223333", region: "global", rows: items }],
      now: new Date("2026-11-20T00:00:00Z"),
    });
    expect(result.status).toBe("error");
    expect(result.reason).toMatch(/111122223333: cost budget exceeded/);
    expect(result.findings.filter((f) => f.resource === "aws-account:111122223333")).toEqual([
      expect.objectContaining({ status: "error", message: expect.stringMatching(/^cost budget exceeded/) }),
    ]);
  });
});
