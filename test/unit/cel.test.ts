import { describe, expect, it } from "vitest";
import { compileExpression, EvaluationError, ExpressionSyntaxError } from "../../src/cel/expression.js";

describe("CEL expressions", () => {
  it("evaluates booleans over item fields", () => {
    const e = compileExpression("password_enabled && !mfa_active");
    expect(e.test({ password_enabled: true, mfa_active: false })).toBe(true);
    expect(e.test({ password_enabled: true, mfa_active: true })).toBe(false);
  });

  it("compares timestamps with days() and params", () => {
    const e = compileExpression("now - rotated > days(params.max_age)");
    const now = new Date("2026-11-20T00:00:00Z");
    expect(e.test({ now, rotated: new Date("2026-07-01T00:00:00Z"), params: { max_age: 90 } })).toBe(true);
    expect(e.test({ now, rotated: new Date("2026-10-01T00:00:00Z"), params: { max_age: 90 } })).toBe(false);
  });

  it("fails closed: a missing field is an evaluation error, not false", () => {
    const e = compileExpression("mfa_active");
    expect(() => e.test({ user: "bob" })).toThrow(EvaluationError);
  });

  it("fails closed: a non-boolean result is an error", () => {
    const e = compileExpression("user");
    expect(() => e.test({ user: "bob" })).toThrow(/expected a boolean/);
  });

  it("reports syntax errors at compile time", () => {
    expect(() => compileExpression("mfa_active &&")).toThrow(ExpressionSyntaxError);
  });

  it("supports whole-population assertions", () => {
    const e = compileExpression("items.exists(t, t.multi && t.logging)");
    expect(
      e.test({
        items: [
          { multi: true, logging: false },
          { multi: true, logging: true },
        ],
      }),
    ).toBe(true);
    expect(e.test({ items: [] })).toBe(false);
  });

  it("null compares as null (N/A values)", () => {
    expect(compileExpression("last_used == null").test({ last_used: null })).toBe(true);
  });
});
