/**
 * `prettyJson` (src/evidence/json-stream.ts) lays compact JSON text out as JSON.stringify(v, null, 2) does,
 * without parsing it: the bundle writer uses it for population rows read back from their scratch file
 * (RawJson), so a results document is the same bytes whether its rows were in memory or on disk.
 */
import { describe, expect, it } from "vitest";
import {
  addJsonTopLevelKeys,
  jsonPieces,
  jsonTopLevelKeys,
  prettyJson,
  RawJson,
} from "../../src/evidence/json-stream.js";

const VALUES: unknown[] = [
  {},
  [],
  { a: {}, b: [], c: [{}], d: [[]], e: [[], {}, [[{}]]] },
  {
    event_id: "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
    time: new Date("2026-10-02T12:00:00.000Z"),
    read_only: false,
    error_code: null,
    n: -0,
    big: 1e21,
    small: 5e-7,
    pi: Math.PI,
    request_parameters: { policyDocument: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow"}]}' },
    resources: [{ type: "AWS::IAM::User", name: "bob" }],
    tricky: ['a "quoted" \\ backslash \\" and ", ] } : {', "\\", '\\"', "\n\t\u0001", "é 🙂 \ud800", ""],
    'key: with, [brackets] {and} "quotes"': [1, [2, [3, []]], { x: { y: {} } }],
  },
  [1, "two", null, true, false, [{ deep: [{ deeper: ["x"] }] }]],
  "a string",
  42,
  null,
];

describe("prettyJson", () => {
  it("is JSON.stringify(JSON.parse(compact), null, 2), at any indent", () => {
    for (const v of VALUES) {
      const compact = JSON.stringify(v);
      expect(prettyJson(compact)).toBe(JSON.stringify(JSON.parse(compact), null, 2));
      const indent = "      ";
      expect(prettyJson(compact, indent)).toBe(
        JSON.stringify(JSON.parse(compact), null, 2).replace(/\n/g, `\n${indent}`),
      );
    }
  });

  it("is the same on its ASCII path and its text path: long strings, deep nesting, wide indents, escapes", () => {
    // ASCII text is laid out in a buffer that grows as needed; anything else (or an indent that is not
    // spaces) by slicing the text. Both must give JSON.stringify's layout.
    let deep: unknown = { end: "x" };
    for (let d = 0; d < 150; d++) deep = d % 2 ? [deep, d] : { d, next: deep, empty: [] };
    const cases: unknown[] = [
      deep,
      { long: "a".repeat(300_000), after: [1, 2, { k: "b".repeat(70_000) }] },
      Array.from({ length: 3000 }, (_, i) => ({ i, s: `v${i}`, n: [i, [i]] })),
      { esc: 'q"uote \\ back \\" end "', ctl: "\u0000\u001f\b\f\n\r\t", nonAscii: "é ✓ 🙂" },
      { only: "ascii", but: "\u00e9 escaped by nobody" },
      [[[[[]]]], {}, [{}], ""],
    ];
    for (const v of cases) {
      const compact = JSON.stringify(v);
      const expected = JSON.stringify(v, null, 2);
      for (const indent of ["", "  ", " ".repeat(41), "\t", " \t"]) {
        expect(prettyJson(compact, indent)).toBe(expected.replace(/\n/g, `\n${indent}`));
      }
    }
  });

  it("a RawJson element is written as the value it holds, in a walked document and whole", () => {
    const rows = VALUES.filter((v) => typeof v === "object" && v !== null);
    const doc = { findings: Array.from({ length: 70 }, (_, i) => ({ i })), items: rows };
    const raw = { ...doc, items: rows.map((r) => new RawJson(JSON.stringify(r))) };
    const expected = JSON.stringify(doc, null, 2);
    expect([...jsonPieces(raw)].join("")).toBe(expected);
    expect(JSON.stringify(raw, null, 2)).toBe(expected);
  });

  it("jsonTopLevelKeys: the keys of the record's JSON copy, whatever its values", () => {
    const record = {
      s: "x",
      n: Number.NaN,
      b: false,
      z: null,
      d: new Date("2026-10-02T12:00:00.000Z"),
      bad: new Date(Number.NaN),
      u: undefined,
      f: () => 1,
      sym: Symbol("x"),
      gone: { toJSON: () => undefined },
      kept: { toJSON: () => "here" },
      nested: { a: undefined },
      list: [undefined],
    };
    expect([...jsonTopLevelKeys(record)]).toEqual(Object.keys(JSON.parse(JSON.stringify(record))));
  });

  it("addJsonTopLevelKeys: the union of the rows' JSON keys, in the order they first appear", () => {
    const rows: object[] = [
      { a: 1, u: undefined, f: () => 1, d: new Date(0) },
      { b: "x", u: "now kept", a: 2, gone: { toJSON: () => undefined } },
      { gone: "kept here", c: null, f: 3, sym: Symbol("x") },
      { z: [undefined], a: undefined },
    ];
    const keys = new Set<string>();
    for (const r of rows) addJsonTopLevelKeys(r, keys);
    const expected = new Set<string>();
    for (const r of rows) for (const k of Object.keys(JSON.parse(JSON.stringify(r)))) expected.add(k);
    expect([...keys]).toEqual([...expected]);
    expect([...keys]).toEqual(["a", "d", "b", "u", "gone", "c", "f", "z"]);
  });
});
