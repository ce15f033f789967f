import { describe, expect, it } from "vitest";
import { referencesOf } from "../../src/cel/references.js";

describe("CEL references", () => {
  it("finds free identifiers and params, not comprehension variables", () => {
    const r = referencesOf(
      "items.exists(t, t.is_logging && t.x > params.min) && mfa_active && now > last_used",
    );
    expect([...r.identifiers].sort()).toEqual(["items", "last_used", "mfa_active", "now", "params"]);
    expect([...r.params]).toEqual(["min"]);
  });

  it("sees through function calls and method targets", () => {
    const r = referencesOf("user.startsWith('svc-') || size(groups) == 0 || days(params.n) > duration('1h')");
    expect([...r.identifiers].sort()).toEqual(["groups", "params", "user"]);
    expect([...r.params]).toEqual(["n"]);
  });
});
