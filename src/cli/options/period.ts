/** `--period FROM..TO`: the audit period event-based controls test (syntax and resolution in core/period.ts). */
import { type Command, InvalidArgumentError } from "commander";
import { DEFAULT_PERIOD, PeriodError, type PeriodSpec, parsePeriod } from "../../core/period.js";

export interface PeriodFlags {
  period?: PeriodSpec;
}

/** Commander argument parser: a bad value is a usage error (exit 2) with the accepted forms. */
export function periodArgument(value: string): PeriodSpec {
  try {
    return parsePeriod(value);
  } catch (e) {
    if (e instanceof PeriodError) throw new InvalidArgumentError(e.message);
    throw e;
  }
}

export function addPeriodOption(cmd: Command): Command {
  return cmd.option(
    "--period <from..to>",
    "audit period for event-based controls, UTC, both ends inclusive: 2026-07-01..2026-09-30, " +
      `datetimes (2026-07-01T08:00Z..2026-07-08T08:00Z), FROM.. (until now), last-90d / last-24h / last-12w, ` +
      `2026-Q3, 2026-07 (default: ${DEFAULT_PERIOD}, ending at the evaluation time; in replay, the recorded period)`,
    periodArgument,
  );
}
