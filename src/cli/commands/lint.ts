/** `itgc-validate lint [PATH...]` — validate control files; exit 2 on any problem. */
import { Command } from "commander";
import { formatProblem } from "../../core/errors.js";
import { BUNDLED_CONTROLS_DIR } from "../../util/paths.js";

export function lintCommand(): Command {
  return new Command("lint")
    .description(
      "Validate control files: schema (every error with file:line:column and field), CEL syntax, query exists,\n" +
        "id equals path, duplicate ids. Exits 2 on any problem. Default: the bundled catalogue.",
    )
    .argument("[paths...]", "control files or directories")
    .action(async (paths: string[]) => {
      // Query declarations, not the query modules: lint needs no cloud SDK.
      const { loadControls } = await import("../../controls/loader.js");
      const { semanticProblems } = await import("../../controls/validate.js");
      const targets = paths.length ? paths : [BUNDLED_CONTROLS_DIR];
      const loaded = loadControls(targets);
      const problems = [...loaded.problems];
      for (const c of loaded.controls) problems.push(...semanticProblems(c, loaded.sources.get(c.id)));
      for (const p of problems) process.stderr.write(`${formatProblem(p)}\n`);
      if (problems.length > 0) {
        process.stderr.write(`\n${problems.length} problem(s) found.\n`);
        process.exitCode = 2;
      } else {
        process.stdout.write(`${loaded.controls.length} control(s) OK.\n`);
      }
    });
}
