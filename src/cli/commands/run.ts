/** `itgc-validate run` — evaluate controls live or from a recording, print results, optionally write output. */
import { Command } from "commander";
import { InputError } from "../../core/errors.js";
import { executeRun } from "../../engine/execute-run.js";
import { ensureOutputDir } from "../../evidence/output-dir.js";
import { renderConsole } from "../../report/console.js";
import { exitCodeFor } from "../../report/results-document.js";
import { uploadAfterRun } from "../../upload/cli.js";
import { loadWaiversFile } from "../../waivers/load.js";
import { parseTimestamp, useColor } from "../io.js";
import { type AwsFlags, addAwsOptions, awsOptionsFrom } from "../options/aws.js";
import {
  addEvidenceOptions,
  DEFAULT_OUT,
  type EvidenceFlags,
  prepareEvidence,
  writeEvidence,
} from "../options/evidence.js";
import { addFilterOptions, type FilterFlags, filterFrom } from "../options/filters.js";
import { addGcpOptions, type GcpFlags, gcpRuntimeFrom } from "../options/gcp.js";
import { addGithubOptions, type GithubFlags, githubRuntimeFrom } from "../options/github.js";
import { addPeriodOption, type PeriodFlags } from "../options/period.js";
import { addProgressOptions, createProgress, type ProgressFlags } from "../progress.js";

export interface RunFlags
  extends FilterFlags,
    AwsFlags,
    GcpFlags,
    GithubFlags,
    EvidenceFlags,
    ProgressFlags,
    PeriodFlags {
  replay?: string[];
  json?: boolean;
  params?: string;
  now?: Date;
  waivers?: string;
}

export function addRunOptions(cmd: Command): Command {
  addFilterOptions(cmd);
  cmd
    .option(
      "--replay <dir>",
      "answer every API call from a recording (a fixture or an evidence bundle) instead of the cloud " +
        "(repeatable: e.g. an AWS and a GCP recording, merged)",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option("--json", "print only the results document (JSON) on stdout")
    .option("--params <file>", "YAML file overriding control parameters, keyed by control id")
    .option(
      "--waivers <file>",
      "YAML file of approved exceptions (control, resource glob, ticket, approver, expiry); matching failed " +
        "findings become `waived`, and the file goes into the bundle (see docs/waivers.md)",
    )
    .option(
      "--now <timestamp>",
      "evaluate time-based expectations at this instant (default: now; in replay, the recording's time)",
      parseTimestamp,
    );
  addPeriodOption(cmd);
  addEvidenceOptions(cmd);
  addAwsOptions(cmd);
  addGcpOptions(cmd);
  addGithubOptions(cmd);
  addProgressOptions(cmd);
  return cmd;
}

/** Runs and prints; returns the exit code. */
export async function runAndReport(flags: RunFlags, argv: string[]): Promise<number> {
  if (flags.upload && !flags.retainDays)
    throw new InputError(
      "--upload needs --retain-days (the Object Lock retention cannot be shortened later)",
    );
  // Read before anything else, so a bad waivers file is exit 2 before any API call.
  const waivers = flags.waivers ? loadWaiversFile(flags.waivers) : undefined;
  // Everything that can make the output unwritable fails here, before the first API call.
  ensureOutputDir(flags.out ?? DEFAULT_OUT);
  const evidence = await prepareEvidence(flags);
  const progress = createProgress(flags);
  const outcome = await executeRun({
    observer: progress,
    controlPaths: flags.controlsDir,
    filter: filterFrom(flags),
    paramsFile: flags.params,
    replayDir: flags.replay,
    now: flags.now,
    period: flags.period,
    aws: awsOptionsFrom(flags),
    runtimeFactories: { gcp: gcpRuntimeFrom(flags), github: githubRuntimeFrom(flags) },
    command: argv,
    waivers,
  }).finally(() => progress.finish());
  progress.finish(outcome.document);
  const written = await writeEvidence(flags, outcome, evidence);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(outcome.document, null, 2)}\n`);
  } else {
    process.stdout.write(renderConsole(outcome.document, { color: useColor(process.stdout) }));
    if (written) process.stdout.write(`\nOutput written to ${written}\n`);
  }
  if (written && flags.json) process.stderr.write(`Output written to ${written}\n`);
  if (flags.upload && written) {
    const uploaded = await uploadAfterRun(flags, written);
    if (!uploaded) return 3;
  }
  return exitCodeFor(outcome.results);
}

export function runCommand(): Command {
  const cmd = new Command("run").description(
    "Evaluate controls against live AWS accounts (the SDK's credential chain; --org for a whole Organization)\n" +
      "and GCP organizations (Application Default Credentials), or offline from a recording (--replay),\n" +
      "and write a signed evidence bundle.\n" +
      "Exit codes: 0 all passed, 1 a control failed, 2 bad usage or input, 3 a control could not be evaluated.",
  );
  addRunOptions(cmd);
  return cmd.action(async (flags: RunFlags) => {
    process.exitCode = await runAndReport(flags, process.argv.slice(2));
  });
}
