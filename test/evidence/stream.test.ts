/**
 * The bundle writer streams its large documents (src/evidence/json-stream.ts, scrubbed-text.ts,
 * write-bundle.ts): each is written in bounded chunks, never built whole, and its bytes are exactly those
 * of the document built whole and scrubbed whole (the way the writer worked before, and what verify,
 * `report`, `sql`, `sample` and `reperform` read).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ControlResult, Finding, Row } from "../../src/core/types.js";
import type { RunOutcome } from "../../src/engine/execute-run.js";
import { PopulationStore } from "../../src/engine/population-store.js";
import { jsonPieces, jsonTopLevel, LazyArray, RawJson } from "../../src/evidence/json-stream.js";
import { toResultRecord } from "../../src/evidence/model.js";
import { readModel } from "../../src/evidence/read-model.js";
import { scrubIfLocal, writeScrubbed } from "../../src/evidence/scrubbed-text.js";
import {
  assembleBundle,
  type BundleStore,
  buildBundle,
  DSSE_FILE,
  SIGNATURE_FILE,
} from "../../src/evidence/write-bundle.js";
import { scrubSecrets } from "../../src/recording/scrub.js";
import { exceptionsCsv, populationCsv } from "../../src/report/csv.js";
import { renderHtml } from "../../src/report/html.js";
import { renderOscal } from "../../src/report/oscal.js";
import { toDocument } from "../../src/report/results-document.js";
import { FIXED_CLOCK, goldenOutcome, testSigner } from "./support.js";

const SIGNATURES = new Set([SIGNATURE_FILE, DSSE_FILE]);

const joined = (v: unknown) => [...jsonPieces(v)].join("");

describe("jsonPieces", () => {
  it("joins to exactly JSON.stringify(v, null, 2), for every shape a result holds", () => {
    const when = new Date("2026-11-01T10:00:00.000Z");
    const many = Array.from({ length: 150 }, (_, i) => ({
      i,
      when: new Date(when.getTime() + i),
      gone: undefined,
      fn: () => i,
      text: `é "quoted" \\ line\nbreak \u2028 ${i}`,
      nested: { list: i % 2 ? [] : [1, { deep: [null, undefined] }], empty: {} },
    }));
    const sparse: unknown[] = new Array(100);
    sparse[3] = "three";
    const shapes: unknown[] = [
      0,
      -0,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      "a\nb",
      null,
      true,
      [],
      {},
      [undefined, () => 1, Symbol("s")],
      { a: undefined, b: () => 1, c: Symbol("c") },
      when,
      many,
      { items: many, findings: many.map((m) => ({ resource: String(m.i) })), small: [1, 2] },
      { controls: Array.from({ length: 3 }, (_, c) => ({ id: c, findings: many, params: {} })) },
      { wrap: { wrap: { wrap: { items: many } } } },
      { toJSON: () => ({ items: many }) },
      { list: Object.assign(many.slice(), { toJSON: () => "as text" }) },
      sparse,
      { 'weird key \n"': many, 2: "numeric", 1: "keys first" },
      new Map([[1, 2]]),
    ];
    for (const v of shapes) expect(joined(v)).toBe(JSON.stringify(v, null, 2));
    expect(joined(undefined)).toBe("");
  });

  it("gives a large document in small pieces (no piece is the document, or a control, whole)", () => {
    const findings = Array.from({ length: 5000 }, (_, i) => ({
      resource: `arn:aws:iam::111122223333:user/u${i}`,
      status: "pass",
      message: null,
    }));
    const doc = {
      controls: [
        { id: "a", findings },
        { id: "b", findings },
      ],
    };
    const pieces = [...jsonPieces(doc)];
    const text = pieces.join("");
    expect(text.length).toBeGreaterThan(1_000_000);
    // Small findings are written 64 to a piece (one JSON.stringify call each), never more.
    const findingsIn = (piece: string) => piece.split('"resource"').length - 1;
    expect(Math.max(...pieces.map(findingsIn))).toBe(64);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(10_000);
    expect(pieces.length).toBeGreaterThan((2 * 5000) / 64);
  });

  it("an array of small elements, batched or not, is JSON.stringify's at any indent and in any mix", () => {
    // The writer serialises runs of plain small elements in batches: every kind of element that must break
    // a batch (toJSON — called with its index as key —, a Date, undefined, a function, a RawJson row, a
    // large or nested-large value) at every position around the batch's size.
    const kinds: ((i: number) => unknown)[] = [
      (i) => ({ resource: `r-${i}`, status: "pass", message: null }),
      (i) => `s${i} "q" \n`,
      (i) => i - 0.5,
      () => null,
      () => true,
      () => Number.NaN,
      (i) => ({ nested: { d: new Date(i), u: undefined, list: [1, { x: [] }] } }),
      (i) => ({ toJSON: (k: string) => ({ key: k, i }) }),
      (i) => new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
      () => undefined,
      () => () => 1,
      (i) => new RawJson(JSON.stringify({ row: i, v: [i, { w: "é" }] })),
      (i) => ({ big: Array.from({ length: 70 }, (_, k) => k + i) }),
      () => [[], {}],
    ];
    const rand = prng(11);
    for (let round = 0; round < 60; round++) {
      const n = [0, 1, 63, 64, 65, 128, 130, 200][round % 8]!;
      const plainRun = round % 3 === 0;
      const list = Array.from({ length: n }, (_, i) =>
        plainRun && rand() < 0.97 ? kinds[0]!(i) : kinds[Math.floor(rand() * kinds.length)]!(i),
      );
      for (const v of [list, { wrap: { findings: list, after: 1 } }, [list, list.slice(0, 3)]])
        expect(joined(v), `round ${round}`).toBe(JSON.stringify(v, null, 2));
      const lazy = new LazyArray(list.length, () => list);
      expect(joined({ a: { b: lazy } })).toBe(JSON.stringify({ a: { b: list } }, null, 2));
    }
  });

  it("a LazyArray is written element by element, made only as it is written", () => {
    let made = 0;
    const lazy = new LazyArray(3, function* () {
      for (let i = 0; i < 3; i++) {
        made++;
        yield { i };
      }
    });
    const it = jsonPieces({ back: { resources: lazy } });
    it.next();
    expect(made).toBe(0);
    expect([...it].join("")).toContain('"i": 2');
    expect(joined({ back: { resources: lazy } })).toBe(
      JSON.stringify({ back: { resources: [{ i: 0 }, { i: 1 }, { i: 2 }] } }, null, 2),
    );
  });

  it("jsonTopLevel is the record itself when its JSON copy's top level would hold the same", () => {
    const plain = { s: "x", n: 1.5, b: false, z: null, o: { d: new Date(0), u: undefined }, l: [undefined] };
    expect(jsonTopLevel(plain)).toBe(plain);
    const parsed = JSON.parse('{"a":"x","b":[1,{"c":null}],"toJSON":"a string, not a function"}');
    expect(jsonTopLevel(parsed)).toBe(parsed);
    // Anything the copy changes takes the copy (and BigInt still throws).
    for (const odd of [
      { d: new Date(0) },
      { u: undefined },
      { n: Number.POSITIVE_INFINITY },
      { f: () => 1 },
      { t: { toJSON: () => "t" } },
      Object.assign(Object.create(null), { a: 1 }),
      Object.assign(Object.create({ inherited: 1 }), { a: 1 }),
    ]) {
      const top = jsonTopLevel(odd);
      expect(top).not.toBe(odd);
      expect(JSON.stringify(top)).toBe(JSON.stringify(JSON.parse(JSON.stringify({ ...odd }))));
    }
    expect(() => jsonTopLevel({ big: 1n })).toThrow(TypeError);
  });

  it("jsonTopLevel reads a record as its JSON copy does", () => {
    const row = {
      d: new Date(0),
      u: undefined,
      n: Number.NaN,
      o: { x: undefined, y: 1 },
      s: "s",
      f: () => 1,
    };
    const copy = JSON.parse(JSON.stringify(row));
    const top = jsonTopLevel(row) as Record<string, unknown>;
    expect(Object.keys(top)).toEqual(Object.keys(copy));
    expect(JSON.stringify(top)).toBe(JSON.stringify(copy));
    expect(top.d).toBe("1970-01-01T00:00:00.000Z");
  });
});

/** Texts whose secrets the scrubber finds only across a line break (a cut point of the streamed text). */
const CROSSING = [
  "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\nq83hd83h\n-----END RSA PRIVATE KEY-----\n",
  "authorization\n\n  : Basic dXNlcjpwYXNzd29yZA\n",
  '"password"\n  =\n  hunter2secret\n',
  "password:\n   hunter2\n",
  "Bearer\nabcdefghijklmnop\n",
  "sessionToken\n:\nFwoGZXIvYXdzEJr\n",
];
/** Secrets on one line. */
const LOCAL = [
  "AKIAIOSFODNN7EXAMPLE\n",
  "token ghp_abcdefghijklmnopqrstuvwxyz0123456789\n",
  "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig\n",
  '"Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"\n',
];
const FILLER = ['  "field": "value",\n', "plain line\n", "\n", "<tr><td>x</td></tr>", "a,b,c\n"];

/** A deterministic pseudo-random generator (tests must not depend on chance). */
function prng(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

function memorySink() {
  const chunks: Buffer[] = [];
  return { chunks, write: (b: Buffer) => void chunks.push(b), text: () => Buffer.concat(chunks).toString() };
}

/** scrubIfLocal as it was before its fast path (always probed). */
function probedScrubIfLocal(chunk: string, next: string): string | undefined {
  const a = scrubSecrets(`${chunk}x`);
  if (!a.endsWith("x")) return undefined;
  const scrubbed = a.slice(0, -1);
  const lastVisible = /\S(?=\s*$)/.exec(chunk)?.[0];
  const mayEnd = lastVisible !== undefined && /[A-Za-z"'\\]/.test(lastVisible);
  const firstVisible = /\S/.exec(next)?.[0];
  const mayContinue = firstVisible === undefined || firstVisible === ":" || firstVisible === "=";
  if (mayEnd && mayContinue && scrubSecrets(`${chunk}=x`) !== `${scrubbed}=x`) return undefined;
  return scrubbed;
}

describe("scrubbing a streamed text", () => {
  it("a chunk with nothing to scrub is final as it is: what the probes give, and a prefix of any longer text's", () => {
    const rand = prng(3);
    const pools = [CROSSING, LOCAL, FILLER, FILLER, FILLER];
    const near = [
      "toke\n",
      "secre",
      "AKI",
      "-----BEGI",
      "eyj",
      "gh_",
      "ya29",
      "Bear",
      "authorizatio",
      "=",
      ":",
    ];
    let clean = 0;
    for (let round = 0; round < 3000; round++) {
      const parts: string[] = [];
      for (let i = 1 + Math.floor(rand() * 6); i > 0; i--) {
        const pool = rand() < 0.3 ? near : pools[Math.floor(rand() * pools.length)]!;
        parts.push(pool[Math.floor(rand() * pool.length)]!);
      }
      const chunk = `${parts.join("")}\n`;
      const next = [...CROSSING, ...LOCAL, ...FILLER, "", ": x", "=y"][Math.floor(rand() * 14)]!;
      const got = scrubIfLocal(chunk, next);
      expect(got, JSON.stringify(chunk)).toBe(probedScrubIfLocal(chunk, next));
      if (got === chunk) {
        clean++;
        expect(scrubSecrets(chunk + next).startsWith(chunk)).toBe(true);
      }
    }
    expect(clean).toBeGreaterThan(300);
  });

  it("the secrets below are found only across a line break: scrubbing line by line would miss them", () => {
    for (const c of CROSSING) {
      expect(scrubSecrets(c), c).not.toBe(c);
      expect(
        c
          .split(/(?<=\n)/)
          .map(scrubSecrets)
          .join(""),
        c,
      ).not.toBe(scrubSecrets(c));
    }
    // ... and a chunk that ends where such a match would go on is not final
    expect(scrubIfLocal("x\npassword\n")).toBeUndefined();
    expect(scrubIfLocal("x\nBearer\n")).toBeUndefined();
    expect(scrubIfLocal("-----BEGIN PRIVATE KEY-----\nabc\n")).toBeUndefined();
    expect(scrubIfLocal("plain\nlines\n")).toBe("plain\nlines\n");
  });

  it("written in chunks of any size, the bytes are those of the text scrubbed whole", async () => {
    const rand = prng(7);
    for (let round = 0; round < 40; round++) {
      const parts: string[] = [];
      for (let i = 0; i < 60; i++) {
        const r = rand();
        const pool = r < 0.15 ? CROSSING : r < 0.25 ? LOCAL : FILLER;
        parts.push(pool[Math.floor(rand() * pool.length)]!);
      }
      // Sometimes a PEM key cut off (no END line): scrubbed whole, it runs to the end of the text.
      if (round % 5 === 0)
        parts.splice(Math.floor(rand() * parts.length), 0, "-----BEGIN PRIVATE KEY-----\nabc\n");
      const text = parts.join("");
      const whole = scrubSecrets(text);
      // The text in pieces of random sizes, cut anywhere (also inside a secret).
      const pieces: string[] = [];
      for (let at = 0; at < text.length; ) {
        const n = 1 + Math.floor(rand() * 40);
        pieces.push(text.slice(at, at + n));
        at += n;
      }
      for (const chunkChars of [1, 16, 200]) {
        const sink = memorySink();
        const digest = await writeScrubbed(pieces, sink, chunkChars);
        expect(sink.text(), `round ${round}, chunks of ${chunkChars}`).toBe(whole);
        expect(digest.size).toBe(Buffer.byteLength(whole));
      }
    }
  });
});

/** A store that keeps every file and the size of every write (put whole, or a streamed chunk). */
class RecordingStore implements BundleStore {
  readonly files = new Map<string, Buffer>();
  readonly writes = new Map<string, number[]>();
  private note(path: string, n: number) {
    this.writes.set(path, [...(this.writes.get(path) ?? []), n]);
  }
  async put(path: string, bytes: Buffer) {
    this.note(path, bytes.length);
    this.files.set(path, bytes);
  }
  async open(path: string) {
    const chunks: Buffer[] = [];
    return {
      write: (bytes: Buffer) => {
        this.note(path, bytes.length);
        chunks.push(bytes);
      },
      close: async () => void this.files.set(path, Buffer.concat(chunks)),
    };
  }
  async flush() {}
}

/** The golden outcome with a population of `n` items (dates, nested values, a few secrets) and many calls. */
function largeOutcome(n: number, calls: number): RunOutcome {
  const base = goldenOutcome();
  const items: Row[] = [];
  const findings: Finding[] = [];
  for (let i = 0; i < n; i++) {
    const fail = i % 10 === 7;
    const waived = i % 500 === 9;
    items.push({
      user: `user-${i}`,
      arn: `arn:aws:iam::111122223333:user/user-${i}`,
      password_enabled: true,
      mfa_active: !fail && !waived,
      password_last_used: new Date(Date.UTC(2026, 10, 1, 0, 0, i % 3600)),
      tags: { team: `t${i % 7}`, empty: undefined },
      // A secret on one line, and one the scrubber finds in the CSV only across the cell's line break.
      ...(i % 1000 === 3 ? { note: "password: hunter2-in-a-row" } : {}),
      ...(i % 1000 === 5 ? { header: "Bearer\nabcdefghijklmnop" } : {}),
      ...(i % 3 === 0 ? { maybe: undefined } : { maybe: i }),
    });
    findings.push({
      resource: `arn:aws:iam::111122223333:user/user-${i}`,
      account: "111122223333",
      region: "global",
      status: waived ? "waived" : fail ? "fail" : "pass",
      message: fail || waived ? `user-${i} can sign in to the console without MFA` : null,
      ...(waived
        ? {
            waiver: {
              index: 1,
              ticket: "RISK-1",
              reason: "break-glass",
              requested_by: "a@example.com",
              approved_by: "ciso@example.com",
              approved_on: "2026-10-01",
              expires: "2026-12-31",
            },
          }
        : {}),
    });
  }
  const result: ControlResult = {
    ...base.results[0]!,
    population: n,
    exceptions: findings.filter((f) => f.status === "fail").length,
    waived: findings.filter((f) => f.status === "waived").length,
    errors: [{ account: "111122223333", region: "eu-west-1", message: "AccessDenied: not authorized" }],
    findings,
    items,
  };
  const call = base.calls[0]!;
  return {
    ...base,
    document: toDocument(base.document.run, [result]),
    results: [result],
    calls: Array.from({ length: calls }, (_, i) => ({ ...call, seq: i + 1 })),
  };
}

describe("the bundle writer", () => {
  const opts = { signer: testSigner(), clock: FIXED_CLOCK, toolCommit: null } as const;

  it("writes every large document in bounded chunks, with the bytes of the document built whole", async () => {
    const CHUNK = 2048;
    const outcome = largeOutcome(2000, 2000);
    const store = new RecordingStore();
    await assembleBundle(outcome, { ...opts, chunkChars: CHUNK }, store);
    const id = "access.aws-iam-console-mfa";
    const record = toResultRecord(outcome.results[0]!);
    const text = (p: string) => store.files.get(p)!.toString("utf8");

    // The bytes: each document as the writer made it before it streamed (built whole, scrubbed whole).
    expect(text(`data/results/${id}.json`)).toBe(scrubSecrets(`${JSON.stringify(record, null, 2)}\n`));
    expect(text(`data/results/population/${id}.csv`)).toBe(scrubSecrets(populationCsv(record)));
    expect(text("data/results.json")).toBe(scrubSecrets(`${JSON.stringify(outcome.document, null, 2)}\n`));
    const bundle = { source: "b", name: "b", files: store.files, oddities: [] };
    const model = readModel(bundle, "html");
    expect(text("data/results/exceptions.csv")).toBe(
      scrubSecrets(
        exceptionsCsv(model.results, {
          runId: model.run.id,
          evaluatedAt: model.run.evaluatedAt,
          remediation: new Map(model.controls.map((c) => [c.id, c.remediation])),
        }),
      ),
    );
    // The reports re-rendered from the bundle's own records (as `report` does) are the same bytes.
    expect(text("data/report.html")).toBe(scrubSecrets(renderHtml(model)));
    expect(text("data/oscal/assessment-results.json")).toBe(
      scrubSecrets(renderOscal(readModel(bundle, "oscal"))),
    );
    // The secrets in rows were scrubbed; in the CSV, across the line break too.
    for (const [p, data] of store.files) expect(data.toString("utf8"), p).not.toContain("hunter2");
    expect(text(`data/results/population/${id}.csv`)).toContain("Bearer [REDACTED]");

    // The chunks: none of these documents was written whole, and no write is much more than a chunk
    // (UTF-8 bytes of about CHUNK characters, plus the line that ends it; CSV rows come 32 at a time, small
    // JSON array elements — findings — 64 at a time).
    const element =
      2 * Math.max(...outcome.results[0]!.findings.map((f) => JSON.stringify(f, null, 2).length));
    const longestLine = (p: string) =>
      Math.max(
        ...text(p)
          .split("\n")
          .map((l) => Buffer.byteLength(l)),
      );
    for (const p of [
      "data/results.json",
      `data/results/${id}.json`,
      `data/results/population/${id}.csv`,
      "data/results/exceptions.csv",
      "data/oscal/assessment-results.json",
      "data/report.html",
    ]) {
      const writes = store.writes.get(p)!;
      const size = store.files.get(p)!.length;
      const line = longestLine(p);
      const bound = 2 * CHUNK + 2 * line + (p.endsWith(".csv") ? 32 * line : 64 * element);
      // Built whole, the document would be one write of `size` bytes.
      expect(size, p).toBeGreaterThan(2 * bound);
      expect(writes.length, p).toBeGreaterThanOrEqual(4);
      expect(Math.max(...writes), p).toBeLessThanOrEqual(bound);
      expect(
        writes.reduce((a, b) => a + b, 0),
        p,
      ).toBe(size);
    }
  });

  it("a population written out during the run (read back from its scratch file) gives the same bundle", async () => {
    const outcome = largeOutcome(2000, 10);
    const result = outcome.results[0]!;
    const dir = mkdtempSync(join(tmpdir(), "itgc-stream-population-"));
    try {
      // Written in blocks of 150 in reverse order (as scopes that answered out of order), laid out in order.
      const sink = new PopulationStore(join(dir, "p"), 0).sink();
      const starts = Array.from({ length: Math.ceil(2000 / 150) }, (_, i) => i * 150);
      const blocks = new Map(
        starts
          .reverse()
          .map((at) => [
            at,
            sink.write(result.findings.slice(at, at + 150), result.items.slice(at, at + 150)),
          ]),
      );
      const stored = {
        ...result,
        findings: [],
        items: [],
        stored: sink.population(starts.reverse().map((at) => blocks.get(at)!)),
      };
      const storedOutcome = {
        ...outcome,
        document: toDocument(outcome.document.run, [stored]),
        results: [stored],
      };
      const inMemory = await buildBundle(outcome, { ...opts, chunkChars: 4096 });
      const fromDisk = await buildBundle(storedOutcome, { ...opts, chunkChars: 4096 });
      expect([...fromDisk.files.keys()].sort()).toEqual([...inMemory.files.keys()].sort());
      for (const [p, data] of inMemory.files)
        if (!SIGNATURES.has(p)) expect(fromDisk.files.get(p)!.equals(data), p).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the golden bundle, streamed in 64-character chunks, is the same bundle", async () => {
    const whole = await buildBundle(goldenOutcome(), opts);
    const tiny = await buildBundle(goldenOutcome(), { ...opts, chunkChars: 64 });
    expect([...tiny.files.keys()].sort()).toEqual([...whole.files.keys()].sort());
    for (const [p, data] of whole.files)
      if (!SIGNATURES.has(p)) expect(tiny.files.get(p)!.equals(data), p).toBe(true);
  });
});
