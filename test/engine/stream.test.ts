/**
 * The engine's bounded, streaming run (src/engine/admission.ts, release-plan.ts, ControlEvaluation):
 * - a dependency asked through ctx.query never waits for a fetch slot (no deadlock at a limit of 1);
 * - top-level fetches start unit by unit, whatever order the controls come in;
 * - a cached result is dropped once nothing can read it, and never fetched twice;
 * - evaluating scopes as they arrive, in any order, gives the result of one pass over the sorted scopes,
 *   population assertions included.
 * A fake provider runtime and the test's own queries (runControls' `queries` seam), no SDK.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ProviderRuntime } from "../../src/core/provider.js";
import type { QueryDef } from "../../src/core/query.js";
import type { Control, ControlResult, Row, Scope, ScopeKind } from "../../src/core/types.js";
import { cacheKey, QueryCache, ReleasedEntryError } from "../../src/engine/cache.js";
import {
  ControlEvaluation,
  compileControl,
  evaluateControl,
  type ScopeRows,
} from "../../src/engine/evaluate.js";
import { executeRun } from "../../src/engine/execute-run.js";
import { PopulationStore, PopulationWriteError, populationOf } from "../../src/engine/population-store.js";
import { type QueryLookup, runControls } from "../../src/engine/run-controls.js";
import { DOCUMENTED_RATE_LIMITS } from "../../src/providers/aws/rate-limit.js";
import { AwsRuntime } from "../../src/providers/aws/runtime.js";
import { MemoryRecorder } from "../../src/recording/recorder.js";
import { loadRecordings } from "../../src/recording/store.js";
import { engineControl } from "../support/engine-control.js";

const NOW = new Date("2026-11-20T09:00:00Z");
const UNITS = ["acct-c", "acct-a", "acct-b"]; // listed out of order on purpose
const REGIONS = ["r2", "r1"];

function scopeOf(kind: ScopeKind, unit: string, region: string): Scope {
  return { provider: "github", kind, unit, region, key: `github:${kind}:${unit}:${region}` };
}

/** A provider with three units of two regions each, answering only through the test's queries. */
function fakeRuntime(): ProviderRuntime {
  return {
    provider: "github",
    async init() {},
    async resolveScopes(kind) {
      const scopes =
        kind === "region"
          ? UNITS.flatMap((u) => REGIONS.map((r) => scopeOf(kind, u, r)))
          : UNITS.map((u) => scopeOf(kind, u, "global"));
      return { scopes, gaps: [] };
    },
    contextFor: (_scope, base) => base,
    relatedScope: (from, kind, region, unit) =>
      scopeOf(kind, unit ?? from.unit, kind === "region" ? (region ?? from.region) : "global"),
    regionsOf: async () => REGIONS,
    describe: () => ({ provider: "github", targets: [], gaps: [] }),
  };
}

type Query = QueryDef;

/** Queries by id, with a count of fetches per cache key (what the cloud would have been asked). */
function lookup(queries: Query[]): QueryLookup & { fetches: Map<string, number> } {
  const byId = new Map(queries.map((q) => [q.id, q]));
  const fetches = new Map<string, number>();
  const counted = queries.map((q) => ({
    ...q,
    fetch: (ctx: Parameters<Query["fetch"]>[0], params: Record<string, unknown>) => {
      const key = cacheKey(q.id, ctx.scope, params);
      fetches.set(key, (fetches.get(key) ?? 0) + 1);
      return q.fetch(ctx, params);
    },
  }));
  const countedById = new Map(counted.map((q) => [q.id, q]));
  return {
    get: (id) => (byId.has(id) ? countedById.get(id) : undefined),
    all: () => counted,
    fetches,
  };
}

const tick = () => new Promise<void>((r) => setTimeout(r, 1));

/** t.a → rows; t.b asks t.a; t.c asks t.b: a chain of two dependencies under every t.c fetch. */
function chainQueries(): Query[] {
  const base = {
    provider: "github" as const,
    scope: "region" as const,
    permissions: [],
    calls: [],
    fields: {},
  };
  return [
    {
      ...base,
      id: "t.a",
      title: "leaf",
      async fetch(ctx) {
        await tick();
        return [1, 2, 3].map((n) => ({ id: `${ctx.scope.unit}/${ctx.scope.region}/${n}`, n }));
      },
    },
    {
      ...base,
      id: "t.b",
      title: "asks t.a",
      uses: ["t.a"],
      async fetch(ctx) {
        const rows = await ctx.query("t.a");
        await tick();
        return rows.map((r) => ({ ...r, doubled: (r.n as number) * 2 }));
      },
    },
    {
      ...base,
      id: "t.c",
      title: "asks t.b",
      uses: ["t.b"],
      async fetch(ctx) {
        // Late, so a control that read t.a at this scope is done before t.b asks for it.
        await new Promise((r) => setTimeout(r, 5));
        const rows = await ctx.query("t.b");
        return rows.map((r) => ({ ...r, big: (r.doubled as number) > 4 }));
      },
    },
  ];
}

const control = engineControl;

describe("bounded fetches in flight", () => {
  it("a chain of dependencies completes at one fetch in flight (dependencies never wait for a slot)", async () => {
    const queries = lookup(chainQueries());
    const cache = new QueryCache();
    const { results } = await runControls({
      controls: [control("access.c", "t.c"), control("access.a", "t.a")],
      runtimes: [fakeRuntime()],
      now: NOW,
      queries,
      cache,
      fetchesInFlight: 1,
    });
    const c = results.find((r) => r.id === "access.c")!;
    expect(c.status).toBe("fail");
    expect(c.population).toBe(18);
    expect(c.findings.filter((f) => f.status === "fail").map((f) => f.resource)).toEqual(
      ["acct-a", "acct-b", "acct-c"].flatMap((u) => ["r1", "r2"].map((r) => `${u}/${r}/3`)),
    );
    // Every (query, scope) was fetched exactly once: 3 queries × 6 scopes.
    expect([...queries.fetches.values()].every((n) => n === 1)).toBe(true);
    expect(queries.fetches.size).toBe(18);
    expect(cache.stats().misses).toBe(18);
  });

  it("starts top-level fetches unit by unit, whatever order the runtime lists the units in", async () => {
    const queries = lookup(chainQueries());
    const started: string[] = [];
    await runControls({
      controls: [control("access.c", "t.c"), control("access.a", "t.a")],
      runtimes: [fakeRuntime()],
      now: NOW,
      queries,
      fetchesInFlight: 1,
      observer: { onQueryStart: (id, s) => started.push(`${s.unit}/${s.region}:${id}`) },
    });
    // Units in order although listed c, a, b; within a unit control by control, each control's scopes in
    // the runtime's order (r2, r1): t.c with its chain t.b, t.a inside it; t.a's own control then finds
    // t.a done and needs no fetch.
    expect(started).toEqual(
      ["acct-a", "acct-b", "acct-c"].flatMap((u) =>
        ["r2", "r1"].flatMap((r) => ["t.c", "t.b", "t.a"].map((q) => `${u}/${r}:${q}`)),
      ),
    );
  });
});

describe("fetches paced by a documented request rate", () => {
  /** Queries that count how many of their fetches are in flight at once. */
  function concurrencyQueries() {
    const inFlight = { now: 0, max: new Map<string, number>() };
    const counted = (id: string, calls: string[], uses?: string[]): Query => ({
      provider: "github",
      scope: "region",
      permissions: [],
      calls,
      ...(uses ? { uses } : {}),
      fields: {},
      id,
      title: id,
      async fetch(ctx) {
        inFlight.now++;
        inFlight.max.set(id, Math.max(inFlight.max.get(id) ?? 0, inFlight.now));
        await new Promise((r) => setTimeout(r, 5));
        inFlight.now--;
        if (uses) await ctx.query(uses[0]!);
        return [{ id: `${ctx.scope.unit}/${ctx.scope.region}`, n: 1 }];
      },
    });
    return {
      inFlight,
      queries: [
        counted("t.paced", ["Svc:Paced"]),
        counted("t.derived", [], ["t.paced"]),
        counted("t.plain", ["Svc:Plain"]),
      ],
    };
  }
  const pacedRuntime = (): ProviderRuntime => ({
    ...fakeRuntime(),
    paced: (calls) => calls.includes("Svc:Paced"),
  });

  it("AWS: LookupEvents is paced where its documented rate applies (live, the benchmark), not in replay", () => {
    const calls = ["CloudTrail:LookupEvents"];
    const recorder = new MemoryRecorder();
    const replay = { dir: "(test)", meta: { startedAt: NOW.toISOString() }, calls: [] };
    expect(new AwsRuntime({ recorder, replay }).paced(calls)).toBe(false);
    const bench = new AwsRuntime({ recorder, replay, rateLimits: DOCUMENTED_RATE_LIMITS });
    expect(bench.paced(calls)).toBe(true);
    expect(new AwsRuntime({ recorder }).paced(calls)).toBe(true);
    expect(new AwsRuntime({ recorder }).paced(["IAM:GetAccountAuthorizationDetails"])).toBe(false);
  });

  it("start at once, past the bound of fetches in flight; the others still wait for a slot", async () => {
    for (const id of ["t.paced", "t.derived", "t.plain"]) {
      const { inFlight, queries } = concurrencyQueries();
      const { results } = await runControls({
        controls: [control(`access.${id}`, id)],
        runtimes: [pacedRuntime()],
        now: NOW,
        queries: lookup(queries),
        fetchesInFlight: 1,
      });
      expect(results[0]!.status).toBe("pass");
      expect(results[0]!.population).toBe(6);
      // 3 units × 2 regions: all six paced listings at once (a query using one is paced too); one plain.
      expect(inFlight.max.get(id)).toBe(id === "t.plain" ? 1 : 6);
    }
  });
});

describe("releasing cached results", () => {
  it("drops every result once its readers are done, and fetches none twice", async () => {
    const queries = lookup(chainQueries());
    const cache = new QueryCache();
    const released: number[] = [];
    const { results } = await runControls({
      // t.a is read by a control and by t.b's fetches; t.b by t.c's fetches and a control; t.c by two controls.
      controls: [
        control("access.c1", "t.c"),
        control("access.c2", "t.c", { expect: [{ that: "big", message: "{id} is small" }] }),
        control("access.b", "t.b"),
        control("access.a", "t.a"),
      ],
      runtimes: [fakeRuntime()],
      now: NOW,
      queries,
      cache,
      fetchesInFlight: 2,
      observer: { onControlDone: () => released.push(cache.releasedCount) },
    });
    expect(results.map((r) => r.status)).toEqual(["fail", "fail", "fail", "fail"]);
    expect([...queries.fetches.values()].every((n) => n === 1)).toBe(true);
    // Distinct computations = fetches made; the other requests were served by the cache.
    expect(cache.stats()).toEqual({ misses: 18, hits: 4 * 6 + 6 + 6 - 18 });
    // Everything was released, and not only at the end: some results went while controls were running.
    expect(cache.size).toBe(0);
    expect(cache.releasedCount).toBe(18);
    expect(released[0]).toBeGreaterThan(0);
  });

  it("keeps results while a query that may ask them is still to run", async () => {
    const queries = lookup(chainQueries());
    const cache = new QueryCache();
    const seen: { held: boolean; released: number }[] = [];
    const { results } = await runControls({
      controls: [control("access.a", "t.a"), control("access.c", "t.c")],
      runtimes: [fakeRuntime()],
      now: NOW,
      queries,
      cache,
      fetchesInFlight: 1,
      observer: {
        onQueryStart: (id, s) => {
          // When t.b starts, the t.a result access.a read before (same scope, admitted first) is still held
          // for it: released, t.b would find it gone.
          if (id === "t.b")
            seen.push({
              held: cache.has(cacheKey("t.a", s, {})),
              released: cache.releasedCount,
            });
        },
      },
    });
    expect(results.map((r) => [r.id, r.status, r.errors])).toEqual([
      ["access.a", "fail", []],
      ["access.c", "fail", []],
    ]);
    expect(seen).toHaveLength(6);
    expect(seen.every((x) => x.held)).toBe(true);
    // access.a's results and t.c's go as they are read; t.a's and t.b's only once no t.c fetch is left.
    expect(seen.at(-1)!.released).toBeGreaterThan(0);
    expect([...queries.fetches.values()].every((n) => n === 1)).toBe(true);
    expect(cache.size).toBe(0);
  });

  it("refuses a request for a released entry instead of computing it again", async () => {
    const cache = new QueryCache();
    const s = scopeOf("region", "acct-a", "r1");
    let calls = 0;
    const compute = async () => [{ n: ++calls }];
    await cache.get("q", s, {}, compute);
    cache.release(cacheKey("q", s, {}));
    await expect(cache.get("q", s, {}, compute)).rejects.toThrow(ReleasedEntryError);
    expect(calls).toBe(1);
    expect(cache.stats()).toEqual({ misses: 1, hits: 0 });
  });
});

describe("per-scope partial evaluation", () => {
  const params = { values: { max: 3 }, defaults: { max: 3 }, overridden: [] };
  const rows = (unit: string, region: string, ns: number[]): Row[] =>
    ns.map((n) => ({ id: `${unit}/${region}/${n}`, n, region, tags: { env: n % 2 ? "prod" : "dev" } }));
  const scopes: ScopeRows[] = [
    { account: "acct-a", region: "r1", rows: rows("acct-a", "r1", [1, 2, 5]) },
    { account: "acct-a", region: "r2", rows: rows("acct-a", "r2", [3]) },
    {
      account: "acct-b",
      region: "r1",
      rows: rows("acct-b", "r1", [1]),
      problems: [{ message: "item unreadable", item: { id: "acct-b/r1/9", n: 9 } }],
    },
    { account: "acct-b", region: "r2", rows: [] },
    { account: "acct-c", region: "r1", error: "AccessDenied: no" },
    { account: "acct-c", region: "r2", rows: rows("acct-c", "r2", [2, 2]) },
  ];
  const controls: [string, Partial<Control>][] = [
    ["pass", { expect: [{ that: "n < 10", message: "{id}" }] }],
    ["fail", { expect: [{ that: "n <= params.max", message: "{id} is {n}" }] }],
    ["where", { where: "tags.env == 'prod'", expect: [{ that: "n < 4", message: "{id}" }] }],
    ["error", { expect: [{ that: "n.missing > 1", message: "{id}" }] }],
    [
      "assert-population",
      {
        where: "n != 5",
        expect: [],
        assert: [
          { that: "items.size() >= 2", message: "{account}: fewer than two items" },
          { that: "all.exists(r, r.n == 5)", message: "{account}: no row of 5" },
          { that: "items.map(r, r.n).exists(n, n == 3)", message: "{account}: no item of 3" },
        ],
      },
    ],
  ];

  /** A fixed shuffle (seeded), so the test is reproducible. */
  function shuffled<T>(xs: T[], seed: number): T[] {
    const out = [...xs];
    let s = seed;
    for (let i = out.length - 1; i > 0; i--) {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      const j = s % (i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  for (const [name, over] of controls) {
    it(`${name}: scopes evaluated as they arrive, in any order, give the one-pass result`, () => {
      const compiled = compileControl(control(`access.${name}`, "t.a", over));
      const whole = evaluateControl({ compiled, params, scopes, now: NOW });
      for (const seed of [1, 2, 3, 4, 5]) {
        const ev = new ControlEvaluation({ compiled, params, now: NOW });
        for (const s of shuffled(scopes, seed)) ev.addScope(s);
        expect(ev.finish()).toEqual(whole);
      }
    });
  }

  it("population assertions see each unit's whole population across its scopes", () => {
    const compiled = compileControl(control("access.assert-population", "t.a", controls[4]![1]));
    const ev = new ControlEvaluation({ compiled, params, now: NOW });
    for (const s of shuffled(scopes, 7)) ev.addScope(s);
    const r: ControlResult = ev.finish();
    const units = (message: string) =>
      r.findings.filter((f) => f.status === "fail" && f.message === message).map((f) => f.account);
    // acct-a: items 1, 2 (r1) and 3 (r2) — three across two scopes; the 5 is outside `where` but in `all`.
    expect(units("acct-a: fewer than two items")).toEqual([]);
    expect(units("acct-a: no row of 5")).toEqual([]);
    expect(units("acct-a: no item of 3")).toEqual([]);
    // acct-b: one readable item and one unreadable (an error finding, not in the assertion's items).
    expect(units("acct-b: fewer than two items")).toEqual(["acct-b"]);
    expect(units("acct-b: no row of 5")).toEqual(["acct-b"]);
    // acct-c: r1 failed (error), r2 answered with two items.
    expect(units("acct-c: fewer than two items")).toEqual([]);
    expect(units("acct-c: no item of 3")).toEqual(["acct-c"]);
    expect(r.status).toBe("error");
    expect(r.population).toBe(3 + 1 + 2 + 1); // items, plus acct-b's unreadable one
  });
});

/**
 * Dependencies (events → lookupEvents, shared by two controls; IAM policies → authorization details, shared
 * with the KMS key queries), population assertions per account over regions, and plain per-item controls.
 */
const DEMO_CONTROLS = [
  "access.aws-iam-no-full-admin-policies",
  "access.aws-identity-center-idle-users",
  "access.aws-kms-signing-key-users-approved",
  "change-management.aws-click-ops-production",
  "change-management.aws-cloudtrail-management-write-events",
  "change-management.aws-config-recorder-all-regions",
];

describe("the demo recording through the engine", () => {
  it("gives the same results at one fetch in flight with results released as unbounded with every result kept", async () => {
    // Loaded once: both runs replay the same calls.
    const recording = loadRecordings(["fixtures/aws/demo"]);
    const run = (engine: { fetchesInFlight: number; releaseResults: boolean }) =>
      executeRun({ filter: { control: DEMO_CONTROLS }, recording, engine });
    const bounded = await run({ fetchesInFlight: 1, releaseResults: true });
    const unbounded = await run({ fetchesInFlight: 1_000_000, releaseResults: false });
    expect(bounded.results.map((r) => r.id)).toEqual(DEMO_CONTROLS);
    expect(new Set(bounded.results.map((r) => r.status))).toEqual(new Set(["pass", "fail"]));
    expect(bounded.document.controls).toEqual(unbounded.document.controls);
    expect(bounded.results.map((r) => r.items)).toEqual(unbounded.results.map((r) => r.items));
    const { apiCalls, distinctQueries, cacheHits } = bounded.document.run.stats;
    expect({ apiCalls, distinctQueries, cacheHits }).toEqual({
      apiCalls: unbounded.document.run.stats.apiCalls,
      distinctQueries: unbounded.document.run.stats.distinctQueries,
      cacheHits: unbounded.document.run.stats.cacheHits,
    });
    // The same calls, each once: a released result was never fetched again.
    const calls = (o: typeof bounded) =>
      o.calls
        .map((c) => `${c.service}:${c.operation}:${c.account}:${c.region}:${JSON.stringify(c.input)}`)
        .sort();
    expect(calls(bounded)).toEqual(calls(unbounded));
  });

  it("with a population store (every population written out), the same results read back; a failed write fails the run", async () => {
    const recording = loadRecordings(["fixtures/aws/demo"]);
    const filter = { control: DEMO_CONTROLS };
    const memory = await executeRun({ filter, recording });
    const dir = mkdtempSync(join(tmpdir(), "itgc-stream-population-"));
    try {
      const stored = await executeRun({
        filter,
        recording,
        population: new PopulationStore(join(dir, "p"), 0),
      });
      // Every control with findings wrote them out (and kept none in memory).
      expect(stored.results.filter((r) => r.stored).map((r) => r.id)).toEqual(
        memory.results.filter((r) => r.findings.length > 0).map((r) => r.id),
      );
      const readBack = (r: ControlResult) => {
        const p = populationOf(r);
        const { stored: _stored, ...rest } = r;
        return { ...rest, findings: [...p.findings()], items: [...p.items()] };
      };
      expect(stored.results.map(readBack)).toEqual(JSON.parse(JSON.stringify(memory.results)));
      writeFileSync(join(dir, "a-file"), "");
      await expect(
        executeRun({ filter, recording, population: new PopulationStore(join(dir, "a-file", "p"), 0) }),
      ).rejects.toThrow(PopulationWriteError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
