/**
 * Population rows leave the heap during the run (src/engine/population-store.ts, ControlEvaluation's sink):
 * a control that writes its population out as its scopes are evaluated, in any order, gives the result the
 * in-memory evaluation gives — the same verdict and counts, and its findings and items read back in the same
 * order as their JSON copies — with waivers applied as findings are written (the same results and report as
 * applying them afterwards); a failed write fails the run; nothing is left behind.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Control, ControlResult, Row } from "../../src/core/types.js";
import {
  ControlEvaluation,
  compileControl,
  evaluateControl,
  type ScopeRows,
} from "../../src/engine/evaluate.js";
import { PopulationStore, PopulationWriteError, populationOf } from "../../src/engine/population-store.js";
import { WaiverMatcher } from "../../src/waivers/apply.js";
import type { WaiverSet } from "../../src/waivers/load.js";
import { engineControl } from "../support/engine-control.js";

const NOW = new Date("2026-11-20T09:00:00Z");
const dir = mkdtempSync(join(tmpdir(), "itgc-population-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let stores = 0;
const store = (spillItems: number) => new PopulationStore(join(dir, `run-${++stores}`), spillItems);

// The engine tests' control over the test query t.a, on the GCP provider.
const control = (id: string, over: Partial<Control> = {}): Control =>
  engineControl(id, "t.a", { provider: "gcp", ...over });

const params = { values: { max: 3 }, defaults: { max: 3 }, overridden: [] };
const rows = (unit: string, region: string, ns: number[]): Row[] =>
  ns.map((n) => ({
    id: `${unit}/${region}/${n}`,
    n,
    region,
    seen: new Date(Date.UTC(2026, 10, 1, 0, 0, n)),
    tags: { env: n % 2 ? "prod" : "dev", gone: undefined },
    note: `é "quoted" \u2028 ${"x".repeat(n * 40)}`,
  }));
/** The same grant, inherited from a folder, in every project it reaches (merged into one finding). */
const grant = (unit: string, n: number): Row => ({
  id: `folders/7/roles/owner/user:${n}@example.com`,
  n,
  inherited: true,
  granted_on: "folders/7",
  unit,
});
const scopes: ScopeRows[] = [
  { account: "acct-a", region: "r1", rows: [...rows("acct-a", "r1", [1, 2, 5]), grant("acct-a", 4)] },
  { account: "acct-a", region: "r2", rows: rows("acct-a", "r2", [3, 4, 6, 0]) },
  {
    account: "acct-b",
    region: "r1",
    rows: [...rows("acct-b", "r1", [1]), grant("acct-b", 4), grant("acct-b", 1)],
    problems: [{ message: "item unreadable", item: { id: "acct-b/r1/9", n: 9 } }],
  },
  { account: "acct-b", region: "r2", rows: [] },
  { account: "acct-c", region: "r1", error: "AccessDenied: no" },
  { account: "acct-c", region: "r2", rows: [...rows("acct-c", "r2", [2, 2, 7]), grant("acct-c", 4)] },
  { account: "acct-a", region: "r1", rows: rows("acct-a", "r1", [8]) },
];
const answered = scopes.filter((s) => !s.error);
/** Every scope answered, nothing unreadable: a control that only passes or fails. */
const clean = answered.map((s) => ({ ...s, problems: [] }));

const CONTROLS: [string, Partial<Control>, ScopeRows[]][] = [
  ["pass", { expect: [{ that: "n < 10", message: "{id}" }] }, answered],
  ["fail", { expect: [{ that: "n <= params.max", message: "{id} is {n}" }] }, answered],
  ["fail-error", { expect: [{ that: "n <= params.max", message: "{id} is {n}" }] }, scopes],
  ["where", { where: "n % 2 == 0", expect: [{ that: "n < 4", message: "{id}" }] }, answered],
  ["cel-error", { expect: [{ that: "n.missing > 1", message: "{id}" }] }, answered],
  [
    "assert-population",
    {
      where: "n != 5",
      expect: [],
      assert: [
        { that: "items.size() >= 2", message: "{account}: fewer than two items" },
        { that: "all.exists(r, r.n == 5)", message: "{account}: no row of 5" },
      ],
    },
    scopes,
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

/** A result as the documents read it: its population listed from the handle, as JSON copies. */
function readBack(r: ControlResult) {
  const p = populationOf(r);
  const { stored: _stored, ...rest } = r;
  return JSON.parse(JSON.stringify({ ...rest, findings: [...p.findings()], items: [...p.items()] }));
}

describe("a control's population written out as its scopes are evaluated", () => {
  for (const [name, over, given] of CONTROLS) {
    it(`${name}: in any arrival order, the in-memory result, read back in its order`, () => {
      const compiled = compileControl(control(`access.${name}`, over));
      const whole = evaluateControl({ compiled, params, scopes: given, now: NOW });
      for (const [seed, spill] of [
        [1, 0],
        [2, 0],
        [3, 3],
        [4, 1_000],
      ] as const) {
        // The same arrival order in memory (two scopes share (acct-a, r1): their order is the arrival's).
        const inMemory = new ControlEvaluation({ compiled, params, now: NOW });
        for (const scope of shuffled(given, seed)) inMemory.addScope(scope);
        const expected = JSON.parse(JSON.stringify(inMemory.finish()));
        const s = store(spill);
        const ev = new ControlEvaluation({ compiled, params, now: NOW, sink: s.sink() });
        for (const scope of shuffled(given, seed)) ev.addScope(scope);
        const r = ev.finish();
        s.check();
        // Only a population larger than the threshold goes to disk; then the result's arrays refuse every
        // read (an empty array would read as "no findings" to code that forgot populationOf).
        expect(Boolean(r.stored), `seed ${seed}`).toBe(whole.items.length > spill);
        if (r.stored) {
          expect(() => r.findings.length).toThrow(/read them through populationOf/);
          expect(() => [...r.items]).toThrow(/read them through populationOf/);
          expect(() => JSON.stringify(r)).toThrow(/read them through populationOf/);
        }
        expect(readBack(r), `seed ${seed}, spill ${spill}`).toEqual(expected);
        expect(populationOf(r).counts).toEqual(populationOf(whole).counts);
        // Read twice: a handle is read by several documents.
        expect([...populationOf(r).findings()]).toEqual([...populationOf(r).findings()]);
      }
    });
  }

  it("inherited grants are merged across scopes before they are written (one finding per grant)", () => {
    const compiled = compileControl(control("access.fail", CONTROLS[1]![1]));
    const s = store(0);
    const ev = new ControlEvaluation({ compiled, params, now: NOW, sink: s.sink() });
    for (const scope of shuffled(answered, 9)) ev.addScope(scope);
    const merged = [...populationOf(ev.finish()).findings()].filter((f) => f.reaches);
    expect(merged.map((f) => [f.resource, f.account, f.reaches])).toEqual([
      ["folders/7/roles/owner/user:4@example.com", "folders/7", ["acct-a", "acct-b", "acct-c"]],
      ["folders/7/roles/owner/user:1@example.com", "folders/7", ["acct-b"]],
    ]);
  });

  it("waivers applied as findings are written give the results and report of waivers applied after", () => {
    const waiver = (over: Record<string, unknown>) => ({
      index: 0,
      where: "waivers.yaml:1:1",
      control: "access.fail",
      ticket: "RISK-1",
      reason: "accepted",
      requested_by: "a@example.com",
      approved_by: "ciso@example.com",
      approved_on: "2026-10-01",
      expires: "2026-12-31",
      ...over,
    });
    const set = {
      file: "waivers.yaml",
      text: "",
      waivers: [
        waiver({ index: 1, resource: "acct-a/*" }),
        // Matches the merged grant at its grant point only (its account is the folder after merging).
        waiver({ index: 2, resource: "folders/7/*", account: "folders/7" }),
        waiver({ index: 3, resource: "nothing-matches" }),
        waiver({ index: 4, resource: "*", control: "access.other" }),
      ],
    } as unknown as WaiverSet;
    const compiled = compileControl(control("access.fail", CONTROLS[1]![1]));
    const inMemory = new ControlEvaluation({ compiled, params, now: NOW });
    for (const scope of clean) inMemory.addScope(scope);
    const whole = inMemory.finish();
    const after = new WaiverMatcher(set, NOW);
    const expected = after.apply(whole);
    expect(expected.waived).toBeGreaterThan(1);
    expect(expected.status).toBe("fail");

    const during = new WaiverMatcher(set, NOW);
    const s = store(0);
    const ev = new ControlEvaluation({
      compiled,
      params,
      now: NOW,
      sink: s.sink(during.forControl("access.fail")),
    });
    for (const scope of clean) ev.addScope(scope);
    const r = ev.finish();
    expect(r.stored).toBeDefined();
    expect(readBack(r)).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(during.report("x")).toEqual(after.report("x"));
    expect(during.report("x").waivers.map((w) => w.state)).toEqual(["applied", "applied", "stale", "stale"]);

    // Every exception waived: pass, "N exception(s) covered by approved waivers", as after the run.
    const all = { ...set, waivers: [waiver({ index: 1, resource: "*" })] } as unknown as WaiverSet;
    const passAfter = new WaiverMatcher(all, NOW).apply(whole);
    const s2 = store(0);
    const ev2 = new ControlEvaluation({
      compiled,
      params,
      now: NOW,
      sink: s2.sink(new WaiverMatcher(all, NOW).forControl("access.fail")),
    });
    for (const scope of clean) ev2.addScope(scope);
    const r2 = ev2.finish();
    expect(r2.status).toBe("pass");
    expect(readBack(r2)).toEqual(JSON.parse(JSON.stringify(passAfter)));
  });

  it("a failed write fails the store's check (never a partial population); discard leaves nothing", () => {
    const blocker = join(dir, "a-file");
    writeFileSync(blocker, "");
    const s = new PopulationStore(join(blocker, "population"), 0);
    const ev = new ControlEvaluation({
      compiled: compileControl(control("access.pass")),
      params,
      now: NOW,
      sink: s.sink(),
    });
    for (const scope of answered) ev.addScope(scope);
    ev.finish();
    expect(() => s.check()).toThrow(PopulationWriteError);
    expect(() => s.check()).toThrow(/could not write the population scratch file .*no bundle was written/);
    const ok = store(0);
    const ev2 = new ControlEvaluation({
      compiled: compileControl(control("access.pass")),
      params,
      now: NOW,
      sink: ok.sink(),
    });
    for (const scope of answered) ev2.addScope(scope);
    expect(ev2.finish().stored).toBeDefined();
    expect(readdirSync(ok.dir).sort()).toEqual(["0.findings.ndjson", "0.items.ndjson"]);
    ok.discard();
    expect(readdirSync(dir)).not.toContain(ok.dir.split("/").pop());
  });
});
