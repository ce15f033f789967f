/**
 * `itgc-validate report BUNDLE --format …` — re-export a bundle's results with the same writers the bundle
 * used. A results document (`run --json` output, or `merge` of a sharded run) renders the same way.
 * `--format xlsx` is the Excel workpaper (verified first, like `sql` and `diff`).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { Command, Option } from "commander";
import { InputError } from "../../core/errors.js";
import type { SampleDocument } from "../../sample/from-bundle.js";

const FORMATS = ["html", "csv", "exceptions-csv", "junit", "oscal", "json", "xlsx"] as const;
type Format = (typeof FORMATS)[number];

interface ReportFlags {
  format: Format;
  output?: string;
  bom?: boolean;
  unverified?: boolean;
  sample?: string[];
}

async function documentModel(file: string) {
  const { loadResults } = await import("./merge.js");
  const { modelFromDocument } = await import("../../report/document-model.js");
  return modelFromDocument(loadResults(file), file);
}

export function reportCommand(): Command {
  return new Command("report")
    .description(
      "Re-export the results of an evidence bundle (directory or .tar.gz), or of a results document\n" +
        "(run --json, merge), in another format; xlsx is the Excel workpaper.",
    )
    .argument("<bundle>", "bundle directory or .tar.gz, or a results .json")
    .addOption(new Option("--format <format>", "output format").choices(FORMATS).makeOptionMandatory())
    .option("--output <file>", "write to this file instead of stdout")
    .option("--bom", "CSV formats: start with a UTF-8 byte-order mark (for Excel)")
    .option("--unverified", "xlsx: render a bundle that does not verify (the workbook is stamped UNVERIFIED)")
    .option(
      "--sample <file>",
      "xlsx: add a sample sheet from a <control>.sample.json that `sample` drew from this bundle (repeatable)",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .action(async (bundle: string, flags: ReportFlags) => {
      if (flags.format === "xlsx") return writeWorkpaper(bundle, flags);
      const { readBundle, UnusableBundle } = await import("../../evidence/files.js");
      const { csvContextOf, readModel } = await import("../../evidence/read-model.js");
      let text: string;
      try {
        const model = bundle.endsWith(".json")
          ? await documentModel(bundle)
          : readModel(
              readBundle(bundle),
              flags.format === "oscal" ? "oscal" : flags.format === "html" ? "html" : undefined,
            );
        const csvContext = () => csvContextOf(model.document.run, model.controls, flags.bom);
        switch (flags.format) {
          // Each renderer is loaded only for its own format.
          case "html":
            text = (await import("../../report/html.js")).renderHtml(model);
            break;
          case "csv":
            text = (await import("../../report/csv.js")).summaryCsv(model.results, csvContext());
            break;
          case "exceptions-csv":
            text = (await import("../../report/csv.js")).exceptionsCsv(model.results, csvContext());
            break;
          case "junit":
            text = (await import("../../report/junit.js")).renderJunit(model);
            break;
          case "oscal":
            text = (await import("../../report/oscal.js")).renderOscal(model);
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
    });
}

/** The Excel workpaper: verified first (like sql and diff), binary, so it needs --output or a redirected stdout. */
async function writeWorkpaper(bundle: string, flags: ReportFlags): Promise<void> {
  if (!flags.output && process.stdout.isTTY)
    throw new InputError(
      "--format xlsx writes a binary workbook: give --output FILE.xlsx (or redirect stdout)",
    );
  const { openBundle, unverifiedStamp } = await import("../../workbench/open-bundle.js");
  const opened = openBundle(bundle, { allowUnverified: flags.unverified });
  const { renderXlsx } = await import("../../report/xlsx.js");
  const samples = (flags.sample ?? []).map((file) => {
    try {
      const doc = JSON.parse(readFileSync(file, "utf8")) as SampleDocument;
      if (doc.format !== "itgc-validate/sample@1") throw new Error("not a sample file written by `sample`");
      if (doc.bundle?.runId !== opened.model.run.id)
        throw new Error(
          `drawn from run ${doc.bundle?.runId}, not from ${bundle} (run ${opened.model.run.id})`,
        );
      return doc;
    } catch (e) {
      throw new InputError({ file, message: (e as Error).message });
    }
  });
  const data = await renderXlsx(opened.model, { stamp: unverifiedStamp(opened), samples });
  if (flags.output) writeFileSync(flags.output, data);
  else process.stdout.write(data);
}
