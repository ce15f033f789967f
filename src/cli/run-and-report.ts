/**
 * What `run` and `demo` do once their flags are parsed: choose the providers, resolve the signer, run, print,
 * write and upload the evidence. Loaded by the commands' actions only (it brings the engine, the providers
 * and every renderer), so `--help`, `lint` and `controls list` start without them.
 */
import { InputError } from "../core/errors.js";
import type { Provider } from "../core/types.js";
import { prepareOutputDir } from "../evidence/output-dir.js";
import { detectProviders } from "../providers/configured.js";
import { parseEndpoint } from "../providers/gcp/endpoint.js";
import { exitCodeFor, type ResultsDocument } from "../report/results-document.js";
import type { WaiverSet } from "../waivers/load.js";
import type { RunFlags } from "./commands/run.js";
import { useColor } from "./io.js";
import { type LogMode, notice, setLogMode } from "./log.js";
import { awsOptionsFrom } from "./options/aws.js";
import { DEFAULT_OUT, prepareEvidence, writeEvidence } from "./options/evidence.js";
import { filterFrom } from "./options/filters.js";
import { gcpRuntimeFrom } from "./options/gcp.js";
import { githubRuntimeFrom } from "./options/github.js";
import { createProgress } from "./progress.js";
import { loadReplaySources } from "./replay-sources.js";

/** Every provider a run can cover (a new provider adds itself here and in providers/configured.ts). */
const PROVIDERS: Provider[] = ["aws", "gcp", "github"];

/**
 * A live run without --provider covers the providers whose credentials are found, and says which it skipped
 * and why. --provider always wins (a provider asked for and not configured fails in its own init); a replay
 * without it covers the providers the recordings hold calls of (executeRun's recordedProvidersOnly).
 */
async function chooseProviders(flags: RunFlags): Promise<Provider[] | undefined> {
  if (flags.provider?.length || flags.replay?.length) return flags.provider;
  const endpoint = flags.gcpEndpoint ?? (process.env.ITGC_GCP_ENDPOINT || undefined);
  const found = await detectProviders(PROVIDERS, {
    profile: flags.profile,
    gcpLoopbackEndpoint: endpoint ? parseEndpoint(endpoint).loopback : false,
    githubOrg: Boolean(flags.githubOrg?.length),
    githubApp: Boolean(flags.githubAppId),
  });
  const configured = found.filter((d) => d.configured).map((d) => d.provider);
  if (configured.length === 0)
    throw new InputError(
      `no provider is configured: ${found.map((d) => `${d.provider}: ${d.reason}`).join("; ")}. ` +
        "Set up credentials, or use --replay for a recording (itgc-validate demo shows one).",
    );
  for (const d of found)
    if (!d.configured)
      notice(`skipping ${d.provider}: ${d.reason}; use --provider ${d.provider} to require it`, {
        skipped: d.provider,
      });
  return configured;
}

/**
 * `--region R` works as in the AWS CLI: the run covers that region (and uses it as the home region for
 * global services). `--regions` still names several; with both, --regions decides the coverage.
 */
function noteRegionNarrowing(flags: RunFlags): void {
  if (flags.region && !flags.regions?.length)
    notice(
      `--region ${flags.region}: covering AWS region ${flags.region} only (as the AWS CLI does); ` +
        "use --regions a,b for several, or neither for every enabled region",
      { region: flags.region },
    );
}

function logModeOf(mode: ReturnType<typeof createProgress>["mode"]): LogMode {
  return mode === "json" ? "json" : mode === "none" ? "quiet" : "text";
}

/** Runs and prints; returns the exit code. */
export async function runAndReport(flags: RunFlags, argv: string[]): Promise<number> {
  const progress = createProgress(flags);
  setLogMode(logModeOf(progress.mode));
  if (flags.upload && !flags.retainDays)
    throw new InputError(
      "--upload needs --retain-days (the Object Lock retention cannot be shortened later)",
    );
  // Read before anything else, so a bad waivers file is exit 2 before any API call.
  // (The loader brings the JSON Schema validator: only a run with --waivers loads it.)
  const waivers = flags.waivers
    ? (await import("../waivers/load.js")).loadWaiversFile(flags.waivers)
    : undefined;
  // Everything that can make the output unwritable fails here, before the first API call.
  const out = prepareOutputDir(flags.out ?? DEFAULT_OUT);
  try {
    return await runChecked(flags, argv, progress, waivers);
  } catch (e) {
    // Stopped before a bundle was written (a usage error found later, a failed run): no empty --out left.
    out.removeIfUnused();
    throw e;
  }
}

/** The run itself, once the output directory is known to be usable. */
async function runChecked(
  flags: RunFlags,
  argv: string[],
  progress: ReturnType<typeof createProgress>,
  waivers: WaiverSet | undefined,
): Promise<number> {
  const provider = await chooseProviders(flags);
  noteRegionNarrowing(flags);
  const evidence = await prepareEvidence(flags);
  // Each recorded call goes to disk as it completes, into the bundle's temporary directory under --out
  // (removed if the run fails or is interrupted); the bundle writer renames it into the finished bundle.
  // The spool (and its writer thread) exists before the engine loads, so the thread's start-up overlaps
  // that loading instead of the run.
  const { withSpool } = await import("../evidence/spooled-run.js");
  const { outcome, written } = await withSpool(flags.out ?? DEFAULT_OUT, async (recorder, population) => {
    // The engine (and with it every SDK) loads once the flags and the signer are known to be usable, so a
    // bad key or flag fails in a fraction of a second.
    const { executeRun } = await import("../engine/execute-run.js");
    const recording = flags.replay ? loadReplaySources(flags.replay) : undefined;
    const outcome = await executeRun({
      observer: progress,
      controlPaths: flags.controlsDir,
      filter: { ...filterFrom(flags), provider },
      paramsFile: flags.params,
      ...(recording ? { recording } : { replayDir: flags.replay }),
      // A replay without --provider covers what the recording holds (chooseProviders).
      ...(flags.replay?.length && !provider?.length
        ? {
            recordedProvidersOnly: (skipped: Provider[]) => {
              for (const p of skipped)
                notice(
                  `skipping ${p}: the recording holds none of its calls; use --provider ${p} to require it`,
                  {
                    skipped: p,
                  },
                );
            },
          }
        : {}),
      now: flags.now,
      period: flags.period,
      aws: awsOptionsFrom(flags),
      runtimeFactories: { gcp: gcpRuntimeFrom(flags), github: githubRuntimeFrom(flags) },
      command: argv,
      waivers,
      recorder,
      population,
    }).finally(() => progress.finish());
    progress.finish(outcome.document);
    const written = await writeEvidence(flags, outcome, evidence);
    // Printed here, while the large populations' scratch files (read back by --json and the console's
    // exceptions) are still there: they are removed when this returns.
    await printResults(flags, outcome.document, written);
    return { outcome, written };
  });
  if (flags.upload && written) {
    const { uploadAfterRun } = await import("../upload/cli.js");
    const uploaded = await uploadAfterRun(flags, written);
    if (!uploaded) return 3;
  }
  return exitCodeFor(outcome.results);
}

/** The results on stdout: the results document (--json) or the console summary. */
async function printResults(flags: RunFlags, document: ResultsDocument, written: string | undefined) {
  if (flags.json && !document.controls.some((c) => c.stored)) {
    process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    if (written) notice(`output written to ${written}`, { output: written });
  } else if (flags.json) {
    const { listedPopulation } = await import("../engine/population-store.js");
    const { jsonPieces } = await import("../evidence/json-stream.js");
    // Streamed: a population read back from disk is never held whole as text.
    const listed = { ...document, controls: document.controls.map(listedPopulation) };
    let text = "";
    for (const piece of jsonPieces(listed)) {
      text += piece;
      if (text.length >= 1 << 18) {
        await writeOut(text);
        text = "";
      }
    }
    await writeOut(`${text}\n`);
    if (written) notice(`output written to ${written}`, { output: written });
  } else {
    const { renderConsole } = await import("../report/console.js");
    process.stdout.write(renderConsole(document, { color: useColor(process.stdout) }));
    if (written) process.stdout.write(`\nOutput written to ${written}\n`);
  }
}

/** Writes to stdout, waiting while its buffer is full. */
function writeOut(text: string): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdout.write(text)) resolve();
    else process.stdout.once("drain", () => resolve());
  });
}
