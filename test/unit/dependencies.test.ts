import { describe, expect, it } from "vitest";
import { namesRead } from "../../src/engine/dependencies.js";

describe("namesRead (which row fields an expression may read)", () => {
  it("finds free identifiers and members selected anywhere, including inside comprehensions", () => {
    const names = namesRead("items.exists(t, t.is_logging && t.is_multi_region) && size(tags.owner) > 0");
    for (const n of ["items", "is_logging", "is_multi_region", "tags", "owner"])
      expect(names.has(n), n).toBe(true);
    expect(names.has("home_region")).toBe(false);
  });

  it("an expression it cannot parse depends on everything", () => {
    expect(namesRead("a &&").has("*")).toBe(true);
  });
});
