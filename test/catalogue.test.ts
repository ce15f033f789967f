import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { catalogueMarkdown, replaceCatalogue } from "../src/controls/catalogue-doc.js";
import { loadControls } from "../src/controls/loader.js";
import { ROOT } from "./support/cli.js";

const { controls } = loadControls([join(ROOT, "controls")]);

describe("control catalogue", () => {
  it("snapshot of ids, queries and mappings (a dropped or remapped control shows in review)", async () => {
    const summary = controls.map((c) => ({
      id: c.id,
      query: c.query,
      severity: c.severity,
      mappings: c.mappings,
      params: c.params,
    }));
    await expect(`${JSON.stringify(summary, null, 2)}\n`).toMatchFileSnapshot("__snapshots__/catalogue.json");
  });

  it("README's catalogue table is current (npm run catalogue)", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    expect(replaceCatalogue(readme, catalogueMarkdown(controls, { short: true }))).toBe(readme);
  });
});
