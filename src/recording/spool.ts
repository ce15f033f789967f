/**
 * A recorder that writes each call to disk as it completes (issue 14's "stream recorded calls to disk"), for
 * runs that write a bundle. The spool is the bundle's own temporary directory: `<out>/.partial-run-XXXXXX/`
 * holds `data/raw/<account>/<region>/<seq>-<Service>.<Operation>.json` — the exact bytes the bundle keeps
 * (`recordedCallBytes`) — and the bundle writer adds the other files next to them and renames the directory
 * into place (same filesystem: one rename, nothing copied). What stays in memory per call is its path,
 * SHA-256 and size (the manifests, Payload-Oxum and the reports' file lists), and the counts of run.json.
 *
 * Secrets: a call is converted and scrubbed (`recordedCall`) before it is serialised, so no secret reaches
 * even the spool. The call's raw parts (the SDK's output as it was when the call ended) cross to the writer
 * thread in memory only, and the secrets registered on the main thread go with them (spool-writer.ts).
 *
 * Conversion and writes leave the main thread: when a call ends, its raw parts are serialised
 * (`v8.serialize`, the structured-clone format: ≈ 1/5 of converting, scrubbing and serialising a 75 kB
 * LookupEvents page as JSON, docs/performance.md round 9) and go to a worker thread (spool-writer.ts, started
 * with the spool), which converts them with the main thread's own code, and encodes, hashes and writes the
 * file (open / write / close, synchronously there) while the run goes on. The snapshot is taken when the
 * call ends, as the conversion was: what a caller does to the output afterwards is not recorded. A call whose
 * parts cannot be serialised (a function or a symbol in them, a host object) is converted and written on the
 * main thread, as before. Creating ≈ 1,000 small files is mostly the kernel's time (≈ 0.3 s of a warm demo's
 * main thread, docs/performance.md round 6); on a second core it overlaps the run. Not libuv's pool: writes
 * through it, 16 in flight, cost 25 % more CPU at org-50 (each of the 90,000 open / write / close steps wakes
 * a pool thread and the loop again); here one message carries up to POST_EVERY calls completed in one turn of
 * the event loop. Memory: at most WRITER_BACKLOG bytes (16 MB) of serialised calls wait for the worker; past
 * that, a call is converted and written on the main thread at once (which holds the producer back). What
 * waits is counted from a counter the worker adds each written call to (shared memory, read at once), not
 * from its answers: a busy main thread handles an answer only at its next turn of the event loop, and an
 * organization run's turns are long (dozens of 75 kB pages each); counting answers kept the backlog
 * looking full while the worker idled, and the main thread wrote 40–50 % of the pages itself (≈ 9 s of
 * its CPU at events-org-50x4, docs/performance.md). The main thread keeps a call's serialised parts until
 * the writer thread has claimed it (the claim slots below), so what it holds stays within the same bound.
 * With an injected `fs` (tests), every call is converted and written synchronously on the main thread.
 *
 * Failure: the first failed write is kept (the worker's arrives with its answer, within a turn or two of the
 * event loop); every later `begin` throws it (so the run's remaining calls fail at once instead of running
 * for an hour), and `finish` — which waits for every write to be on disk — rejects with it. A bundle is never
 * written with a call missing, and nothing is renamed into place before `finish` resolved. The caller removes
 * the spool on failure and on interrupt (evidence/interrupt.ts); the worker writes no file after its first
 * failure and creates no directory, so nothing it does can bring a removed spool back.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { serialize } from "node:v8";
import { Worker } from "node:worker_threads";
import { recordedCallBytes, recordedCallPath } from "./format.js";
import {
  CallCounts,
  type CallEnd,
  type CallStart,
  type RecordedCalls,
  type Recorder,
  type RecorderStats,
  recordedAccount,
  recordedCall,
} from "./recorder.js";
import { secretsSince } from "./scrub.js";
import { type CallParts, convertedCall, type WriterAnswer, type WriterMessage } from "./spool-writer.js";

/** One spooled call: where its file is (relative to the bag root) and what the manifest says of it. */
export interface SpooledCall {
  seq: number;
  /** data/raw/…, as in the bundle. */
  path: string;
  sha256: string;
  size: number;
}

export interface SpooledCalls {
  /** The spool directory: the bundle's root while it is being written (files under data/raw/). */
  root: string;
  /** In issue order. */
  calls: SpooledCall[];
}

export class SpoolWriteError extends Error {
  constructor(path: string, root: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      `could not write the recorded call ${path} to the evidence spool ${root} (${reason}); no bundle was written`,
    );
    this.name = "SpoolWriteError";
  }
}

/** The file operations the spool uses (tests inject a failing one). */
export interface SpoolFs {
  writeFileSync(path: string, data: Buffer): void;
  mkdirSync(path: string): void;
}

const NODE_FS: SpoolFs = {
  writeFileSync: (path, data) => writeFileSync(path, data),
  mkdirSync: (path) => {
    mkdirSync(path, { recursive: true });
  },
};

export interface SpoolOptions {
  /** Synchronous file operations on the main thread instead of the writer thread (tests inject failures). */
  fs?: SpoolFs;
}

/**
 * Calls posted to the writer thread together, at the latest (else at the end of the event loop's turn): a
 * turn can hold a whole replay (see `spool`).
 */
const POST_EVERY = 32;

/** Bytes of serialised calls waiting for the writer thread beyond which a call is written on the main thread. */
const WRITER_BACKLOG = 16 * 1024 * 1024;

/**
 * How the writer thread is started. Its module is a file of its own next to this one: dist/recording/
 * spool-writer.js, bundled or not (the bundle rewrites `import.meta.url` to this module's own file in dist/,
 * scripts/bundle-cli.mjs), so it loads the same conversion code as the main thread's. Tests run this module
 * from src/ (vitest): there the writer is spool-writer.ts, loaded through tsx (a dev dependency).
 */
function startWriter(workerData: object): Worker {
  const here = import.meta.url;
  // No inherited execArgv: the run's `--cpu-prof` and the like are the main thread's.
  if (!here.endsWith(".ts"))
    return new Worker(new URL("./spool-writer.js", here), { execArgv: [], workerData });
  const file = JSON.stringify(new URL("./spool-writer.ts", here).href);
  // tsx's ES module API (its CommonJS one loads the ES one from a path that does not exist), found from here.
  const pkg = createRequire(here).resolve("tsx/package.json");
  const api = (JSON.parse(readFileSync(pkg, "utf8")) as TsxPackage).exports["./esm/api"].import.default;
  const tsx = JSON.stringify(new URL(api, pathToFileURL(pkg)).href);
  return new Worker(`import(${tsx}).then(({ register }) => { register(); return import(${file}); });`, {
    eval: true,
    execArgv: [],
    workerData,
  });
}

interface TsxPackage {
  exports: { "./esm/api": { import: { default: string } } };
}

/** A call handed to the writer thread, until its answer comes back. */
interface InFlight {
  entry: SpooledCall;
  bytes: number;
  abs: string;
  /**
   * Its serialised parts, kept until the writer thread has claimed the call (then undefined); the message
   * carries a copy (posting a 75 kB page measured ≈ 13 µs, against 18 µs in a SharedArrayBuffer made for
   * it; a transfer would leave the main thread nothing for `finish`).
   */
  raw: Uint8Array | undefined;
  /** Its message's claim slots (shared with the writer thread) and its slot: 0 free, 1 writer, 2 main thread. */
  claims?: Int32Array;
  slot: number;
}

export class SpoolRecorder implements Recorder {
  private seq = 0;
  private readonly entries: SpooledCall[] = [];
  private readonly counts = new CallCounts();
  private readonly dirs = new Set<string>();
  /** Injected file operations: every write synchronous on the main thread. */
  private readonly fs: SpoolFs | undefined;
  private failure: SpoolWriteError | undefined;
  private discarded = false;
  private worker: Worker | undefined;
  /** Calls of this turn of the event loop, not yet posted: [seq, absolute path, serialised parts, …]. */
  private batch: (number | string | Uint8Array)[] = [];
  private batchScheduled = false;
  /** Secrets (scrub.ts `secretsSince`) already sent to the writer thread. */
  private secretsSent = 0;
  private readonly inFlight = new Map<number, InFlight>();
  /** Bytes of the serialised calls `inFlight` still keeps. */
  private heldBytes = 0;
  /**
   * Bytes of the calls handed to the writer thread (or claimed back by the main thread), and the bytes it
   * has written plus those claimed back (shared with it), both modulo 2^32: their difference is what is
   * still waiting, as of now.
   */
  private handedBytes = 0;
  private readonly writtenBytes = new Int32Array(new SharedArrayBuffer(4));
  private drained: (() => void) | undefined;
  /** Calls converted on the main thread (a full backlog, parts not serialisable, claimed in `finish`): tests. */
  convertedHere = 0;

  /** `root` must exist and be empty (see `SpoolRecorder.in`). */
  constructor(
    readonly root: string,
    opts: SpoolOptions = {},
  ) {
    this.fs = opts.fs;
  }

  /**
   * A new spool in `outDir` (the bundle's output directory, so the finished bundle moves by rename). Made
   * with mkdir, not mkdtemp: the spool becomes the bundle's directory, whose mode is the umask's as before
   * (mkdtemp's is 0700).
   */
  static in(outDir: string, opts?: SpoolOptions): SpoolRecorder {
    const root = join(outDir, `.partial-run-${randomBytes(6).toString("hex")}`);
    mkdirSync(root);
    const spool = new SpoolRecorder(root, opts);
    // The writer thread starts now, not with the first call: its own start-up (a Node environment on the
    // second core, and the conversion modules) then overlaps the engine's and the SDK's loading on the main
    // thread instead of the run, so it is ready when the calls come (docs/performance.md, round 7).
    if (!opts?.fs) spool.writer();
    return spool;
  }

  begin(start: CallStart): (end: CallEnd) => void {
    // A call started after the spool failed could not be kept as evidence: fail it now.
    if (this.failure) throw this.failure;
    if (this.discarded) throw new Error(`the evidence spool ${this.root} was removed`);
    const seq = ++this.seq;
    const startedAt = new Date().toISOString();
    return (end) => this.spool({ seq, start, end, startedAt, endedAt: new Date().toISOString() });
  }

  private spool(parts: CallParts): void {
    const { seq, start, end } = parts;
    this.counts.add(end);
    if (this.failure || this.discarded) return;
    const path = `data/${recordedCallPath({ seq, account: recordedAccount(start, end), region: start.region, service: start.service, operation: start.operation })}`;
    const abs = join(this.root, path);
    try {
      const dir = dirname(abs);
      if (!this.dirs.has(dir)) {
        (this.fs ?? NODE_FS).mkdirSync(dir);
        this.dirs.add(dir);
      }
    } catch (e) {
      this.failure = new SpoolWriteError(path, this.root, e);
      return;
    }
    if (
      this.fs ||
      this.waitingBytes() > WRITER_BACKLOG ||
      (this.heldBytes > WRITER_BACKLOG && this.releaseClaimed() > WRITER_BACKLOG)
    ) {
      this.convertHere(parts, path, abs);
      return;
    }
    // The serialised copy converts as the original would (own enumerable members, Dates, bytes, holes) with
    // one exception: an Error inside the parts comes back without its own members (`code`…). API answers
    // hold none (a failed call is recorded as a RecordedError, a plain object).
    let raw: Uint8Array;
    try {
      raw = serialize(parts);
    } catch {
      // Not serialisable (a function or symbol in the output, a host object): converted here, as before.
      this.convertHere(parts, path, abs);
      return;
    }
    const entry: SpooledCall = { seq, path, sha256: "", size: 0 };
    this.entries.push(entry);
    this.inFlight.set(seq, { entry, bytes: raw.length, abs, raw, slot: 0 });
    this.heldBytes += raw.length;
    this.handedBytes = (this.handedBytes + raw.length) | 0;
    this.batch.push(seq, abs, raw);
    // A replay completes its calls in promise callbacks only: a whole demo's 842 calls came in one turn of
    // the event loop, so the writer thread got nothing before `finish` (docs/performance.md, round 8).
    // A full batch goes at once, without waiting for the turn to end.
    if (this.batch.length >= POST_EVERY * 3) {
      this.post();
      return;
    }
    if (!this.batchScheduled) {
      this.batchScheduled = true;
      setImmediate(() => this.post());
    }
  }

  /** Bytes handed to the writer thread that it has not written yet (exact while below 2^31). */
  private waitingBytes(): number {
    return (this.handedBytes - Atomics.load(this.writtenBytes, 0)) | 0;
  }

  /**
   * Lets go of the serialised calls the writer thread has claimed (it has its own copy), and returns the
   * bytes still kept. Answers release them too, but only at the main thread's next turn.
   */
  private releaseClaimed(): number {
    for (const f of this.inFlight.values())
      if (f.raw !== undefined && f.claims && Atomics.load(f.claims, f.slot) === 1) {
        f.raw = undefined;
        this.heldBytes -= f.bytes;
      }
    return this.heldBytes;
  }

  /** Converts and writes one call on the main thread (injected fs, a full backlog, parts not serialisable). */
  private convertHere(parts: CallParts, path: string, abs: string): void {
    const { seq, start, end, startedAt, endedAt } = parts;
    this.convertedHere++;
    this.writeHere(seq, path, abs, recordedCallBytes(recordedCall(seq, start, end, startedAt, endedAt)));
  }

  private writeHere(seq: number, path: string, abs: string, bytes: Buffer): void {
    this.entries.push({
      seq,
      path,
      sha256: createHash("sha256").update(bytes).digest("hex"),
      size: bytes.length,
    });
    try {
      (this.fs ?? NODE_FS).writeFileSync(abs, bytes);
    } catch (e) {
      this.failure = new SpoolWriteError(path, this.root, e);
    }
  }

  /** Hands this turn's calls to the writer thread, with the secrets registered since the last message. */
  private post(): void {
    this.batchScheduled = false;
    if (this.batch.length === 0 || this.discarded) return;
    const batch = this.batch;
    this.batch = [];
    const claims = new Int32Array(new SharedArrayBuffer(4 * (batch.length / 3)));
    for (let i = 0; i < batch.length; i += 3) {
      const f = this.inFlight.get(batch[i] as number)!;
      f.claims = claims;
      f.slot = i / 3;
    }
    // Every secret registered before a call of this batch ended is among them: the batch was made after.
    const secrets = secretsSince(this.secretsSent);
    this.secretsSent += secrets.length;
    const message: WriterMessage = { calls: batch, claims, secrets };
    this.writer().postMessage(message);
  }

  /**
   * While `finish` would only wait, the main thread converts and writes the calls the writer thread has not
   * reached yet, newest first (the writer goes oldest first; a shared claim slot per call says who writes
   * it, so each file is written once). The wait at the end of a run is then about half the writer's
   * backlog, not all of it: under load the writer thread fell 0.05–0.4 s behind a warm demo
   * (docs/performance.md, round 7). The main thread's scrubber knows every secret the writer's does.
   */
  private writeBacklogHere(): void {
    const waiting = [...this.inFlight.values()].reverse();
    for (const f of waiting) {
      if (this.failure) return;
      if (!f.claims || Atomics.compareExchange(f.claims, f.slot, 0, 2) !== 0) continue;
      // Unclaimed until now, so its parts were kept.
      this.inFlight.delete(f.entry.seq);
      this.heldBytes -= f.bytes;
      Atomics.add(this.writtenBytes, 0, f.bytes);
      this.convertedHere++;
      try {
        const bytes = convertedCall(f.raw!);
        f.entry.sha256 = createHash("sha256").update(bytes).digest("hex");
        f.entry.size = bytes.length;
        NODE_FS.writeFileSync(f.abs, bytes);
      } catch (e) {
        this.failure = new SpoolWriteError(f.entry.path, this.root, e);
      }
      f.raw = undefined;
    }
  }

  private writer(): Worker {
    if (this.worker) return this.worker;
    const worker = startWriter({ spoolWriter: true, written: this.writtenBytes });
    // Idle, it keeps nothing alive; `finish` holds the process open while it waits for the writes.
    worker.unref();
    worker.on("message", (m: WriterAnswer | "drained") => {
      if (m === "drained") {
        this.drained?.();
        return;
      }
      this.written(m);
    });
    worker.on("error", (e) => this.writerFailed(e));
    worker.on("exit", (code) => {
      if (!this.discarded && (this.inFlight.size > 0 || this.drained))
        this.writerFailed(new Error(`the spool's writer thread stopped (exit code ${code})`));
    });
    this.worker = worker;
    return worker;
  }

  private written(m: WriterAnswer): void {
    for (let i = 0; i < m.done.length; i += 3) {
      const seq = m.done[i] as number;
      const f = this.inFlight.get(seq)!;
      f.entry.sha256 = m.done[i + 1] as string;
      f.entry.size = m.done[i + 2] as number;
      if (f.raw !== undefined) this.heldBytes -= f.bytes;
      this.inFlight.delete(seq);
    }
    if (m.failed !== undefined && !this.failure) {
      const f = this.inFlight.get(m.failed)!;
      this.failure = new SpoolWriteError(f.entry.path, this.root, new Error(m.reason));
    }
  }

  private writerFailed(e: unknown): void {
    const first = this.inFlight.values().next().value as InFlight | undefined;
    this.failure ??= new SpoolWriteError(first?.entry.path ?? "(unknown)", this.root, e);
    this.drained?.();
  }

  /** Resolves when every call handed to the writer thread has been answered (written or failed). */
  private async drain(): Promise<void> {
    this.post();
    const worker = this.worker;
    if (!worker || this.failure) return;
    this.writeBacklogHere();
    if (this.failure) return;
    worker.ref();
    try {
      await new Promise<void>((resolve) => {
        this.drained = resolve;
        worker.postMessage("drain");
      });
    } finally {
      this.drained = undefined;
      worker.unref();
    }
  }

  stats(): RecorderStats {
    return this.counts.get();
  }

  /** The spooled calls, once every one is on disk; or the first write failure. */
  async finish(): Promise<RecordedCalls> {
    await this.drain();
    if (this.failure) throw this.failure;
    if (this.discarded) throw new Error(`the evidence spool ${this.root} was removed`);
    void this.worker?.terminate();
    this.worker = undefined;
    return {
      calls: [],
      spooled: { root: this.root, calls: [...this.entries].sort((a, b) => a.seq - b.seq) },
    };
  }

  /** Removes the spool (a failed or abandoned run), once the writer thread has stopped. Later calls are refused. */
  async discard(): Promise<void> {
    this.discarded = true;
    this.batch = [];
    await this.worker?.terminate();
    this.worker = undefined;
    rmSync(this.root, { recursive: true, force: true, maxRetries: 3 });
  }
}
