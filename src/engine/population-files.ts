/**
 * One pair of a control's population scratch files (findings, items) and the JSON lines appended to them,
 * block by block, at offsets this writer keeps: a block's byte ranges are known as soon as it is appended.
 *
 * Each line is encoded straight into a reused scratch buffer (no string concatenation, no flattening of a
 * concatenated string before its encoding), and the bytes go out with `fs.write`, on libuv's thread pool,
 * when the store's `WriteQueue` is asynchronous: the main thread paced the listing of a million events and
 * spent ≈ 8 s in the concatenation and `writeSync` (docs/performance.md, round 10). The queue is bounded
 * (QUEUED_BYTES): past it the bytes are written at once, synchronously, so memory stays bounded. A file is
 * closed only once none of its writes is in flight (an fd closed under a write could be reused by another
 * file and receive its bytes).
 */
import { closeSync, openSync, write, writeSync } from "node:fs";
import type { Finding, Row } from "../core/types.js";
import { addJsonTopLevelKeys } from "../evidence/json-stream.js";

/** Bytes of a scratch buffer: written out when the next line might not fit. */
const CHUNK_BYTES = 1 << 20;

/** Bytes handed to `fs.write` and not written yet, beyond which a write is synchronous. */
export const QUEUED_BYTES = 32 * 1024 * 1024;

export interface FilePair {
  findings: string;
  items: string;
}

/** Where one block went: byte ranges [start, end) in the two files, and its rows' top-level JSON keys. */
export interface BlockWritten {
  findings: [number, number];
  items: [number, number];
  keys: string[];
}

/** A write or an open failed: `path` is the file, `cause` what the file system said. */
export class BlockFilesError extends Error {
  constructor(
    readonly path: string,
    override readonly cause: unknown,
  ) {
    super(`${path}: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = "BlockFilesError";
  }
}

/**
 * The writes of one store: synchronous, or through libuv's pool (`async`) with the bytes in flight
 * counted. `failed` hears an asynchronous write's failure (a synchronous one throws BlockFilesError).
 */
export class WriteQueue {
  private queued = 0;
  private inFlight = 0;
  private idle: (() => void)[] = [];

  constructor(
    readonly async: boolean,
    private readonly failed: (path: string, cause: unknown) => void,
    private readonly limit = QUEUED_BYTES,
  ) {}

  /** Writes still in flight (a population is not readable before they end). */
  get pending(): number {
    return this.inFlight;
  }

  /** Resolves when no write is in flight. */
  settled(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Writes `bytes` (owned by the queue from now on) at `position`; `done` runs once it is written. */
  write(fd: number, path: string, bytes: Buffer, position: number, done: () => void): void {
    if (!this.async || this.queued + bytes.length > this.limit) {
      try {
        let n = 0;
        while (n < bytes.length) n += writeSync(fd, bytes, n, bytes.length - n, position + n);
      } catch (e) {
        throw new BlockFilesError(path, e);
      } finally {
        done();
      }
      return;
    }
    this.queued += bytes.length;
    this.inFlight++;
    const from = (offset: number) =>
      write(fd, bytes, offset, bytes.length - offset, position + offset, (e, n) => {
        // A short write (rare on a regular file) continues where it stopped.
        if (!e && offset + n < bytes.length) return from(offset + n);
        this.queued -= bytes.length;
        this.inFlight--;
        if (e) this.failed(path, e);
        done();
        if (this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve();
      });
    from(0);
  }
}

export class BlockFiles {
  private fds?: { findings: number; items: number };
  private readonly offsets = { findings: 0, items: 0 };
  /** Writes of these files in flight (the population cannot be read before they end). */
  writing = 0;
  /** Closed once no write is in flight. */
  private closing = false;

  constructor(
    readonly paths: FilePair,
    private readonly queue: WriteQueue,
    /** The store's scratch buffer (one thread fills it, one block at a time). */
    private readonly scratch: Buffer,
  ) {}

  /**
   * Appends the findings and their items (items[i] belongs to findings[i]) as JSON lines. Throws
   * BlockFilesError; the files are then unusable (the run fails).
   */
  append(findings: readonly Finding[], items: readonly Row[]): BlockWritten {
    const keys = new Set<string>();
    const start = { ...this.offsets };
    this.lines("findings", findings, (f) => JSON.stringify(f));
    this.lines("items", items, (item) => {
      addJsonTopLevelKeys(item, keys);
      return JSON.stringify(item);
    });
    return {
      findings: [start.findings, this.offsets.findings],
      items: [start.items, this.offsets.items],
      keys: [...keys],
    };
  }

  /** Closes the files once their writes are done (what was written stays readable by path). */
  close(): void {
    this.closing = true;
    if (this.writing === 0) this.closeNow();
  }

  /**
   * Encodes a line per value into the scratch buffer, written out (a copy: the scratch is reused at once)
   * when the next line might not fit and at the end: at most ≈ 1 MB of one block's text is held at a time.
   */
  private lines<T>(file: keyof FilePair, values: readonly T[], text: (v: T) => string): void {
    const buf = this.scratch;
    let used = 0;
    for (const v of values) {
      const line = text(v);
      // A UTF-16 code unit is at most 3 bytes of UTF-8: `line.length * 3 + 1` bytes always fit the line.
      if (used + line.length * 3 + 1 > buf.length) {
        if (used > 0) this.out(file, Buffer.from(buf.subarray(0, used)));
        used = 0;
        if (line.length * 3 + 1 > buf.length) {
          this.out(file, Buffer.from(`${line}\n`));
          continue;
        }
      }
      used += buf.write(line, used);
      buf[used++] = 10;
    }
    if (used > 0) this.out(file, Buffer.from(buf.subarray(0, used)));
  }

  private out(file: keyof FilePair, bytes: Buffer): void {
    const position = this.offsets[file];
    this.offsets[file] += bytes.length;
    const fd = this.open()[file];
    this.writing++;
    this.queue.write(fd, this.paths[file], bytes, position, () => {
      if (--this.writing === 0 && this.closing) this.closeNow();
    });
  }

  private closeNow(): void {
    if (!this.fds) return;
    const { findings, items } = this.fds;
    this.fds = undefined;
    closeSync(findings);
    closeSync(items);
  }

  private open(): { findings: number; items: number } {
    if (this.fds) return this.fds;
    let findings: number;
    try {
      findings = openSync(this.paths.findings, "w");
    } catch (e) {
      throw new BlockFilesError(this.paths.findings, e);
    }
    try {
      this.fds = { findings, items: openSync(this.paths.items, "w") };
    } catch (e) {
      closeSync(findings);
      // The failure names the findings file, as the store's writes always have.
      throw new BlockFilesError(this.paths.findings, e);
    }
    this.closing = false;
    return this.fds;
  }
}

/** A scratch buffer for BlockFiles (one per store). */
export function scratchBuffer(): Buffer {
  return Buffer.allocUnsafe(CHUNK_BYTES);
}
