/**
 * report/csv.ts writes its records itself (csvRecord): each must be exactly what csv-stringify made of the
 * same cells with the options the exports used (`record_delimiter: "\n"`, `quoted_match` the formula guard),
 * so every CSV of a bundle keeps its bytes. Compared over every kind of cell a finding or a population row
 * can hold, and over random mixes of the characters that decide the quoting.
 */
import { stringify } from "csv-stringify/sync";
import { describe, expect, it } from "vitest";
import { csvCell, csvLine, csvRecord } from "../../src/report/csv.js";

const CSV_STRINGIFY_OPTIONS = { record_delimiter: "\n", quoted_match: /^'[=+\-@\t\r]/ } as const;
const reference = (cells: string[]) => stringify([cells], CSV_STRINGIFY_OPTIONS);

const CELLS = [
  "",
  "plain",
  "arn:aws:iam::111122223333:user/alice",
  "a,b",
  'say "hi"',
  '"',
  '""',
  "line\nbreak",
  "cr\rhere",
  "crlf\r\nend",
  "'=SUM(A1)",
  "'+1",
  "'-x",
  "'@home",
  "'\tTab",
  "'\rcr",
  "'plain quote",
  "=not guarded here",
  "-12.5",
  " leading space",
  "trailing space ",
  "ünïcödé ✓",
  '{"json":"object","n":[1,2]}',
  "tab\tinside",
  "semi;colon",
];

describe("csvRecord", () => {
  it("is csv-stringify's record for every kind of cell, alone and side by side", () => {
    for (const c of CELLS) expect(csvRecord([c]), JSON.stringify(c)).toBe(reference([c]));
    expect(csvRecord(CELLS)).toBe(reference(CELLS));
    expect(csvRecord(["", "", ""])).toBe(reference(["", "", ""]));
  });

  it("is csv-stringify's record for random mixes of the characters that decide quoting", () => {
    const alphabet = ["a", ",", '"', "\n", "\r", "'", "=", "+", "-", "@", "\t", " ", "é", "0"];
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let n = 0; n < 2000; n++) {
      const cells = Array.from({ length: 1 + Math.floor(random() * 4) }, () =>
        Array.from(
          { length: Math.floor(random() * 6) },
          () => alphabet[Math.floor(random() * alphabet.length)],
        ).join(""),
      );
      expect(csvRecord(cells), JSON.stringify(cells)).toBe(reference(cells));
    }
  });
});

describe("csvLine", () => {
  // Every kind of value a population row or a finding holds, and the ones its fast path must leave to the
  // general one: formula guards (also on numbers and on what toJSON gives), quotes, empty text, undefined.
  const VALUES: unknown[] = [
    ...CELLS,
    null,
    undefined,
    true,
    false,
    0,
    -0,
    42,
    -12.5,
    1e21,
    -1e-7,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    12n,
    { a: 1, b: "x,y" },
    ["-a", "=b"],
    [],
    {},
    new Date("2026-10-02T12:00:00.000Z"),
    { toJSON: () => "-negative" },
    { toJSON: () => -3 },
    { toJSON: () => "=formula" },
    { toJSON: () => undefined },
    { toJSON: () => "" },
    "'",
    "''",
    "'a",
    "@",
    "-",
    "+1",
    "+1.5",
    "-1.5.2",
    "\t",
    "\r",
  ];

  it("is csvRecord of the values' cells, for every kind of value, alone and side by side", () => {
    for (const v of VALUES) expect(csvLine([v]), String(v)).toBe(csvRecord([csvCell(v)]));
    expect(csvLine(VALUES)).toBe(csvRecord(VALUES.map(csvCell)));
    expect(csvLine([])).toBe(csvRecord([]));
  });

  it("is csvRecord of the cells for random strings of the characters that decide guards and quoting", () => {
    const alphabet = ["a", ",", '"', "\n", "\r", "'", "=", "+", "-", "@", "\t", " ", "é", "0", "."];
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let n = 0; n < 5000; n++) {
      const values = Array.from({ length: 1 + Math.floor(random() * 4) }, () =>
        Array.from(
          { length: Math.floor(random() * 5) },
          () => alphabet[Math.floor(random() * alphabet.length)],
        ).join(""),
      );
      expect(csvLine(values), JSON.stringify(values)).toBe(csvRecord(values.map(csvCell)));
    }
  });
});
