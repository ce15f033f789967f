/**
 * How many items to test when a control's operation is sampled, by how often the control operates.
 *
 * Source: the minimum sample sizes for tests of controls that external auditors commonly apply to ITGCs,
 * as tabulated in the AICPA Audit Guide *Audit Sampling* (tests of controls, low risk of deviation, no
 * deviations expected) and in firms' ITGC methodologies derived from it:
 *
 * | frequency                          | occurrences a year | sample (range) | used here |
 * |------------------------------------|--------------------|----------------|-----------|
 * | annual                             | 1                  | 1              | 1         |
 * | quarterly                          | 2–4                | 2              | 2         |
 * | monthly                            | 5–12               | 2–5            | 2         |
 * | weekly                             | 13–52              | 5–15           | 5         |
 * | daily                              | 53–365             | 20–40          | 20        |
 * | recurring (many times a day)       | > 365              | 25–60          | 25        |
 *
 * The lower end of each range is used (the automated test already covers the whole population; the sample
 * is for the manual attributes, e.g. the ticket behind a change). Choose more with `--size` where the risk
 * is higher. A population smaller than the size is tested in full. Without a `frequency` on the control,
 * the row is chosen by the population size (its occurrences column), for the population being sampled.
 */
import type { ControlFrequency } from "../core/types.js";

export interface SizeRow {
  frequency: ControlFrequency;
  occurrences: string;
  /** Lowest population size this row applies to when chosen by population size. */
  minPopulation: number;
  range: string;
  size: number;
}

export const SAMPLE_SIZE_TABLE: readonly SizeRow[] = [
  { frequency: "annual", occurrences: "1", minPopulation: 1, range: "1", size: 1 },
  { frequency: "quarterly", occurrences: "2–4", minPopulation: 2, range: "2", size: 2 },
  { frequency: "monthly", occurrences: "5–12", minPopulation: 5, range: "2–5", size: 2 },
  { frequency: "weekly", occurrences: "13–52", minPopulation: 13, range: "5–15", size: 5 },
  { frequency: "daily", occurrences: "53–365", minPopulation: 53, range: "20–40", size: 20 },
  { frequency: "recurring", occurrences: "> 365", minPopulation: 366, range: "25–60", size: 25 },
];

export const SIZE_TABLE_SOURCE =
  "AICPA Audit Guide 'Audit Sampling', minimum sample sizes for tests of controls by control frequency (common ITGC practice), lower end of each range";

export interface SizeDecision {
  size: number;
  row: SizeRow | null;
  basis: string;
}

/** The sample size for a population of `population` items of a control operating at `frequency`. */
export function sampleSize(
  population: number,
  frequency?: ControlFrequency,
  explicit?: number,
): SizeDecision {
  if (explicit !== undefined) {
    const size = Math.min(explicit, population);
    return {
      size,
      row: null,
      basis: `--size ${explicit}${size < explicit ? ` (the population has ${population})` : ""}`,
    };
  }
  if (population === 0) return { size: 0, row: null, basis: "the population is empty" };
  const row = frequency
    ? SAMPLE_SIZE_TABLE.find((r) => r.frequency === frequency)!
    : [...SAMPLE_SIZE_TABLE].reverse().find((r) => population >= r.minPopulation)!;
  const size = Math.min(row.size, population);
  const why = frequency
    ? `frequency ${frequency}`
    : `no frequency on the control; ${population} items → ${row.frequency}`;
  return {
    size,
    row,
    basis: `table: ${why} → ${row.size}${size < row.size ? ` (the whole population of ${population})` : ""}`,
  };
}

/** The table as text, for the console and --help. */
export function renderSizeTable(): string {
  const lines = [
    "frequency   occurrences/year  sample range  used",
    ...SAMPLE_SIZE_TABLE.map(
      (r) => `${r.frequency.padEnd(11)} ${r.occurrences.padEnd(17)} ${r.range.padEnd(13)} ${r.size}`,
    ),
    `source: ${SIZE_TABLE_SOURCE}`,
  ];
  return `${lines.join("\n")}\n`;
}
