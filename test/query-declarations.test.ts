import { describe, expect, it } from "vitest";
import "../src/queries/index.js";
import { QUERY_DECLARATIONS } from "../src/queries/declarations.generated.js";
import { declarationOf } from "../src/queries/declarations.js";
import { allQueries } from "../src/queries/registry.js";

describe("query declarations (read by lint, controls list, queries, permissions)", () => {
  it("are current: every registered query module, as declared (npm run declarations)", () => {
    expect(QUERY_DECLARATIONS).toEqual(allQueries().map(declarationOf));
  });
});
