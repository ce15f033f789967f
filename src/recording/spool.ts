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
 * Writes are synchronous, one call at a time, as the call completes: nothing waits in a queue, so memory
 * holds at most the one call being written (backpressure by construction: the event loop, and with it
 * every other call, waits for the disk). Measured on org-50 (30,223 calls, docs/performance.md): writes
 * through libuv's thread pool, 16 in flight, cost 25 % more CPU than keeping the calls in memory (each of
 * the 90,000 open / write / close steps wakes a pool thread and the loop again); synchronous writes of
 * these small files (page cache) cost no more than it (2 pairs: 0.58–0.94). `end` is synchronous anyway (the
 * providers' middleware does not await it), so an asynchronous write could not hold the producer back.
 *
 * Failure: the first failed write is kept; every later `begin` throws it (so the run's remaining calls fail
 * at once instead of running for an hour), and `finish` rejects with it. A bundle is never written with a
 * call missing. The caller removes the spool on failure and on interrupt (evidence/interrupt.ts).
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { type RecordedCall, recordedCallBytes, recordedCallPath } from "./format.js";
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
  fs?: SpoolFs;
}

export class SpoolRecorder implements Recorder {
  private seq = 0;
  private readonly entries: SpooledCall[] = [];
  private readonly counts = new CallCounts();
  private readonly dirs = new Set<string>();
  private readonly fs: SpoolFs;
  private failure: SpoolWriteError | undefined;
  private discarded = false;

  /** `root` must exist and be empty (see `SpoolRecorder.in`). */
  constructor(
    readonly root: string,
    opts: SpoolOptions = {},
  ) {
    this.fs = opts.fs ?? NODE_FS;
  }

  /**
   * A new spool in `outDir` (the bundle's output directory, so the finished bundle moves by rename). Made
   * with mkdir, not mkdtemp: the spool becomes the bundle's directory, whose mode is the umask's as before
   * (mkdtemp's is 0700).
   */
  static in(outDir: string, opts?: SpoolOptions): SpoolRecorder {
    const root = join(outDir, `.partial-run-${randomBytes(6).toString("hex")}`);
    mkdirSync(root);
    return new SpoolRecorder(root, opts);
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
    const bytes = recordedCallBytes(call);
    this.entries.push({
      seq: call.seq,
      path,
      sha256: createHash("sha256").update(bytes).digest("hex"),
      size: bytes.length,
    });
    const abs = join(this.root, path);
    try {
      const dir = dirname(abs);
      if (!this.dirs.has(dir)) {
        this.fs.mkdirSync(dir);
        this.dirs.add(dir);
      }
      this.fs.writeFileSync(abs, bytes);
    } catch (e) {
      this.failure = new SpoolWriteError(path, this.root, e);
    }
  }

  stats(): RecorderStats {
    return this.counts.get();
  }

  /** The spooled calls, or the first write failure. */
  async finish(): Promise<RecordedCalls> {
    if (this.failure) throw this.failure;
    if (this.discarded) throw new Error(`the evidence spool ${this.root} was removed`);
    return {
      calls: [],
      spooled: { root: this.root, calls: [...this.entries].sort((a, b) => a.seq - b.seq) },
    };
  }

  /** Removes the spool (a failed or abandoned run). Later calls are refused. */
  async discard(): Promise<void> {
    this.discarded = true;
    rmSync(this.root, { recursive: true, force: true, maxRetries: 3 });
  }
}
