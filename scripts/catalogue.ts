/**
 * Writes the control catalogue table into README.md (between the catalogue markers) and docs/catalogue.md.
 * Run `npm run catalogue` after adding or changing a control; test/catalogue.test.ts fails when stale.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { catalogueMarkdown, replaceCatalogue } from "../src/controls/catalogue-doc.js";
import { loadControls } from "../src/controls/loader.js";

const root = join(import.meta.dirname, "..");
const { controls, problems } = loadControls([join(root, "controls")]);
if (problems.length > 0) {
  console.error("fix the control files first (itgc-validate lint)");
  process.exit(2);
}
const readme = join(root, "README.md");
writeFileSync(
  readme,
  replaceCatalogue(readFileSync(readme, "utf8"), catalogueMarkdown(controls, { short: true })),
);
writeFileSync(
  join(root, "docs", "catalogue.md"),
  `# Control catalogue\n\n${catalogueMarkdown(controls, { short: false })}`,
);
console.log(`catalogue: ${controls.length} controls`);
