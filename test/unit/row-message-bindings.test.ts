/**
 * A row's messages read its plain bindings by name (engine/evaluate.ts rowBinding) instead of a copy of the
 * row spread with the run's bindings: every name must read what the spread `{ ...row, item: row, ...base,
 * account, region }` would, including rows whose fields collide with the bindings, and the filled messages
 * must be the same text.
 */
import { describe, expect, it } from "vitest";
import { rowBinding } from "../../src/engine/evaluate.js";
import { fillTemplate, fillTemplateFrom } from "../../src/util/dotted.js";

describe("a row's message bindings", () => {
  const base = { params: { max: 3, roles: ["a", "b"] }, now: new Date(0), period: { start: new Date(0) } };
  const rows: Record<string, unknown>[] = [
    { event_name: "Create", actor: "bench-admin", time: new Date(86_400_000), nested: { a: { b: 1 } } },
    // Fields named like the bindings: the spread's later members win.
    { account: "row-account", region: "row-region", params: "row-params", item: "row-item", now: 5 },
    { missing: undefined, empty: null, list: ["x", 2], toString: "own" },
    {},
  ];
  const names = [
    "event_name",
    "actor",
    "time",
    "nested",
    "account",
    "region",
    "params",
    "item",
    "now",
    "period",
    "missing",
    "empty",
    "list",
    "toString",
    "hasOwnProperty",
    "constructor",
    "absent",
  ];
  it("reads each name as the spread does", () => {
    for (const row of rows) {
      const spread: Record<string, unknown> = {
        ...row,
        item: row,
        ...base,
        account: "111",
        region: "eu-west-1",
      };
      for (const name of names)
        expect(rowBinding(row, base, "111", "eu-west-1", name), `${name} of ${JSON.stringify(row)}`).toBe(
          spread[name],
        );
      const template =
        "{event_name} by {actor} at {time} in {account}/{region}: {params.max} {params.roles} {item.actor} " +
        "{nested.a.b} {nested.a.c} {empty} {missing} {list} {absent} {now} {period.start}";
      expect(fillTemplateFrom(template, (n) => rowBinding(row, base, "111", "eu-west-1", n))).toBe(
        fillTemplate(template, spread),
      );
    }
  });
});
