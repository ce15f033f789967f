/**
 * Streamed scopes (QueryDef.stream, release-plan.ts `streamable`, ControlEvaluation.openScope): a query
 * read by exactly one control is delivered to that control's evaluation batch by batch, its declared
 * dependencies (asksFor) streamed into it when nothing else reads them; anything shared is fetched once and
 * held, as always. Whatever path, the results are those of the materialised run (streamResults: false), and
 * a scope whose stream fails after some batches is `error` with none of its batches counted.
 * A fake provider runtime and the test's own queries (runControls' `queries` seam), no SDK.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ProviderRuntime } from "../../src/core/provider.js";
import type { QueryDef } from "../../src/core/query.js";
import type { Control, ControlResult, Row, Scope, ScopeKind } from "../../src/core/types.js";
import { cacheKey } from "../../src/engine/cache.js";
import { PopulationStore, populationOf } from "../../src/engine/population-store.js";
import { type QueryLookup, runControls } from "../../src/engine/run-controls.js";
import { engineControl } from "../support/engine-control.js";

const NOW = new Date("2026-11-20T09:00:00Z");
const UNITS = ["acct-b", "acct-a"];
const REGIONS = ["r2", "r1"];
const dir = mkdtempSync(join(tmpdir(), "itgc-streamed-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let stores = 0;

function scopeOf(kind: ScopeKind, unit: string, region: string): Scope {
  return { provider: "github", kind, unit, region, key: `github:${kind}:${unit}:${region}` };
}

function fakeRuntime(): ProviderRuntime {
  return {
    provider: "github",
    async init() {},
    async resolveScopes(kind) {
      return { scopes: UNITS.flatMap((u) => REGIONS.map((r) => scopeOf(kind, u, r))), gaps: [] };
    },
    contextFor: (_scope, base) => base,
    relatedScope: (from, kind, region, unit) =>
      scopeOf(kind, unit ?? from.unit, kind === "region" ? (region ?? from.region) : "global"),
    regionsOf: async () => REGIONS,
    describe: () => ({ provider: "github", targets: [], gaps: [] }),
  };
}

const tick = () => new Promise<void>((r) => setTimeout(r, 1));

/** Six rows a scope, in two pages. */
const leafRows = (s: Scope) => [1, 2, 3, 4, 5, 6].map((n) => ({ id: `${s.unit}/${s.region}/${n}`, n }));

interface Counts {
  fetches: Map<string, number>;
  streams: Map<string, number>;
}

/**
 * s.leaf (rows, streamable); s.top asks s.leaf (declared by asksFor) and adds a field. `failAt`: the scope
 * whose stream fails after its first batch (a page past the retries).
 */
function queries(failAt?: string): QueryLookup & Counts {
  const counts: Counts = { fetches: new Map(), streams: new Map() };
  const bump = (m: Map<string, number>, id: string, s: Scope, p: Record<string, unknown>) => {
    const key = cacheKey(id, s, p);
    m.set(key, (m.get(key) ?? 0) + 1);
  };
  const base = {
    provider: "github" as const,
    scope: "region" as const,
    permissions: [],
    calls: [],
    fields: {},
  };
  const leaf: QueryDef = {
    ...base,
    id: "s.leaf",
    title: "leaf",
    async fetch(ctx, params) {
      bump(counts.fetches, "s.leaf", ctx.scope, params);
      await tick();
      if (failAt === ctx.scope.key) throw new Error("ThrottlingException: Rate exceeded");
      return leafRows(ctx.scope);
    },
    async stream(ctx, params, sink) {
      bump(counts.streams, "s.leaf", ctx.scope, params);
      const rows = leafRows(ctx.scope);
      // `reversed`: the later rows first (rank 2, then 1), as a newest-first source delivers.
      const pages: [Row[], number][] = [
        [rows.slice(0, 3), 1],
        [rows.slice(3), 2],
      ];
      if (params.reversed) pages.reverse();
      for (const [i, [page, rank]] of pages.entries()) {
        await tick();
        if (i === 1 && failAt === ctx.scope.key) throw new Error("ThrottlingException: Rate exceeded");
        sink.rows(page, rank);
      }
      return {};
    },
  };
  const top: QueryDef = {
    ...base,
    id: "s.top",
    title: "asks s.leaf",
    uses: ["s.leaf"],
    asksFor: () => [{ id: "s.leaf", params: {} }],
    async fetch(ctx, params) {
      bump(counts.fetches, "s.top", ctx.scope, params);
      // `late`: asks its dependency after a streamed reader has started.
      if (params.late) await new Promise((r) => setTimeout(r, 20));
      return (await ctx.query("s.leaf")).map((r) => ({ ...r, odd: (r.n as number) % 2 === 1 }));
    },
    async stream(ctx, params, sink) {
      bump(counts.streams, "s.top", ctx.scope, params);
      let rank = 0;
      await ctx.queryBatches!("s.leaf", {}, (rows) =>
        sink.rows(
          rows.map((r) => ({ ...r, odd: (r.n as number) % 2 === 1 })),
          ++rank,
        ),
      );
      return {};
    },
  };
  const byId = new Map([leaf, top].map((q) => [q.id, q]));
  return { get: (id) => byId.get(id), all: () => [leaf, top], ...counts };
}

const control = engineControl;

/** A result with its population read out, as JSON (a stored population's items are their JSON copies). */
function plain(r: ControlResult): unknown {
  const p = populationOf(r);
  const { stored: _, ...rest } = r;
  return JSON.parse(JSON.stringify({ ...rest, findings: [...p.findings()], items: [...p.items()] }));
}

async function run(controls: Control[], o: { stream?: boolean; failAt?: string; spill?: number } = {}) {
  const q = queries(o.failAt);
  const store =
    o.spill !== undefined ? new PopulationStore(join(dir, `run-${++stores}`), o.spill) : undefined;
  const { results } = await runControls({
    controls,
    runtimes: [fakeRuntime()],
    now: NOW,
    queries: q,
    ...(o.stream === false ? { streamResults: false } : {}),
    ...(store ? { populationSink: () => store.sink() } : {}),
  });
  return { results, q, store };
}

const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

describe("streamed scopes", () => {
  it("a query one control reads is streamed into it: the materialised run's result, in its order", async () => {
    const c = control("access.leaf", "s.leaf", { query_params: { reversed: true } });
    for (const spill of [undefined, 0]) {
      const streamed = await run([c], { spill });
      const held = await run([c], { stream: false, spill });
      expect(total(streamed.q.streams)).toBe(4);
      expect(total(streamed.q.fetches)).toBe(0);
      expect(total(held.q.streams)).toBe(0);
      expect(streamed.results.map(plain)).toEqual(held.results.map(plain));
      const r = streamed.results[0]!;
      expect(r).toMatchObject({ status: "fail", population: 24, exceptions: 16 });
      // (account, region) order, each scope's rows in the query's order (rank 1 before rank 2, though
      // delivered after it).
      expect([...populationOf(r).findings()].slice(0, 6).map((f) => f.resource)).toEqual(
        [1, 2, 3, 4, 5, 6].map((n) => `acct-a/r1/${n}`),
      );
    }
  });

  it("two controls reading the same query share one fetch per scope (no stream)", async () => {
    const controls = [control("access.one", "s.leaf"), control("access.two", "s.leaf")];
    const shared = await run(controls);
    const held = await run(controls, { stream: false });
    expect(total(shared.q.streams)).toBe(0);
    expect(shared.q.fetches.size).toBe(4);
    expect([...shared.q.fetches.values()].every((n) => n === 1)).toBe(true);
    expect(shared.results.map(plain)).toEqual(held.results.map(plain));
  });

  it("a dependency declared by asksFor is streamed into its one asker", async () => {
    const { q, results } = await run([control("access.top", "s.top")], { spill: 0 });
    const held = await run([control("access.top", "s.top")], { stream: false, spill: 0 });
    expect(total(q.streams)).toBe(8); // s.top and s.leaf at 4 scopes
    expect(total(q.fetches)).toBe(0);
    expect(results.map(plain)).toEqual(held.results.map(plain));
  });

  it("a dependency another control reads is fetched once and shared; its asker still streams", async () => {
    const controls = [control("access.top", "s.top"), control("access.leaf", "s.leaf")];
    const { q, results } = await run(controls);
    const held = await run(controls, { stream: false });
    expect([...q.streams.keys()].every((k) => k.startsWith("s.top|"))).toBe(true);
    expect(total(q.streams)).toBe(4);
    expect(q.fetches.size).toBe(4);
    expect([...q.fetches.entries()].every(([k, n]) => k.startsWith("s.leaf|") && n === 1)).toBe(true);
    expect(results.map(plain)).toEqual(held.results.map(plain));
  });

  it("a dependency another read of the same query asks (materialised: assertions) is not streamed", async () => {
    // access.held reads s.top with other params and has an assertion: its s.top is fetched whole, and asks
    // the same s.leaf entries the streamed access.top does. They must be listed once and shared.
    const controls = [
      control("access.top", "s.top"),
      control("access.held", "s.top", {
        query_params: { late: true },
        assert: [{ that: "size(items) > 100", message: "too few" }],
      }),
    ];
    const { q, results } = await run(controls);
    const held = await run(controls, { stream: false });
    expect([...q.streams.keys()].every((k) => k.startsWith("s.top|"))).toBe(true);
    expect([...q.fetches.entries()].filter(([k]) => k.startsWith("s.leaf|")).map(([, n]) => n)).toEqual([
      1, 1, 1, 1,
    ]);
    expect(results.map((r) => r.status)).toEqual(["fail", "fail"]);
    expect(results.map(plain)).toEqual(held.results.map(plain));
  });

  it("a control with population assertions reads the materialised rows", async () => {
    const c = control("access.assert", "s.leaf", {
      assert: [{ that: "size(items) > 100", message: "too few" }],
    });
    const { q, results } = await run([c]);
    expect(total(q.streams)).toBe(0);
    expect(total(q.fetches)).toBe(4);
    expect(results[0]!.status).toBe("fail");
  });

  it("a stream that fails after a batch: that scope is error, none of its batches count", async () => {
    const failAt = scopeOf("region", "acct-b", "r1").key;
    for (const spill of [undefined, 0]) {
      const { results, store } = await run([control("access.leaf", "s.leaf")], { failAt, spill });
      const held = await run([control("access.leaf", "s.leaf")], { failAt, stream: false, spill });
      const r = results[0]!;
      expect(r.status).toBe("error");
      expect(r.reason).toMatch(/acct-b\/r1: ThrottlingException: Rate exceeded/);
      expect(r).toMatchObject({ population: 18, exceptions: 12 });
      const findings = [...populationOf(r).findings()];
      expect(findings.some((f) => f.account === "acct-b" && f.region === "r1")).toBe(false);
      expect(populationOf(r).counts).toMatchObject({ pass: 6, fail: 12 });
      expect(results.map(plain)).toEqual(held.results.map(plain));
      if (store) {
        // The failed scope's first batch was evaluated and written before the failure: its lines are in the
        // scratch file, but not in the population.
        const lines = readFileSync(join(store.dir, "0.findings.ndjson"), "utf8").trim().split("\n");
        expect(lines.length).toBe(18 + 3);
        expect(lines.some((l) => l.includes("acct-b/r1/"))).toBe(true);
      }
    }
  });
});
