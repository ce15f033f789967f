import { describe, expect, it } from "vitest";
import { compileExpression } from "../../src/cel/expression.js";
import { parseCached } from "../../src/cel/parse-cache.js";
import { namesRead } from "../../src/engine/dependencies.js";

/** The AST as text (its ids are bigints). */
const text = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? String(x) : x));

describe("one parse per expression, shared by every reader", () => {
  it("returns the same AST for the same text, and rethrows a parse error each time", () => {
    const src = "items.exists(t, t.key == 'owner')";
    expect(parseCached(src)).toBe(parseCached(src));
    expect(() => parseCached("a ==")).toThrow();
    expect(() => parseCached("a ==")).toThrow();
  });

  it("planning (which meters comprehensions with @budget) leaves the shared AST as parsed", () => {
    const src = "tags.all(k, k != 'x') && items.exists(t, [t.a].exists(u, u > 1))";
    const before = text(parseCached(src).expr);
    const namesBefore = [...namesRead(src)].sort();
    expect(compileExpression(src).test({ tags: ["a"], items: [{ a: 2 }] })).toBe(true);
    expect(text(parseCached(src).expr)).toBe(before);
    expect(text(parseCached(src).expr)).not.toContain("@budget");
    expect([...namesRead(src)].sort()).toEqual(namesBefore);
    expect(namesBefore).toEqual(expect.arrayContaining(["a", "items", "t", "tags", "u"]));
  });
});
