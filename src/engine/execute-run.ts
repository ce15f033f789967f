/**
 * One complete run, independent of the CLI: load and check the controls, build the provider runtimes (live
 * or replay), evaluate, and assemble the results document. `run`, `demo` and `reperform` all go through here.
 */
import { randomUUID } from "node:crypto";
import type { ControlFilter } from "../controls/catalogue.js";
import { InputError } from "../core/errors.js";
import {
  type Period,
  PeriodError,
  type PeriodRecord,
  type PeriodSpec,
  periodFromRecord,
  periodRecord,
  resolvePeriod,
} from "../core/period.js";
import type { ProviderRuntime } from "../core/provider.js";
import type { Control, ControlResult, Provider } from "../core/types.js";
import "../queries/index.js";
import { sha256Hex } from "../evidence/bagit.js";
import { AwsRuntime, type AwsRuntimeOptions } from "../providers/aws/runtime.js";
import { declaredOperations, linkedQueryIds } from "../queries/registry.js";
import { type RecordedCall, safeName } from "../recording/format.js";
import { MemoryRecorder, type Recorder } from "../recording/recorder.js";
import type { SpooledCalls } from "../recording/spool.js";
import { type LoadedRecording, loadRecordings } from "../recording/store.js";
import { type ResultsDocument, type RunInfo, toDocument } from "../report/results-document.js";
import { TOOL_NAME, TOOL_VERSION } from "../util/version.js";
import { WaiverMatcher } from "../waivers/apply.js";
import type { WaiverSet } from "../waivers/load.js";
import { loadParams, type ParamOverrides } from "./params.js";
import type { ParamSource } from "./params-csv.js";
import type { PopulationStore } from "./population-store.js";
import { type RunControlsOptions, type RunObserver, runControls } from "./run-controls.js";
import { selectControls } from "./select-controls.js";

export interface ExecuteRunOptions {
  /** Control files or directories; defaults to the bundled catalogue. */
  controlPaths?: string[];
  filter: ControlFilter;
  paramsFile?: string;
  /** Parameter overrides already parsed (tests); --params files go through paramsFile. */
  overrides?: ParamOverrides;
  /** Replay from this recording directory (or bundle), or several merged, instead of calling the cloud. */
  replayDir?: string | string[];
  /** Replay from a recording already in memory (tests, benchmark). */
  recording?: LoadedRecording;
  /** Evaluation instant; defaults to now (live) or the recording's start time (replay). */
  now?: Date;
  /**
   * The audit period (`--period`). Without it: the replayed run's recorded period, else the last 90 days
   * ending at the evaluation time.
   */
  period?: PeriodSpec;
  aws?: Omit<AwsRuntimeOptions, "recorder" | "replay">;
  /** Extra runtimes factories by provider (GCP registers here). */
  runtimeFactories?: Partial<Record<Provider, RuntimeFactory>>;
  observer?: RunObserver;
  command?: string[];
  /** Accepted exceptions (`--waivers`), applied after evaluation; the file goes into the bundle. */
  waivers?: WaiverSet;
  /**
   * Where the calls are recorded: a SpoolRecorder when the run will write a bundle (each call goes to disk
   * as it completes); default: a MemoryRecorder (every call kept in `outcome.calls`).
   */
  recorder?: Recorder;
  /**
   * Where large populations go as they are evaluated (a run that writes a bundle: beside its spool, see
   * engine/population-store.ts); default: every result holds its findings and items in memory.
   */
  population?: PopulationStore;
  /**
   * Replay only: run the selected controls of the providers the recording holds calls of, and hand the others
   * to this callback (`run --replay` without --provider: a recording of an AWS run replays as an AWS run,
   * instead of failing on the GCP caller identity it never recorded). Every provider that ran records at
   * least its caller-identity call, so a provider with no call in the recording was not part of that run.
   */
  recordedProvidersOnly?: (skipped: Provider[]) => void;
  /** Engine tuning (benchmark): top-level fetches in flight per provider, and whether results are released. */
  engine?: Pick<RunControlsOptions, "fetchesInFlight" | "releaseResults" | "streamResults">;
}

export type RuntimeFactory = (ctx: {
  recorder: Recorder;
  replay?: LoadedRecording;
  /** The operations the selected controls' queries declare: the provider's read-only allow-list. */
  allowedOperations: string[];
}) => ProviderRuntime | Promise<ProviderRuntime>;

export interface RunOutcome {
  document: ResultsDocument;
  results: ControlResult[];
  controls: Control[];
  /** Every recorded call, in issue order; empty when they were spooled (then see `spooled`). */
  calls: RecordedCall[];
  /** Set when the run's recorder spooled its calls to disk: the bundle writer takes them from there. */
  spooled?: SpooledCalls;
  overrides: ParamOverrides;
  /** The CSV files list parameters were read from (the bundle keeps their bytes). */
  paramSources?: ParamSource[];
  waivers?: WaiverSet;
}

const runtimeFactories: Partial<Record<Provider, RuntimeFactory>> = {};

/** Lets a provider package (e.g. GCP) plug its runtime in without the engine importing its SDK. */
export function registerRuntimeFactory(provider: Provider, factory: RuntimeFactory): void {
  runtimeFactories[provider] = factory;
}

export async function executeRun(opts: ExecuteRunOptions): Promise<RunOutcome> {
  const startedAt = new Date();
  const chosen = await selectControls(opts.controlPaths, opts.filter);
  const { all } = chosen;
  let { selected } = chosen;
  const loaded = opts.overrides
    ? { overrides: opts.overrides, sources: [] }
    : opts.paramsFile
      ? loadParams(opts.paramsFile, all)
      : { overrides: {}, sources: [] };
  const { overrides } = loaded;
  const paramSources: ParamSource[] = loaded.sources;
  const replayDirs = opts.replayDir === undefined ? [] : [opts.replayDir].flat();
  const replay = opts.recording ?? (replayDirs.length > 0 ? loadRecordings(replayDirs) : undefined);
  const now = opts.now ?? recordingTime(replay) ?? startedAt;
  if (Number.isNaN(now.getTime()))
    throw new InputError("the evaluation time (--now or the recording's startedAt) is not a valid timestamp");
  const { period, record: periodInfo } = choosePeriod(opts.period, replay, now);
  if (replay && opts.recordedProvidersOnly)
    selected = onlyRecordedProviders(selected, replay, opts.recordedProvidersOnly);

  const recorder = opts.recorder ?? new MemoryRecorder();
  const providers = [...new Set(selected.map((c) => c.provider))].sort();
  const runtimes: ProviderRuntime[] = [];
  // Other-provider queries the selected ones link (e.g. AWS OIDC trusts → GitHub repositories): read only
  // when their provider runs anyway, so their calls join that provider's allow-list.
  const linked = linkedQueryIds(selected.map((c) => c.query));
  for (const provider of providers) {
    // Read-only by declaration: each provider may send exactly what the selected queries declare.
    const allowedOperations = declaredOperations(provider, [
      ...selected.filter((c) => c.provider === provider).map((c) => c.query),
      ...linked,
    ]);
    if (provider === "aws") {
      runtimes.push(new AwsRuntime({ ...opts.aws, recorder, replay, allowedOperations }));
    } else {
      const factory = opts.runtimeFactories?.[provider] ?? runtimeFactories[provider];
      if (!factory) throw new InputError(`provider ${provider} is not available in this build`);
      runtimes.push(await factory({ recorder, replay, allowedOperations }));
    }
  }
  for (const rt of runtimes) await rt.init();
  opts.observer?.onRunStart?.({
    providers: runtimes.map((r) => r.describe()),
    controls: selected.length,
    status: () => runtimes.map((r) => r.status?.()).filter((s): s is string => Boolean(s)),
  });

  // One matcher for the run: a stored population meets the waivers as it is written, the others here.
  const matcher = opts.waivers ? new WaiverMatcher(opts.waivers, now) : undefined;
  const store = opts.population;
  const evaluated = await runControls({
    controls: selected,
    runtimes,
    overrides,
    now,
    period,
    observer: opts.observer,
    ...(store ? { populationSink: (c: Control) => store.sink(matcher?.forControl(c.id)) } : {}),
    ...opts.engine,
  });
  // A population not all on disk fails the run: nothing may be written from it.
  store?.check();
  const { cache } = evaluated;
  const results = evaluated.results.map((r) => (matcher && !r.stored ? matcher.apply(r) : r));
  const waived =
    opts.waivers && matcher ? { report: matcher.report(sha256Hex(opts.waivers.text)) } : undefined;
  results.sort((a, b) => a.id.localeCompare(b.id));

  const regions: Record<string, string[]> = {};
  for (const rt of runtimes) if (rt instanceof AwsRuntime) Object.assign(regions, await rt.coveredRegions());
  const { calls, spooled } = await recorder.finish();
  const recStats = recorder.stats();
  const run: RunInfo = {
    id: randomUUID(),
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    startedAt: startedAt.toISOString(),
    endedAt: new Date().toISOString(),
    evaluatedAt: now.toISOString(),
    period: periodInfo,
    mode: replay ? "replay" : "live",
    ...(replay ? { replaySource: replayDirs.length > 0 ? replayDirs.join(",") : replay.dir } : {}),
    command: opts.command ?? [],
    providers: runtimes.map((r) => r.describe()),
    regions,
    params: {
      ...(opts.paramsFile ? { file: opts.paramsFile } : {}),
      overrides,
      // The CSV files list parameters came from: their lists are in overrides, their bytes in the bundle.
      ...(paramSources.length > 0
        ? { sources: paramSources.map(({ text: _text, ...s }) => ({ ...s, path: paramSourcePath(s) })) }
        : {}),
    },
    controlsSelected: selected.length,
    stats: {
      apiCalls: recStats.calls,
      apiErrors: recStats.errors,
      retries: recStats.retries,
      // Throttles seen on any attempt inside the SDK retry loop (also those a retry recovered from).
      throttles: Math.max(
        recStats.throttled,
        runtimes.reduce((n, rt) => n + (rt.stats?.().throttles ?? 0), 0),
      ),
      distinctQueries: cache.stats().misses,
      cacheHits: cache.stats().hits,
    },
    ...(waived ? { waivers: waived.report } : {}),
  };
  return {
    document: toDocument(run, results),
    results,
    controls: selected,
    calls,
    ...(spooled ? { spooled } : {}),
    overrides,
    paramSources,
    ...(opts.waivers ? { waivers: opts.waivers } : {}),
  };
}

/** Where the bundle keeps a parameter's CSV file (data/params/<control>.<param>.csv). */
export function paramSourcePath(s: Pick<ParamSource, "control" | "param">): string {
  return `data/params/${safeName(s.control)}.${safeName(s.param)}.csv`;
}

/** The selected controls of the providers `replay` holds calls of; the others' providers go to `skip`. */
function onlyRecordedProviders(
  selected: Control[],
  replay: LoadedRecording,
  skip: (skipped: Provider[]) => void,
): Control[] {
  const recorded = new Set(replay.calls.map((c) => c.provider));
  const skipped = [...new Set(selected.map((c) => c.provider))].filter((p) => !recorded.has(p)).sort();
  if (skipped.length === 0) return selected;
  const kept = selected.filter((c) => recorded.has(c.provider));
  if (kept.length === 0)
    throw new InputError(
      `${replay.dir}: the recording holds no ${skipped.join(" or ")} calls, and the selected controls are ` +
        `${skipped.join(" and ")} controls: nothing to replay`,
    );
  skip(skipped);
  return kept;
}

/** The instant a recording's run evaluated at: replay re-evaluates at the same instant. */
function recordingTime(replay: LoadedRecording | undefined): Date | undefined {
  const t = replay?.meta.evaluatedAt ?? replay?.meta.startedAt;
  return t ? new Date(String(t)) : undefined;
}

/** --period, else the period the replayed run recorded, else the default (the last 90 days). */
function choosePeriod(
  spec: PeriodSpec | undefined,
  replay: LoadedRecording | undefined,
  now: Date,
): { period: Period; record: PeriodRecord } {
  try {
    if (spec) {
      const period = resolvePeriod(spec, now);
      return { period, record: periodRecord(period, spec.text, "option") };
    }
    const recorded = replay?.meta.period as Partial<PeriodRecord> | undefined;
    const reused = periodFromRecord(recorded);
    if (reused)
      return {
        period: reused,
        record: periodRecord(reused, String(recorded?.spec ?? "recorded"), "recording"),
      };
    const period = resolvePeriod(undefined, now);
    return { period, record: periodRecord(period, "last-90d", "default") };
  } catch (e) {
    if (e instanceof PeriodError) throw new InputError(`--period: ${e.message}`);
    throw e;
  }
}
