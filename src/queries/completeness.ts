/**
 * Completeness checks (IPE completeness): a population reconciled with an independent count the cloud
 * offers. A query builds them here and returns them with its rows; the engine records every check with the
 * control result and makes a control `error` when a check it depends on is not reconciled
 * (docs/architecture.md, "Completeness"; docs/results-format.md, `completeness`).
 */
import { errorMessage } from "../core/errors.js";
import type { CompletenessCheck, Row } from "../core/types.js";

export interface CountSpec {
  population: string;
  source: string;
  reference: string;
  found: number;
  /** The independent count; null / undefined when the reference answered without it. */
  expected: number | null | undefined;
  members?: Row;
  detail?: string;
}

/** Reconciles `found` with `expected`: equal is reconciled, anything else a mismatch naming both numbers. */
export function countCheck(s: CountSpec): CompletenessCheck {
  const expected = typeof s.expected === "number" ? s.expected : null;
  return {
    population: s.population,
    source: s.source,
    reference: s.reference,
    found: s.found,
    expected,
    outcome: expected === null ? "unavailable" : expected === s.found ? "reconciled" : "mismatch",
    ...(expected === null
      ? { detail: s.detail ?? `${s.reference} answered without the count` }
      : s.detail && expected !== s.found
        ? { detail: s.detail }
        : {}),
    ...(s.members ? { members: s.members } : {}),
  };
}

/** The independent count could not be obtained (denied, failed): the population's completeness is untested. */
export function unavailableCheck(
  s: Omit<CountSpec, "expected" | "detail">,
  cause: unknown,
): CompletenessCheck {
  return {
    population: s.population,
    source: s.source,
    reference: s.reference,
    found: s.found,
    expected: null,
    outcome: "unavailable",
    detail: errorMessage(cause),
    ...(s.members ? { members: s.members } : {}),
  };
}

/** A presence check: an item that must be in the population (e.g. the caller's own principal). */
export function presenceCheck(s: {
  population: string;
  source: string;
  reference: string;
  present: boolean;
  detail: string;
  members?: Row;
}): CompletenessCheck {
  return {
    population: s.population,
    source: s.source,
    reference: s.reference,
    found: s.present ? 1 : 0,
    expected: 1,
    outcome: s.present ? "reconciled" : "mismatch",
    detail: s.detail,
    ...(s.members ? { members: s.members } : {}),
  };
}
