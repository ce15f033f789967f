/** `itgc-validate run` — evaluate controls live or from a recording, print results, optionally write output. */
import { Command } from "commander";
import { parseTimestamp } from "../io.js";
import { type AwsFlags, addAwsOptions } from "../options/aws.js";
import { addEvidenceOptions, type EvidenceFlags } from "../options/evidence.js";
import { addFilterOptions, type FilterFlags } from "../options/filters.js";
import { addGcpOptions, type GcpFlags } from "../options/gcp.js";
import { addGithubOptions, type GithubFlags } from "../options/github.js";
import { addPeriodOption, type PeriodFlags } from "../options/period.js";
import { addProgressOptions, type ProgressFlags } from "../progress.js";

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
        "(repeatable: e.g. an AWS and a GCP recording, merged); without --provider, only the providers " +
        "the recordings hold calls of run",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option("--json", "print only the results document (JSON) on stdout")
    .option(
      "--params <file>",
      "YAML file overriding control parameters, keyed by control id; a list parameter the control accepts " +
        'as CSV (e.g. leavers) may be "@file.csv" (relative to the params file; columns such as ' +
        "user,leaving_date, header detected; the file goes into the bundle). See docs/params.md",
    )
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

export function runCommand(): Command {
  const cmd = new Command("run").description(
    "Evaluate controls against live AWS accounts (the SDK's credential chain; --org for a whole Organization)\n" +
      "and GCP organizations (Application Default Credentials), or offline from a recording (--replay),\n" +
      "and write a signed evidence bundle.\n" +
      "Exit codes: 0 all passed, 1 a control failed, 2 bad usage or input, 3 a control could not be evaluated or the run could not finish.",
  );
  addRunOptions(cmd);
  return cmd.action(async (flags: RunFlags) => {
    // (An organization run's heap growing factor is set at the process entry: cli/heap-for-command.ts.)
    const { runAndReport } = await import("../run-and-report.js");
    process.exitCode = await runAndReport(flags, process.argv.slice(2));
  });
}
