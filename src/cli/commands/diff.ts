/** `itgc-validate diff OLD NEW` — what changed between two verified bundles of the same scope. */
import { writeFileSync } from "node:fs";
import { Command, Option } from "commander";
import { InputError } from "../../core/errors.js";

const FORMATS = ["table", "json", "html"] as const;

export function diffCommand(): Command {
  return new Command("diff")
    .description(
      "Compare two evidence bundles of the same scope (e.g. last quarter's and this quarter's): new, resolved\n" +
        "and still-open exceptions, controls whose status changed, population joiners and leavers, and scope\n" +
        "differences (a scope that shrank is flagged). Both bundles are verified first.\n" +
        "Exit codes: 0 nothing got worse, 1 new exceptions or errors appeared or the scope shrank, 2 unusable input.",
    )
    .argument("<old>", "the earlier bundle (directory or .tar.gz)")
    .argument("<new>", "the later bundle (directory or .tar.gz)")
    .addOption(new Option("--format <format>", "output format").choices(FORMATS).default("table"))
    .option("--output <file>", "write to this file instead of stdout")
    .option("--unverified", "use bundles that do not verify (every output is stamped UNVERIFIED)")
    .action(
      async (
        oldPath: string,
        newPath: string,
        flags: { format: (typeof FORMATS)[number]; output?: string; unverified?: boolean },
      ) => {
        const { diffBundles, diffExitCode, renderDiffHtml, renderDiffText } = await import(
          "../../workbench/diff.js"
        );
        const { openBundle, unverifiedStamp } = await import("../../workbench/open-bundle.js");
        const a = openBundle(oldPath, { allowUnverified: flags.unverified });
        const b = openBundle(newPath, { allowUnverified: flags.unverified });
        const shared = a.model.results.filter((r) => b.model.results.some((n) => n.id === r.id));
        if (shared.length === 0)
          throw new InputError(
            `${oldPath} and ${newPath} share no control: they are not runs of the same scope and catalogue`,
          );
        const report = diffBundles(a.model, b.model);
        const stamp = [unverifiedStamp(a), unverifiedStamp(b)].filter(Boolean).join(" ") || undefined;
        const text =
          flags.format === "json"
            ? `${JSON.stringify({ ...(stamp ? { unverified: stamp } : {}), ...report }, null, 2)}\n`
            : flags.format === "html"
              ? renderDiffHtml(report, stamp)
              : renderDiffText(report, stamp);
        if (flags.output) writeFileSync(flags.output, text);
        else process.stdout.write(text);
        process.exitCode = diffExitCode(report);
      },
    );
}
