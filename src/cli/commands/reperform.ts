/** `itgc-validate reperform BUNDLE` — exit 0 every verdict reproduced, 1 differences, 2 unusable input. */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { InputError } from "../../core/errors.js";
import type { RunJson } from "../../evidence/model.js";
import type { ReperformOptions } from "../../evidence/reperform.js";
import type { SampleDocument } from "../../sample/from-bundle.js";
import { awsOptionsFrom } from "../options/aws.js";
import { gcpRuntimeFrom } from "../options/gcp.js";
import { githubRuntimeFrom } from "../options/github.js";
import { addRunOptions, type RunFlags } from "./run.js";

/**
 * The provider options the original run was given (AWS regions, organization, role…; GCP organization,
 * folders, projects), from its command line. Endpoints and credentials do not matter in replay.
 */
export function originalRunOptions(command: string[]): ReperformOptions {
  const parser = addRunOptions(new Command("original"))
    .exitOverride()
    .allowUnknownOption()
    .allowExcessArguments()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  try {
    parser.parse(command.slice(1), { from: "user" });
  } catch {
    return {};
  }
  const flags = parser.opts<RunFlags>();
  const { profile: _p, ...aws } = awsOptionsFrom(flags);
  return {
    aws,
    runtimeFactories: {
      gcp: gcpRuntimeFrom({ ...flags, gcpEndpoint: undefined, gcpRestEndpoint: undefined }, {}),
      github: githubRuntimeFrom({ ...flags, githubApiUrl: undefined }, {}),
    },
  };
}

function readSampleFile(file: string): SampleDocument {
  let doc: SampleDocument;
  try {
    doc = JSON.parse(readFileSync(file, "utf8")) as SampleDocument;
  } catch (e) {
    throw new InputError({ file, message: `not a readable sample JSON: ${(e as Error).message}` });
  }
  if (doc?.format !== "itgc-validate/sample@1")
    throw new InputError({ file, field: "format", message: "expected itgc-validate/sample@1" });
  return doc;
}

export function reperformCommand(): Command {
  return new Command("reperform")
    .description(
      "Re-perform the test offline: replay the bundle's raw API responses through the bundle's own control\n" +
        "definitions and parameters, at its evaluation time, and compare every verdict with the recorded one.\n" +
        "Exit codes: 0 every verdict reproduced, 1 differences (listed), 2 unusable input.",
    )
    .argument("<bundle>", "bundle directory or .tar.gz")
    .option("--json", "print the comparison as JSON")
    .option(
      "--sample <file>",
      "a sample drawn from this bundle (`sample` wrote <control>.sample.json): re-draw it and compare (repeatable)",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .action(async (bundle: string, flags: { json?: boolean; sample?: string[] }) => {
      const { readBundle, UnusableBundle } = await import("../../evidence/files.js");
      const { renderReperformReport, reperformBundle } = await import("../../evidence/reperform.js");
      let report: Awaited<ReturnType<typeof reperformBundle>>;
      try {
        const files = readBundle(bundle);
        const runFile = files.files.get("data/run.json");
        let command: string[] = [];
        try {
          command = runFile ? ((JSON.parse(runFile.toString("utf8")) as RunJson).command ?? []) : [];
        } catch {
          command = [];
        }
        const samples = (flags.sample ?? []).map((f) => readSampleFile(f));
        report = await reperformBundle(files, { ...originalRunOptions(command), samples });
      } catch (e) {
        if (e instanceof UnusableBundle) throw new InputError(e.message);
        throw e;
      }
      process.stdout.write(
        flags.json ? `${JSON.stringify(report, null, 2)}\n` : renderReperformReport(report),
      );
      process.exitCode = report.reproduced ? 0 : 1;
    });
}
