/** `itgc-validate reperform BUNDLE` — exit 0 every verdict reproduced, 1 differences, 2 unusable input. */
import { Command } from "commander";
import { InputError } from "../../core/errors.js";
import { readBundle, UnusableBundle } from "../../evidence/files.js";
import type { RunJson } from "../../evidence/model.js";
import { type ReperformOptions, renderReperformReport, reperformBundle } from "../../evidence/reperform.js";
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

export function reperformCommand(): Command {
  return new Command("reperform")
    .description(
      "Re-perform the test offline: replay the bundle's raw API responses through the bundle's own control\n" +
        "definitions and parameters, at its evaluation time, and compare every verdict with the recorded one.\n" +
        "Exit codes: 0 every verdict reproduced, 1 differences (listed), 2 unusable input.",
    )
    .argument("<bundle>", "bundle directory or .tar.gz")
    .option("--json", "print the comparison as JSON")
    .action(async (bundle: string, flags: { json?: boolean }) => {
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
        report = await reperformBundle(files, originalRunOptions(command));
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
