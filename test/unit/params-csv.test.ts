/** List parameters from the auditor's CSV file: RFC 4180 records, header detection, checks with positions. */
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/core/errors.js";
import { csvReference, parseParamCsv } from "../../src/engine/params-csv.js";

const COLS = ["user", "leaving_date"];
const problems = (text: string) => {
  try {
    parseParamCsv("hr.csv", text, COLS);
  } catch (e) {
    if (e instanceof InputError) return e.problems;
    throw e;
  }
  throw new Error("no InputError");
};

describe("parseParamCsv", () => {
  it("without a header: positional columns; a missing date is dropped, not an empty cell", () => {
    expect(parseParamCsv("hr.csv", "ann@example.com,2026-10-01\nbob\n\n", COLS)).toEqual({
      values: ["ann@example.com|2026-10-01", "bob"],
      header: false,
    });
  });
  it("a header (any case, spaces) maps columns by name; quotes, doubled quotes, CRLF and a BOM are read", () => {
    const text =
      '\uFEFFLeaving Date,"Full name",USER\r\n2026-10-01,"Doe, Ann",ann@example.com\r\n,"Bob ""B""",bob\r\n';
    expect(parseParamCsv("hr.csv", text, COLS)).toEqual({
      values: ["ann@example.com|2026-10-01", "bob"],
      header: true,
    });
  });
  it("a quoted field may span lines; positions after it stay right", () => {
    expect(problems('user,leaving_date\n"ann\nx",2026-13-45\n')).toEqual([
      {
        file: "hr.csv",
        line: 3,
        column: 4,
        message: 'column leaving_date must be an ISO date (YYYY-MM-DD), got "2026-13-45"',
      },
    ]);
  });
  it("every bad cell is reported with line and column", () => {
    expect(problems("ann,2026-10-01,extra\n,2026-10-02\nb|c\n")).toEqual([
      {
        file: "hr.csv",
        line: 1,
        column: 16,
        message: "a row has 3 cells; the columns are user, leaving_date",
      },
      { file: "hr.csv", line: 2, column: 1, message: "column user is empty" },
      {
        file: "hr.csv",
        line: 3,
        column: 1,
        message: 'column user contains "|", which separates the columns of an entry',
      },
    ]);
  });
  it("a header without the first column, and an unterminated quote", () => {
    expect(problems("name,leaving_date\nann,2026-10-01\n")[0]).toMatchObject({
      line: 1,
      column: 1,
      message: 'the header names no "user" column (columns: user, leaving_date)',
    });
    expect(problems('user\n"ann\n')).toEqual([
      { file: "hr.csv", line: 2, column: 1, message: "unterminated quoted field" },
    ]);
  });
  it('only "@path" names a file', () => {
    expect(csvReference("@hr/leavers.csv")).toBe("hr/leavers.csv");
    expect(csvReference("@")).toBeUndefined();
    expect(csvReference(["@x.csv"])).toBeUndefined();
  });
});
