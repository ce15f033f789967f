/** `itgc-validate lint [PATH...]` — validate control files (and a params file); exit 2 on any problem. */
import { Command } from "commander";
import { formatProblem } from "../../core/errors.js";
import { BUNDLED_CONTROLS_DIR } from "../../util/paths.js";

export function lintCommand(): Command {
  return new Command("lint")
    .description(
      "Validate control files: YAML bounds (size, depth, aliases), schema (every error with file:line:column " +
        "and field), id equals path, duplicate ids, the query exists, and typed CEL: where / expect / assert " +
        "type-check against the query's declared field types and are boolean; resource and every {placeholder} " +
        "name a field or parameter; parameter values have their default's type and lie in param_ranges. " +
        "With --params, also checks a params file. Exits 2 on any problem. Default: the bundled catalogue.",
    )
    .argument("[paths...]", "control files or directories")
    .option("--params <file>", "also check this params file (as `run --params` would read it)")
    .action(async (paths: string[], flags: { params?: string }) => {
      // Query declarations, not the query modules: lint needs no cloud SDK.
      const { lintPaths } = await import("../../controls/lint.js");
      const targets = paths.length ? paths : [BUNDLED_CONTROLS_DIR];
      const { controls, problems } = await lintPaths(targets, { paramsFile: flags.params });
      for (const p of problems) process.stderr.write(`${formatProblem(p)}\n`);
      if (problems.length > 0) {
        process.stderr.write(`\n${problems.length} problem(s) found.\n`);
        process.exitCode = 2;
      } else {
        process.stdout.write(`${controls.length} control(s) OK.\n`);
      }
    });
}
