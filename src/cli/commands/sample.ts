/** `itgc-validate sample BUNDLE --control ID` — a reproducible sample for the manual part of a test. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Command, Help, InvalidArgumentError } from "commander";
import { InputError } from "../../core/errors.js";
import { CONTROL_FREQUENCIES, type ControlFrequency } from "../../core/types.js";
import { safeName } from "../../recording/format.js";
import { renderSizeTable } from "../../sample/size-table.js";
import { helpWidth } from "../help.js";
import { parsePositiveInt } from "../io.js";

interface SampleFlags {
  control: string;
  size?: number;
  seed?: string;
  of: "population" | "exceptions";
  frequency?: ControlFrequency;
  out: string;
  json?: boolean;
}

export function sampleCommand(): Command {
  return new Command("sample")
    .description(
      "Draw a reproducible random sample of a control's population (or exceptions) from an evidence bundle,\n" +
        "for the tester's manual attributes. The same bundle, control and seed give byte-identical files on any\n" +
        "machine; the default seed is derived from the run id and the control id. Without --size the size comes\n" +
        "from the sample-size table, by the control's frequency, else by the population size (the table ends\n" +
        "`sample --help`).",
    )
    .addHelpText("after", sizeTableHelp)
    .argument("<bundle>", "bundle directory or .tar.gz")
    .requiredOption("--control <id>", "the control whose population is sampled")
    .option("--size <n>", "sample size (default: the sample-size table below)", parsePositiveInt)
    .option(
      "--seed <seed>",
      "seed (default: derived from the bundle's run id and the control id)",
      (v: string) => {
        // An empty seed is almost always an unset shell variable ($SEED): refuse it rather than sample with it.
        if (v.trim() === "") throw new InvalidArgumentError("the seed is empty.");
        return v;
      },
    )
    .option(
      "--of <population|exceptions>",
      "sample the whole population or only its exceptions",
      (v: string) => {
        if (v !== "population" && v !== "exceptions")
          throw new InvalidArgumentError(`"${v}" is not population or exceptions.`);
        return v;
      },
      "population",
    )
    .option(
      "--frequency <f>",
      `the control's frequency, if its definition has none (${CONTROL_FREQUENCIES.join(", ")})`,
      (v: string) => {
        if (!CONTROL_FREQUENCIES.includes(v as ControlFrequency))
          throw new InvalidArgumentError(`"${v}" is not one of ${CONTROL_FREQUENCIES.join(", ")}.`);
        return v;
      },
    )
    .option("--out <dir>", "write <control>.sample.csv and .sample.json here", ".")
    .option("--json", "print the sample document (JSON) instead of a summary")
    .action(async (bundle: string, flags: SampleFlags) => {
      // The bundle reader (zlib, tar) and the CSV writer load on use, not with every command's start-up.
      const { readBundle, UnusableBundle } = await import("../../evidence/files.js");
      const { sampleCsv, sampleFromBundle, sampleJson } = await import("../../sample/from-bundle.js");
      let doc: ReturnType<typeof sampleFromBundle>;
      try {
        doc = sampleFromBundle(readBundle(bundle), flags);
      } catch (e) {
        if (e instanceof UnusableBundle) throw new InputError(e.message);
        throw e;
      }
      mkdirSync(flags.out, { recursive: true });
      const base = join(
        flags.out,
        `${safeName(doc.control.id)}.${doc.of === "exceptions" ? "exceptions-" : ""}sample`,
      );
      writeFileSync(`${base}.csv`, sampleCsv(doc));
      writeFileSync(`${base}.json`, sampleJson(doc));
      if (flags.json) {
        process.stdout.write(sampleJson(doc));
        return;
      }
      process.stdout.write(
        [
          `Sample of ${doc.control.id} (${doc.of}): ${doc.size} of ${doc.populationSize}`,
          `  size: ${doc.sizeBasis}`,
          `  seed: ${doc.seed} (${doc.seedSource})`,
          `  population sha256: ${doc.populationHash}`,
          ...doc.items.map(
            (e) =>
              `  ${String(e.sample).padStart(3)}. #${e.position} ${e.resource} [${e.account}/${e.region}] ${e.status}`,
          ),
          `Written ${base}.csv and ${base}.json`,
          "",
        ].join("\n"),
      );
    });
}

/**
 * The sample-size table after the options, its rows as they are: a description is re-flowed to the
 * terminal's width, which ran the rows together. Only the source line is long enough to be wrapped.
 */
function sizeTableHelp(): string {
  const table = new Help().boxWrap(renderSizeTable(), helpWidth() - 2);
  return `\nSample sizes:\n${table.replace(/^(?=.)/gm, "  ")}`;
}
