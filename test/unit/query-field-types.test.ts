/**
 * Every registered query declares each field's CEL type (the shared convention: the description starts with
 * the type and ": "), and the rows its fetch really returns conform to those declarations — checked over the
 * bundled AWS and GCP demo recordings, through the real replay path. Typed lint (src/controls/validate.ts)
 * trusts these declarations, so a wrong one would let lint pass an expression that errors at run time.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { nonConformance, parseFieldDoc } from "../../src/cel/types.js";
import { gcpRuntimeFrom } from "../../src/cli/options/gcp.js";
import { githubRuntimeFrom } from "../../src/cli/options/github.js";
import type { Row } from "../../src/core/types.js";
import { executeRun } from "../../src/engine/execute-run.js";
import "../../src/queries/index.js";
import { allQueries } from "../../src/queries/registry.js";

describe("query field types", () => {
  it("every field of every registered query starts with a valid CEL type", () => {
    const bad: string[] = [];
    for (const q of allQueries()) {
      for (const [name, doc] of Object.entries(q.fields)) {
        try {
          parseFieldDoc(doc);
        } catch (e) {
          bad.push(`${q.id}.${name}: ${(e as Error).message}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it("rejects descriptions without a type prefix, and parses the forms of the convention", () => {
    expect(() => parseFieldDoc("the user has MFA")).toThrow(/CEL type/);
    expect(() => parseFieldDoc("bool the user")).toThrow(/CEL type/);
    expect(() => parseFieldDoc("boolean: x")).toThrow(/unknown type/);
    expect(() => parseFieldDoc("map<int, string>: x")).toThrow(/map keys must be string/);
    expect(() => parseFieldDoc("bool: ")).toThrow(/followed by the text/);
    expect(parseFieldDoc("timestamp?: last use").type).toEqual({ kind: "timestamp", nullable: true });
    expect(parseFieldDoc("list<map<string, dyn>>: x").type).toEqual({
      kind: "list",
      elem: { kind: "map", key: { kind: "string" }, value: { kind: "dyn" } },
    });
    expect(parseFieldDoc("map<string, string>?: tags").description).toBe("tags");
  });
});

describe("rows conform to their declared types (demo recordings, real replay)", () => {
  const rowsByQuery = new Map<string, Row[]>();

  beforeAll(async () => {
    const restore: (() => void)[] = [];
    for (const q of allQueries()) {
      const original = q.fetch;
      q.fetch = async (ctx: never, params: never) => {
        const answer = await original.call(q, ctx, params);
        const rows = Array.isArray(answer) ? answer : answer.rows;
        rowsByQuery.set(q.id, [...(rowsByQuery.get(q.id) ?? []), ...rows]);
        return answer;
      };
      restore.push(() => {
        q.fetch = original;
      });
    }
    try {
      await executeRun({
        filter: {},
        replayDir: ["fixtures/aws/demo", "fixtures/gcp/demo", "fixtures/github/demo"],
        runtimeFactories: { gcp: gcpRuntimeFrom({}, {}), github: githubRuntimeFrom({}, {}) },
      });
    } finally {
      for (const r of restore) r();
    }
  }, 60_000);

  it("covers most queries", () => {
    expect(rowsByQuery.size).toBeGreaterThanOrEqual(25);
  });

  it("every row has every declared field, of its declared type, and no undeclared field", () => {
    const bad: string[] = [];
    for (const q of allQueries()) {
      const types = Object.entries(q.fields).map(([name, doc]) => [name, parseFieldDoc(doc).type] as const);
      for (const [i, row] of (rowsByQuery.get(q.id) ?? []).entries()) {
        for (const [name, type] of types) {
          if (!(name in row)) {
            bad.push(`${q.id}[${i}].${name}: missing`);
            continue;
          }
          const why = nonConformance(row[name], type);
          if (why) bad.push(`${q.id}[${i}].${name} ${why}`);
        }
        for (const key of Object.keys(row))
          if (!(key in q.fields)) bad.push(`${q.id}[${i}].${key}: undeclared`);
      }
    }
    expect([...new Set(bad)].slice(0, 40)).toEqual([]);
  });
});
