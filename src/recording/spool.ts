/**
 * A recorder that writes each call to disk as it completes (issue 14's "stream recorded calls to disk"), for
 * runs that write a bundle. The spool is the bundle's own temporary directory: `<out>/.partial-run-XXXXXX/`
 * holds `data/raw/<account>/<region>/<seq>-<Service>.<Operation>.json` — the exact bytes the bundle keeps
 * (`recordedCallBytes`) — and the bundle writer adds the other files next to them and renames the directory
 * into place (same filesystem: one rename, nothing copied). What stays in memory per call is its path,
 * SHA-256 and size (the manifests, Payload-Oxum and the reports' file lists), and the counts of run.json.
 *
 * Secrets: a call is converted and scrubbed (`recordedCall`) before it is serialised, so no secret reaches
 * even the spool.
 *
 * Writes leave the main thread: the file's text goes to a worker thread (started with the spool),
 * which encodes, hashes and writes it (open / write / close, synchronously there) while the run goes on.
 * Creating ≈ 1,000 small files is mostly the kernel's time (≈ 0.3 s of a warm demo's main thread before,
 * docs/performance.md round 6); on a second core it overlaps the run. Not libuv's pool: writes through it,
 * 16 in flight, cost 25 % more CPU at org-50 (each of the 90,000 open / write / close steps wakes a pool
 * thread and the loop again); here one message carries every call completed in one turn of the event loop,
 * and the worker answers once per message. Memory: at most WRITER_BACKLOG characters (16 M) wait for the worker;
 * past that, a call is written on the main thread at once (as before, which holds the producer back). What
 * waits is counted from a counter the worker adds each written call to (shared memory, read at once), not
 * from its answers: a busy main thread handles an answer only at its next turn of the event loop, and an
 * organization run's turns are long (dozens of 75 kB pages each); counting answers kept the backlog
 * looking full while the worker idled, and the main thread wrote 40–50 % of the pages itself (≈ 9 s of
 * its CPU at events-org-50x4, docs/performance.md). The main thread keeps a call's text until the writer
 * thread has claimed it (the claim slots below), so the texts it holds stay within the same bound.
 * With an injected `fs` (tests), every write is synchronous on the main thread.
 *
 * Failure: the first failed write is kept (the worker's arrives with its answer, within a turn or two of the
 * event loop); every later `begin` throws it (so the run's remaining calls fail at once instead of running
 * for an hour), and `finish` — which waits for every write to be on disk — rejects with it. A bundle is never
 * written with a call missing, and nothing is renamed into place before `finish` resolved. The caller removes
 * the spool on failure and on interrupt (evidence/interrupt.ts); the worker writes no file after its first
 * failure and creates no directory, so nothing it does can bring a removed spool back.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Worker } from "node:worker_threads";
import { type RecordedCall, recordedCallBytes, recordedCallPath, recordedCallText } from "./format.js";
import {
  CallCounts,
  type CallEnd,
  type CallStart,
  type RecordedCalls,
  type Recorder,
  type RecorderStats,
  recordedCall,
} from "./recorder.js";

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

/** Characters of calls waiting for the writer thread beyond which a call is written on the main thread. */
const WRITER_BACKLOG = 16 * 1024 * 1024;
/** The writer thread answers after every this many characters written (and at the end of a message). */
const ANSWER_CHARS = 2 * 1024 * 1024;

/**
 * The writer thread's code (CommonJS, started with `eval`, so there is no file to find next to this module,
 * bundled or not). A message is a flat list [seq, path, text, …]; the answer lists [seq, sha256, size, …]
 * of the files written, and the first failure (after which nothing more is written). `workerData.written`
 * (shared): the characters of the calls written so far, modulo 2^32.
 */
const WRITER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const written = workerData.written;
const { writeFileSync } = require("node:fs");
const { createHash } = require("node:crypto");
let failed = false;
parentPort.on("message", (msg) => {
  if (msg === "drain") return parentPort.postMessage("drained");
  const { calls: m, claims } = msg;
  let done = [];
  let chars = 0;
  for (let i = 0; i < m.length && !failed; i += 3) {
    // A call the main thread has claimed (it writes the last ones itself while it waits in finish).
    if (Atomics.compareExchange(claims, i / 3, 0, 1) !== 0) continue;
    try {
      const bytes = Buffer.from(m[i + 2]);
      writeFileSync(m[i + 1], bytes);
      done.push(m[i], createHash("sha256").update(bytes).digest("hex"), bytes.length);
      Atomics.add(written, 0, m[i + 2].length);
      chars += m[i + 2].length;
      m[i + 2] = undefined;
      // Answers as it goes (a message may hold a turn's hundreds of pages), so the texts are let go of.
      if (chars >= ${ANSWER_CHARS}) {
        parentPort.postMessage({ done });
        done = [];
        chars = 0;
      }
    } catch (e) {
      failed = true;
      return parentPort.postMessage({ done, failed: m[i], reason: e instanceof Error ? e.message : String(e) });
    }
  }
  parentPort.postMessage({ done });
});
`;

interface WriterAnswer {
  done: (number | string)[];
  failed?: number;
  reason?: string;
}

/** A call handed to the writer thread, until its answer comes back. */
interface InFlight {
  entry: SpooledCall;
  chars: number;
  abs: string;
  /** Kept until the writer thread has claimed the call (then undefined). */
  text: string | undefined;
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
  /** Calls of this turn of the event loop, not yet posted: [seq, absolute path, text, …]. */
  private batch: (number | string)[] = [];
  private batchScheduled = false;
  private readonly inFlight = new Map<number, InFlight>();
  /** Characters of the texts `inFlight` still keeps. */
  private heldChars = 0;
  /**
   * Characters of the calls handed to the writer thread (or claimed back by the main thread), and the
   * characters it has written plus those claimed back (shared with it), both modulo 2^32: their difference
   * is what is still waiting, as of now.
   */
  private handedChars = 0;
  private readonly writtenChars = new Int32Array(new SharedArrayBuffer(4));
  private drained: (() => void) | undefined;

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
    // second core) then overlaps the engine's and the SDK's loading on the main thread instead of the
    // run, so it is ready when the calls come (docs/performance.md, round 7).
    if (!opts?.fs) spool.writer();
    return spool;
  }

  begin(start: CallStart): (end: CallEnd) => void {
    // A call started after the spool failed could not be kept as evidence: fail it now.
    if (this.failure) throw this.failure;
    if (this.discarded) throw new Error(`the evidence spool ${this.root} was removed`);
    const seq = ++this.seq;
    const startedAt = new Date().toISOString();
    return (end) => this.spool(recordedCall(seq, start, end, startedAt));
  }

  private spool(call: RecordedCall): void {
    this.counts.add(call);
    if (this.failure || this.discarded) return;
    const path = `data/${recordedCallPath(call)}`;
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
      this.waitingChars() > WRITER_BACKLOG ||
      (this.heldChars > WRITER_BACKLOG && this.releaseClaimed() > WRITER_BACKLOG)
    ) {
      this.writeHere(call.seq, path, abs, recordedCallBytes(call));
      return;
    }
    const text = recordedCallText(call);
    const entry: SpooledCall = { seq: call.seq, path, sha256: "", size: 0 };
    this.entries.push(entry);
    this.inFlight.set(call.seq, { entry, chars: text.length, abs, text, slot: 0 });
    this.heldChars += text.length;
    this.handedChars = (this.handedChars + text.length) | 0;
    this.batch.push(call.seq, abs, text);
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

  /** Characters handed to the writer thread that it has not written yet (exact while below 2^31). */
  private waitingChars(): number {
    return (this.handedChars - Atomics.load(this.writtenChars, 0)) | 0;
  }

  /**
   * Lets go of the texts of the calls the writer thread has claimed (it has its own copy), and returns the
   * characters still kept. Answers release them too, but only at the main thread's next turn.
   */
  private releaseClaimed(): number {
    for (const f of this.inFlight.values())
      if (f.text !== undefined && f.claims && Atomics.load(f.claims, f.slot) === 1) {
        f.text = undefined;
        this.heldChars -= f.chars;
      }
    return this.heldChars;
  }

  /** Writes one call on the main thread (injected fs, or the writer thread's backlog is full). */
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

  /** Hands this turn's calls to the writer thread (started on first use). */
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
    this.writer().postMessage({ calls: batch, claims });
  }

  /**
   * While `finish` would only wait, the main thread writes the calls the writer thread has not reached yet,
   * newest first (the writer goes oldest first; a shared claim slot per call says who writes it, so each
   * file is written once). The wait at the end of a run is then about half the writer's backlog, not all of
   * it: under load the writer thread fell 0.05–0.4 s behind a warm demo (docs/performance.md, round 7).
   */
  private writeBacklogHere(): void {
    const waiting = [...this.inFlight.values()].reverse();
    for (const f of waiting) {
      if (this.failure) return;
      if (!f.claims || Atomics.compareExchange(f.claims, f.slot, 0, 2) !== 0) continue;
      // Unclaimed until now, so its text was kept.
      const bytes = Buffer.from(f.text!);
      f.entry.sha256 = createHash("sha256").update(bytes).digest("hex");
      f.entry.size = bytes.length;
      this.inFlight.delete(f.entry.seq);
      this.heldChars -= f.chars;
      Atomics.add(this.writtenChars, 0, f.chars);
      try {
        NODE_FS.writeFileSync(f.abs, bytes);
      } catch (e) {
        this.failure = new SpoolWriteError(f.entry.path, this.root, e);
      }
    }
  }

  private writer(): Worker {
    if (this.worker) return this.worker;
    // No inherited execArgv: `--input-type=module` would make the CommonJS source an ES module.
    const worker = new Worker(WRITER_SOURCE, {
      eval: true,
      execArgv: [],
      workerData: { written: this.writtenChars },
    });
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
      if (f.text !== undefined) this.heldChars -= f.chars;
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
