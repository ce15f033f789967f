/** `itgc-validate report BUNDLE --format …` — re-export a bundle's results with the same writers the bundle used. */
import { writeFileSync } from "node:fs";
import { Command, Option } from "commander";
import { InputError } from "../../core/errors.js";
import { readBundle, UnusableBundle } from "../../evidence/files.js";
import { csvContextOf, readModel } from "../../evidence/read-model.js";
import { exceptionsCsv, summaryCsv } from "../../report/csv.js";
import { renderHtml } from "../../report/html.js";
import { renderJunit } from "../../report/junit.js";
import { renderOscal } from "../../report/oscal.js";
import { openBundle, unverifiedStamp } from "../../workbench/open-bundle.js";

const FORMATS = ["html", "csv", "exceptions-csv", "junit", "oscal", "json", "xlsx"] as const;
type Format = (typeof FORMATS)[number];

export function reportCommand(): Command {
  return new Command("report")
    .description("Re-export the results of an evidence bundle (directory or .tar.gz) in another format.")
    .argument("<bundle>", "bundle directory or .tar.gz")
    .addOption(new Option("--format <format>", "output format").choices(FORMATS).makeOptionMandatory())
    .option("--output <file>", "write to this file instead of stdout")
    .option("--bom", "CSV formats: start with a UTF-8 byte-order mark (for Excel)")
    .option("--unverified", "xlsx: render a bundle that does not verify (the workbook is stamped UNVERIFIED)")
    .action(
      async (
        bundle: string,
        flags: { format: Format; output?: string; bom?: boolean; unverified?: boolean },
      ) => {
        if (flags.format === "xlsx") return writeWorkpaper(bundle, flags);
        let text = "";
        try {
          const files = readBundle(bundle);
          const model = readModel(
            files,
            flags.format === "oscal" ? "oscal" : flags.format === "html" ? "html" : undefined,
          );
          switch (flags.format) {
            case "html":
              text = renderHtml(model);
              break;
            case "csv":
              text = summaryCsv(model.results, csvContextOf(model.run, model.controls, flags.bom));
              break;
            case "exceptions-csv":
              text = exceptionsCsv(model.results, csvContextOf(model.run, model.controls, flags.bom));
              break;
            case "junit":
              text = renderJunit(model);
              break;
            case "oscal":
              text = renderOscal(model);
              break;
            case "json":
              text = `${JSON.stringify(model.document, null, 2)}\n`;
              break;
          }
        } catch (e) {
          if (e instanceof UnusableBundle) throw new InputError(e.message);
          throw e;
        }
        if (flags.output) writeFileSync(flags.output, text);
        else process.stdout.write(text);
      },
    );
}

/** The Excel workpaper: verified first (like sql and diff), binary, so it needs --output or a redirected stdout. */
async function writeWorkpaper(
  bundle: string,
  flags: { output?: string; unverified?: boolean },
): Promise<void> {
  if (!flags.output && process.stdout.isTTY)
    throw new InputError(
      "--format xlsx writes a binary workbook: give --output FILE.xlsx (or redirect stdout)",
    );
  const opened = openBundle(bundle, { allowUnverified: flags.unverified });
  const { renderXlsx } = await import("../../report/xlsx.js");
  const data = await renderXlsx(opened.model, { stamp: unverifiedStamp(opened) });
  if (flags.output) writeFileSync(flags.output, data);
  else process.stdout.write(data);
}
