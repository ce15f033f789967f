/**
 * The results document: what `run --json` prints and `--out` writes as results.json. Its shape is stable
 * and documented in docs/results-format.md; add fields, never rename or remove them.
 */
import type { PeriodRecord } from "../core/period.js";
import type { ProviderRunInfo } from "../core/provider.js";
import type { ControlResult, Status } from "../core/types.js";
import type { ParamSource } from "../engine/params-csv.js";
import type { WaiverReport } from "../waivers/apply.js";

export const RESULTS_FORMAT = "itgc-validate/results@1";

export interface RunStats {
  /** API calls made (every page counts). */
  apiCalls: number;
  /** API calls that ended in an error (after retries). */
  apiErrors: number;
  /** Extra attempts made by the SDK retry strategy. */
  retries: number;
  /** Throttling errors seen (each was retried or counted in apiErrors). */
  throttles: number;
  /** Distinct (query, scope, params) fetched. */
  distinctQueries: number;
  /** Query requests served by the cache instead of the cloud. */
  cacheHits: number;
}

export interface RunInfo {
  id: string;
  tool: { name: string; version: string; commit?: string };
  startedAt: string;
  endedAt: string;
  /** The instant time-based expectations were evaluated at (the recording's time in replay). */
  evaluatedAt: string;
  /** The audit period event-based controls tested (instants inclusive, UTC) and where it came from (absent in documents written before the period existed). */
  period?: PeriodRecord;
  mode: "live" | "replay";
  replaySource?: string;
  command: string[];
  providers: ProviderRunInfo[];
  /** Regions covered per AWS account. */
  regions: Record<string, string[]>;
  params: {
    file?: string;
    overrides: Record<string, Record<string, unknown>>;
    /** CSV files list parameters were read from (their parsed lists are in overrides). */
    sources?: (Omit<ParamSource, "text"> & {
      /** The file's copy in the bundle. */
      path: string;
    })[];
  };
  controlsSelected: number;
  stats: RunStats;
  /** Present when the run applied a waivers file (`--waivers`): what each waiver did. */
  waivers?: WaiverReport;
}

export type Summary = Record<Status, number> & { total: number };

export type ControlSummary = Omit<ControlResult, "items">;

export interface ResultsDocument {
  format: typeof RESULTS_FORMAT;
  run: RunInfo;
  summary: Summary;
  controls: ControlSummary[];
}

export function summarise(results: ControlResult[]): Summary {
  const s: Summary = { total: results.length, pass: 0, fail: 0, error: 0, not_applicable: 0 };
  for (const r of results) s[r.status]++;
  return s;
}

/** Exit code for a set of results: 3 if anything is error (evidence incomplete), else 1 on fail, else 0. */
export function exitCodeFor(results: { status: Status }[]): 0 | 1 | 3 {
  if (results.some((r) => r.status === "error")) return 3;
  if (results.some((r) => r.status === "fail")) return 1;
  return 0;
}

export function toDocument(run: RunInfo, results: ControlResult[]): ResultsDocument {
  return {
    format: RESULTS_FORMAT,
    run,
    summary: summarise(results),
    controls: results.map(({ items: _items, ...rest }) => rest),
  };
}
