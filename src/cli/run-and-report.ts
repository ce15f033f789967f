/**
 * What `run` and `demo` do once their flags are parsed: resolve the signer, run, print, write and upload the
 * evidence. Loaded by the commands' actions only (it brings the engine, the providers and every renderer),
 * so `--help`, `lint` and `controls list` start without them.
 */
import { InputError } from "../core/errors.js";
import { executeRun } from "../engine/execute-run.js";
import { renderConsole } from "../report/console.js";
import { exitCodeFor } from "../report/results-document.js";
import { uploadAfterRun } from "../upload/cli.js";
import type { RunFlags } from "./commands/run.js";
import { useColor } from "./io.js";
import { awsOptionsFrom } from "./options/aws.js";
import { prepareEvidence, writeEvidence } from "./options/evidence.js";
import { filterFrom } from "./options/filters.js";
import { gcpRuntimeFrom } from "./options/gcp.js";
import { createProgress } from "./progress.js";

/** Runs and prints; returns the exit code. */
export async function runAndReport(flags: RunFlags, argv: string[]): Promise<number> {
  if (flags.upload && !flags.retainDays)
    throw new InputError(
      "--upload needs --retain-days (the Object Lock retention cannot be shortened later)",
    );
  const evidence = await prepareEvidence(flags);
  const progress = createProgress(flags);
  const outcome = await executeRun({
    observer: progress,
    controlPaths: flags.controlsDir,
    filter: filterFrom(flags),
    paramsFile: flags.params,
    replayDir: flags.replay,
    now: flags.now,
    aws: awsOptionsFrom(flags),
    runtimeFactories: { gcp: gcpRuntimeFrom(flags) },
    command: argv,
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
