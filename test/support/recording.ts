/**
 * Test support: run controls against a small in-memory recording built with fixtures/lib/aws.ts, exactly as
 * `run --replay` would (same middleware, same replay index, same evaluation).
 */
import { type CallSpec, finalise } from "../../fixtures/lib/aws.js";
import { parsePeriod } from "../../src/core/period.js";
import { executeRun, type RunOutcome } from "../../src/engine/execute-run.js";
import type { ParamOverrides } from "../../src/engine/params.js";

export interface RunOnCallsOptions {
  controls: string[];
  calls: CallSpec[];
  now?: string;
  homeRegion?: string;
  regions?: string[];
  params?: ParamOverrides;
  controlPaths?: string[];
  /** `--period` as typed (e.g. `2026-Q3`); default: the recording's, else the last 90 days. */
  period?: string;
  /** Extra recording metadata (as a fixture's or a bundle's run.json carries it). */
  meta?: Record<string, unknown>;
}

export async function runOnCalls(o: RunOnCallsOptions): Promise<RunOutcome> {
  const now = o.now ?? "2026-11-20T09:00:00.000Z";
  const outcome = await executeRun({
    filter: { control: o.controls },
    controlPaths: o.controlPaths,
    recording: {
      dir: "(in-memory)",
      meta: { startedAt: now, homeRegion: o.homeRegion ?? "us-east-1", ...o.meta },
      calls: finalise(o.calls, now),
    },
    aws: { regions: o.regions },
    overrides: o.params,
    period: o.period === undefined ? undefined : parsePeriod(o.period),
  });
  return outcome;
}

/** The result of one control, by id. */
export function resultOf(outcome: RunOutcome, id: string) {
  const r = outcome.results.find((x) => x.id === id);
  if (!r) throw new Error(`no result for ${id}`);
  return r;
}

/** Resources flagged as exceptions, sorted. */
export function flagged(outcome: RunOutcome, id: string): string[] {
  return resultOf(outcome, id)
    .findings.filter((f) => f.status === "fail")
    .map((f) => f.resource)
    .sort();
}
