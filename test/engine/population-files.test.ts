/**
 * The population's writes through libuv's pool (PopulationStore `asyncWrites`, what a run that writes a
 * bundle uses): the same bytes as the synchronous writes, nothing readable before the store settled, a
 * write that fails after the block was handed over still fails the run, a file is closed only once its
 * writes ended, and an executeRun over the demo reads back what it evaluated.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ControlResult, Finding, Row } from "../../src/core/types.js";
import { executeRun } from "../../src/engine/execute-run.js";
import {
  PopulationStore,
  type PopulationStoreOptions,
  PopulationWriteError,
  populationOf,
} from "../../src/engine/population-store.js";
import { loadRecordings } from "../../src/recording/store.js";

const dir = mkdtempSync(join(tmpdir(), "itgc-population-files-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let stores = 0;
const storeWith = (o: PopulationStoreOptions) => new PopulationStore(join(dir, `run-${++stores}`), o);

/** Blocks of findings and rows: multi-byte text, a Date, a row longer than the 1 MB scratch buffer. */
function blocks(): { findings: Finding[]; items: Row[] }[] {
  return Array.from({ length: 16 }, (_, b) => {
    const items: Row[] = Array.from({ length: 40 }, (_, i) => ({
      id: `e-${b}-${i}`,
      time: new Date(Date.UTC(2026, 10, 1, 0, b, i)),
      note: i % 7 === 0 ? `naïve ✓ 𝄞 ${"ü".repeat(i)}` : null,
      nested: { tags: [{ k: "ticket", v: `CHG-${i}` }], n: i },
      ...(b === 13 && i === 5 ? { huge: "€".repeat(400_000) } : {}),
    }));
    const findings: Finding[] = items.map((r, i) => ({
      resource: String(r.id),
      account: "111122223333",
      region: "us-east-1",
      status: i % 9 === 0 ? "fail" : "pass",
      message: i % 9 === 0 ? "no ticket" : null,
    }));
    return { findings, items };
  });
}

const openFds = () => readdirSync("/proc/self/fd").length;
/** /dev/full (every write fails with ENOSPC) and /proc/self/fd: Linux. */
const linux = existsSync("/dev/full") && existsSync("/proc/self/fd");

describe("asynchronous population writes", () => {
  it("give the bytes the synchronous writes give, read back once settled", async () => {
    const sync = storeWith({ spillItems: 0 });
    const async_ = storeWith({ spillItems: 0, asyncWrites: true });
    const a = sync.sink();
    const b = async_.sink();
    const data = blocks();
    const pa = a.population(data.map((d) => a.write(d.findings, d.items)));
    const pb = b.population(data.map((d) => b.write(d.findings, d.items)));
    // Not readable while its writes are in flight: a short population must never be read as the whole.
    expect(() => [...pb.findings()]).toThrow(/read before its writes were settled/);
    await async_.settle();
    async_.check();
    for (const f of ["0.findings.ndjson", "0.items.ndjson"])
      expect(readFileSync(join(async_.dir, f)).equals(readFileSync(join(sync.dir, f)))).toBe(true);
    const lines = (xs: unknown[]) => xs.map((x) => `${JSON.stringify(x)}\n`).join("");
    expect(readFileSync(join(async_.dir, "0.items.ndjson"), "utf8")).toBe(
      lines(data.flatMap((d) => d.items)),
    );
    expect([...pb.items()]).toEqual(JSON.parse(JSON.stringify(data.flatMap((d) => d.items))));
    expect([...pb.findings()]).toEqual([...pa.findings()]);
    expect(pb.itemKeys).toEqual(pa.itemKeys);
    expect(pb.counts).toEqual(pa.counts);
    sync.discard();
    async_.discard();
  });

  it.skipIf(!linux)("a write that fails on the pool (ENOSPC) fails the run", async () => {
    const s = storeWith({ spillItems: 0, asyncWrites: true });
    mkdirSync(s.dir, { recursive: true });
    // Opening /dev/full succeeds; every write to it fails with ENOSPC, in fs.write's callback.
    symlinkSync("/dev/full", join(s.dir, "0.items.ndjson"));
    const sink = s.sink();
    const d = blocks()[0]!;
    sink.population([sink.write(d.findings, d.items)]);
    expect(() => s.check()).not.toThrow(); // not known yet: the write is in flight
    await s.settle();
    expect(() => s.check()).toThrow(PopulationWriteError);
    expect(() => s.check()).toThrow(/0\.items\.ndjson \(ENOSPC\); no bundle was written/);
    s.discard();
  });

  it.skipIf(!linux)(
    "past its bound the queue writes synchronously, and a failure there fails the run too",
    async () => {
      const s = storeWith({ spillItems: 0, asyncWrites: true, queuedBytes: 1 });
      mkdirSync(s.dir, { recursive: true });
      symlinkSync("/dev/full", join(s.dir, "0.findings.ndjson"));
      const sink = s.sink();
      const d = blocks()[1]!;
      sink.write(d.findings, d.items);
      // Known at once: the write was synchronous.
      expect(() => s.check()).toThrow(/0\.findings\.ndjson \(ENOSPC\)/);
      await s.settle();
      s.discard();
    },
  );

  it.skipIf(!linux)("closes a file only once its writes ended, and leaves no file open", async () => {
    const before = openFds();
    const s = storeWith({ spillItems: 0, asyncWrites: true });
    const sinks = [s.sink(), s.sink(), s.sink()];
    for (const sink of sinks) {
      const blocksOf = blocks().slice(0, 5);
      sink.population(blocksOf.map((d) => sink.write(d.findings, d.items)));
    }
    await s.settle();
    s.check();
    expect(openFds()).toBe(before);
    s.discard();
    expect(readdirSync(dir)).not.toContain(s.dir.split("/").pop());
  });
});

describe("a run with asynchronous population writes", () => {
  it("reads back the results it evaluated in memory", async () => {
    const recording = loadRecordings(["fixtures/aws/demo"]);
    // Event-based controls (streamed scopes) and others (whole scopes).
    const filter = {
      control: [
        "access.aws-iam-no-full-admin-policies",
        "change-management.aws-click-ops-production",
        "change-management.aws-cloudtrail-management-write-events",
        "change-management.aws-config-recorder-all-regions",
      ],
    };
    const memory = await executeRun({ filter, recording });
    const stored = await executeRun({
      filter,
      recording,
      population: storeWith({ spillItems: 0, asyncWrites: true }),
    });
    expect(stored.results.some((r) => r.stored)).toBe(true);
    const readBack = (r: ControlResult) => {
      const p = populationOf(r);
      const { stored: _stored, ...rest } = r;
      return { ...rest, findings: [...p.findings()], items: [...p.items()] };
    };
    expect(stored.results.map(readBack)).toEqual(JSON.parse(JSON.stringify(memory.results)));
  });
});
