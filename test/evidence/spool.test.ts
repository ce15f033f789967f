/**
 * Recorded calls spooled to disk as they complete (src/recording/spool.ts): the bundle is byte-identical to
 * one written from memory, a failed spool write fails the run and leaves nothing, an interrupt removes the
 * spool, secrets never reach it, and the recorder keeps no answer once it is on disk.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it, vi } from "vitest";
import { executeRun, type RunOutcome } from "../../src/engine/execute-run.js";
import { withSpool } from "../../src/evidence/spooled-run.js";
import { readTarGz } from "../../src/evidence/tar.js";
import { DSSE_FILE, SIGNATURE_FILE, writeBundle } from "../../src/evidence/write-bundle.js";
import { type CallEnd, type CallStart, MemoryRecorder, type Recorder } from "../../src/recording/recorder.js";
import { registerSecret } from "../../src/recording/scrub.js";
import { type SpoolFs, SpoolRecorder, SpoolWriteError } from "../../src/recording/spool.js";
import { ROOT } from "../support/cli.js";
import { DEMO_RECORDING, FIXED_CLOCK, tempDir, testSigner } from "./support.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const SIGNATURES = new Set([SIGNATURE_FILE, DSSE_FILE]);
/**
 * Controls of the demo whose calls cover the shapes a bundle keeps: the credential report (base64 bytes),
 * CloudTrail event pages, a denied call (error) and the IAM authorization details.
 */
const DEMO_SUBSET = {
  control: [
    "access.aws-iam-console-mfa",
    "access.aws-iam-password-policy",
    "access.aws-iam-policies-through-groups",
    "change-management.aws-click-ops-production",
  ],
};
const opts = { signer: testSigner(), clock: FIXED_CLOCK, toolCommit: null } as const;

/** Every file under `dir`, by path relative to it. */
function tree(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

/** Feeds the same calls to a MemoryRecorder and to SpoolRecorders: one run, recorded several ways. */
class Tee implements Recorder {
  readonly memory = new MemoryRecorder();
  constructor(readonly spools: [SpoolRecorder, ...SpoolRecorder[]]) {}
  begin(start: CallStart) {
    const ends = [this.memory, ...this.spools].map((r) => r.begin(start));
    return (end: CallEnd) => {
      for (const e of ends) e(end);
    };
  }
  stats() {
    return this.spools[0].stats();
  }
  finish() {
    return this.spools[0].finish();
  }
}

const start = (i: number): CallStart => ({
  provider: "aws",
  service: "IAM",
  operation: "ListUsers",
  account: "111122223333",
  region: "us-east-1",
  input: { Marker: `m${i}` },
});

describe("a spooled run's bundle", () => {
  it("is byte-identical to the bundle of the same calls kept in memory (directory and .tar.gz), and leaves nothing else", async () => {
    // The clock is frozen so that every recorder stamps each call with the same times.
    vi.useFakeTimers({ toFake: ["Date"], now: new Date("2026-11-20T09:00:00.000Z") });
    const out = tempDir();
    const archiveOut = tempDir();
    const archiveSpool = SpoolRecorder.in(archiveOut);
    let tee: Tee | undefined;
    let outcome: RunOutcome;
    try {
      outcome = await withSpool(out, async (recorder) => {
        tee = new Tee([recorder, archiveSpool]);
        return executeRun({ replayDir: DEMO_RECORDING, filter: DEMO_SUBSET, recorder: tee });
      });
    } finally {
      vi.useRealTimers();
    }
    expect(outcome.calls).toEqual([]);
    const spooled = outcome.spooled!;
    const inMemory: RunOutcome = { ...outcome, calls: tee!.memory.all(), spooled: undefined };
    const ops = new Set(inMemory.calls.map((c) => c.operation));
    for (const op of ["GetCredentialReport", "LookupEvents", "GetAccountAuthorizationDetails"])
      expect(ops, op).toContain(op);
    expect(inMemory.calls.some((c) => c.error)).toBe(true);
    expect(inMemory.calls.map((c) => c.seq)).toEqual(spooled.calls.map((c) => c.seq));
    // While the bundle is not written, the output directory holds the spool only.
    expect(readdirSync(out)).toEqual([relative(out, spooled.root)]);

    const memoryOut = tempDir();
    const fromMemory = await writeBundle(inMemory, { ...opts, outDir: memoryOut });
    const fromSpool = await writeBundle(outcome, { ...opts, outDir: out });
    expect(fromSpool.name).toBe(fromMemory.name);
    // Renamed into place: the spool is the bundle now; nothing partial is left.
    expect(readdirSync(out)).toEqual([fromSpool.name]);
    expect(existsSync(spooled.root)).toBe(false);
    const a = tree(fromMemory.path);
    const b = tree(fromSpool.path);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [p, data] of a) if (!SIGNATURES.has(p)) expect(b.get(p)!.equals(data), p).toBe(true);
    expect([...a.keys()].filter((p) => p.startsWith("data/raw/"))).toHaveLength(spooled.calls.length);

    // --archive: the spooled calls are read into the archive, and the spool is removed.
    const memoryArchiveOut = tempDir();
    const archived = { ...outcome, spooled: (await archiveSpool.finish()).spooled };
    const fromSpoolArchive = await writeBundle(archived, { ...opts, outDir: archiveOut, archive: true });
    const fromMemoryArchive = await writeBundle(inMemory, {
      ...opts,
      outDir: memoryArchiveOut,
      archive: true,
    });
    expect(readdirSync(archiveOut)).toEqual([`${fromSpoolArchive.name}.tar.gz`]);
    const entries = (path: string) =>
      new Map(
        readTarGz(readFileSync(path))
          .filter((e) => e.type === "file")
          .map((e) => [e.path.slice(fromMemory.name.length + 1), e.data!]),
      );
    const ta = entries(fromMemoryArchive.path);
    const tb = entries(fromSpoolArchive.path);
    expect([...tb.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [p, data] of ta) if (!SIGNATURES.has(p)) expect(tb.get(p)!.equals(data), p).toBe(true);
  });
});

describe("the writer thread and the main thread at finish", () => {
  it("every call is on disk with the hash and size the manifest gets, whichever thread wrote it", async () => {
    const out = tempDir();
    const recorder = SpoolRecorder.in(out);
    // Enough calls in one turn that the writer is still busy when finish starts writing from the newest.
    for (let i = 0; i < 300; i++) recorder.begin(start(i))({ output: { Users: [{ UserName: `u${i}` }] } });
    const { spooled } = await recorder.finish();
    expect(spooled?.calls.map((c) => c.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    for (const c of spooled!.calls) {
      const bytes = readFileSync(join(recorder.root, c.path));
      expect({ sha256: c.sha256, size: c.size }).toEqual({
        sha256: createHash("sha256").update(bytes).digest("hex"),
        size: bytes.length,
      });
      expect(JSON.parse(bytes.toString("utf8")).input).toEqual({ Marker: `m${c.seq - 1}` });
    }
    await recorder.discard();
  });
});

describe("the writer thread's backlog", () => {
  it("counts what the writer thread has written, not what the main thread has heard back: a busy main thread still hands calls over", async () => {
    const out = tempDir();
    const recorder = SpoolRecorder.in(out);
    const files = () => [...tree(join(recorder.root, "data"))].filter(([, b]) => b.length > 1_000_000);
    const big = "x".repeat(1_100_000);
    // 16 calls of 1.1 M characters (≈ 1.1 MB each serialised): 17.6 MB handed to the writer thread, past the
    // 16 MiB it may have waiting.
    for (let i = 0; i < 16; i++) recorder.begin(start(i))({ output: { Blob: big } });
    await new Promise((resolve) => setImmediate(resolve));
    // The main thread stays busy (it handles no answer) until the writer thread has written all 16.
    const deadline = Date.now() + 30_000;
    while (files().length < 16 && Date.now() < deadline);
    const settle = Date.now() + 200;
    while (Date.now() < settle);
    expect(files()).toHaveLength(16);
    // Nothing waits now, though no answer has been handled: the next call goes to the writer thread too,
    // not to a write on the main thread (which would have put its file on disk before `end` returned).
    recorder.begin(start(16))({ output: { Blob: big } });
    expect(files()).toHaveLength(16);
    const { spooled } = await recorder.finish();
    expect(spooled?.calls).toHaveLength(17);
    expect(files()).toHaveLength(17);
    await recorder.discard();
  });
});

describe("a spool write that fails", () => {
  it("fails the run with a clear message and leaves nothing in the output directory", async () => {
    const out = tempDir();
    const run = withSpool(out, async (recorder) => {
      // A file where the spool's data/ directory must go: every recorded call's write fails (ENOTDIR).
      writeFileSync(join(recorder.root, "data"), "");
      const outcome = await executeRun({
        replayDir: DEMO_RECORDING,
        filter: DEMO_SUBSET,
        recorder,
      });
      return writeBundle(outcome, { ...opts, outDir: out });
    });
    await expect(run).rejects.toBeInstanceOf(SpoolWriteError);
    await expect(run).rejects.toThrow(
      /could not write the recorded call data\/raw\/\S+\.json to the evidence spool .*\.partial-run-\w+ \(.*(ENOTDIR|EEXIST).*\); no bundle was written/,
    );
    expect(readdirSync(out)).toEqual([]);
  });

  it("a write failing mid-run (no space left): later calls are refused, finish rejects, discard removes the spool", async () => {
    const out = tempDir();
    let writes = 0;
    const failing: SpoolFs = {
      writeFileSync: (path, data) => {
        if (++writes === 3)
          throw Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" });
        writeFileSync(path, data);
      },
      mkdirSync: (path) => mkdirSync(path, { recursive: true }),
    };
    const recorder = SpoolRecorder.in(out, { fs: failing });
    for (let i = 0; i < 3; i++) recorder.begin(start(i))({ output: { Users: [] } });
    expect(() => recorder.begin(start(4))).toThrow(SpoolWriteError);
    await expect(recorder.finish()).rejects.toThrow(
      /recorded call data\/raw\/111122223333\/us-east-1\/000003-IAM.ListUsers.json .*ENOSPC: no space left on device\); no bundle was written/,
    );
    await recorder.discard();
    expect(readdirSync(out)).toEqual([]);
  });
  it("a write failing in the writer thread (the path is a directory): finish rejects with it, later calls are refused, discard removes the spool", async () => {
    const out = tempDir();
    const recorder = SpoolRecorder.in(out);
    mkdirSync(join(recorder.root, "data/raw/111122223333/us-east-1/000002-IAM.ListUsers.json"), {
      recursive: true,
    });
    for (let i = 0; i < 3; i++) recorder.begin(start(i))({ output: { Users: [] } });
    await expect(recorder.finish()).rejects.toThrow(
      /recorded call data\/raw\/111122223333\/us-east-1\/000002-IAM.ListUsers.json .*EISDIR.*\); no bundle was written/,
    );
    expect(() => recorder.begin(start(4))).toThrow(SpoolWriteError);
    // (The call after it may be on disk: the main thread writes the newest calls itself while finish waits.
    // Nothing is written once finish has answered, and discard removes it all.)
    await recorder.discard();
    expect(readdirSync(out)).toEqual([]);
  });
});

describe("an interrupted run", () => {
  it("SIGINT while calls are spooled removes the spool and the bundle's partial copy, exit 130", async () => {
    const out = tempDir();
    const script = `
      import { withSpool } from "${ROOT}dist/evidence/spooled-run.js";
      import { removeOnInterrupt } from "${ROOT}dist/evidence/interrupt.js";
      import { mkdirSync } from "node:fs";
      await withSpool(process.argv[1], async (recorder) => {
        recorder.begin({ provider: "aws", service: "IAM", operation: "ListUsers", account: "111122223333",
          region: "us-east-1", input: {} })({ output: { Users: [] } });
        await recorder.finish();
        const partial = process.argv[1] + "/.partial-bundle.tar.gz";
        await removeOnInterrupt(partial, async () => {
          mkdirSync(partial);
          process.stdout.write("spooling\\n");
          await new Promise((r) => setTimeout(r, 30000));
        });
      });`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script, out]);
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
    const [spool] = readdirSync(out).filter((n) => n.startsWith(".partial-run-"));
    expect(existsSync(join(out, spool!, "data/raw/111122223333/us-east-1/000001-IAM.ListUsers.json"))).toBe(
      true,
    );
    child.kill("SIGINT");
    const exit = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
    expect(exit).toBe(130);
    expect(readdirSync(out)).toEqual([]);
  });
});

describe("the spool's contents", () => {
  it("are scrubbed of secrets before they reach the disk", async () => {
    const out = tempDir();
    const known = "kNoWnSeCrEt-0123456789abcdef";
    registerSecret(known);
    const recorder = SpoolRecorder.in(out);
    recorder.begin({ ...start(1), service: "STS", operation: "AssumeRole" })({
      output: {
        Credentials: {
          AccessKeyId: "ASIAABCDEFGHIJKLMNOP",
          SecretAccessKey: "s3cr3t/KEY",
          SessionToken: "tok",
        },
        Note: `key AKIAABCDEFGHIJKLMNOP and ${known}`,
      },
    });
    const { spooled } = await recorder.finish();
    const text = readFileSync(join(spooled!.root, spooled!.calls[0]!.path), "utf8");
    for (const secret of ["ASIAABCDEFGHIJKLMNOP", "AKIAABCDEFGHIJKLMNOP", "s3cr3t/KEY", known])
      expect(text).not.toContain(secret);
    expect(text).toContain("[REDACTED]");
    await recorder.discard();
    expect(readdirSync(out)).toEqual([]);
  });
});

describe("memory", () => {
  /** 200 answers of ≈ 100 kB each (unique strings, so nothing is shared). */
  const answer = (i: number) => ({
    Users: Array.from({ length: 100 }, (_, j) => ({ UserName: `user-${i}-${j}-${"x".repeat(1000)}` })),
  });
  const settle = async () => {
    await new Promise((r) => setTimeout(r, 0)); // WeakRef targets are kept until the current job ends
    gc();
  };

  it("the spool holds no answer (nor its serialised bytes) once the call is on disk; the memory recorder does", async () => {
    const out = tempDir();
    const written: WeakRef<Buffer>[] = [];
    const spy: SpoolFs = {
      writeFileSync: (path, data) => {
        written.push(new WeakRef(data));
        writeFileSync(path, data);
      },
      mkdirSync: (path) => mkdirSync(path, { recursive: true }),
    };
    const outputs: WeakRef<object>[] = [];
    await settle();
    const before = process.memoryUsage().heapUsed;
    const spool = new SpoolRecorder(join(out, "spool"), { fs: spy });
    mkdirSync(spool.root);
    // In a function of its own, so that no variable of this test's frame still points at the last answer.
    const record = (i: number) => {
      const output = answer(i);
      outputs.push(new WeakRef(output));
      spool.begin(start(i))({ output });
    };
    for (let i = 0; i < 200; i++) record(i);
    await spool.finish();
    await settle();
    const spoolGrowth = process.memoryUsage().heapUsed - before;
    expect(written).toHaveLength(200);
    expect(written.filter((r) => r.deref() !== undefined)).toHaveLength(0);
    expect(outputs.filter((r) => r.deref() !== undefined)).toHaveLength(0);

    // The same answers kept in memory: the recorder's stored copies stay alive (the check can fail).
    const memory = new MemoryRecorder();
    for (let i = 0; i < 200; i++) memory.begin(start(i))({ output: answer(i) });
    const stored = memory.all().map((c) => new WeakRef(c.output as object));
    await settle();
    const memoryGrowth = process.memoryUsage().heapUsed - before;
    expect(stored.filter((r) => r.deref() !== undefined)).toHaveLength(200);
    expect(memory.stats().calls).toBe(200);
    // ≈ 20 MB of answers: the memory recorder holds them, the spool only their paths and hashes.
    expect(memoryGrowth - spoolGrowth).toBeGreaterThan(15_000_000);
    expect(spoolGrowth).toBeLessThan(3_000_000);
    expect(spool.stats()).toEqual({ calls: 200, errors: 0, retries: 0, throttled: 0 });
  });
});
