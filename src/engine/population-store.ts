/**
 * Population rows leave the heap during the run (issues 11 and 14). A run that writes a bundle keeps, per
 * control, only what the verdict and the console need — counts by status, the rows' keys (the population
 * CSV's columns), the errors — and appends each scope's findings and rows, as JSON lines, to a scratch file
 * as soon as the scope is evaluated. The bundle writer, the console and `--json` read them back in the
 * result's order through the result's `Population` handle (`populationOf`).
 *
 * Why: a million-event organization run held ≈ 1.5 kB of rows and findings per event until the bundle was
 * written (1.45 GB of heap), and the collector's time over that heap was a share of the run's CPU. The rows'
 * JSON copy is what the bundle needs of them anyway (its documents are made of the rows' JSON), so writing
 * it during the run adds one serialisation and one parse per pass, not a conversion the bundle did not do.
 *
 * Layout: `<spool>.population/<n>.findings.ndjson` and `<n>.items.ndjson` per control (two files, so the
 * passes that read only findings — results.json, exceptions.csv, the HTML report, the console — do not parse
 * the rows). A scope is written as one block at the end of the file when it is evaluated; scopes arrive in
 * any order, so the handle keeps each block's byte range and reads the blocks in the result's order
 * (account, region, arrival) — the bytes of every document are those of the in-memory result's.
 *
 * Small populations stay in memory (a control writes nothing until it holds more than SPILL_ITEMS items):
 * a file per control would cost the demo's 123 controls more than their rows weigh.
 *
 * The directory is beside the spool, not in it: it is never in the bundle (nor in its manifests), and the
 * console and `--json` still read it after the spool has been renamed into the finished bundle. It is
 * removed when the run's output is printed, and with the spool on failure and on SIGINT / SIGTERM
 * (evidence/spooled-run.ts). A failed write fails the run (`check`): no bundle is written from a
 * population that is not all on disk.
 */
import { closeSync, mkdirSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { ControlResult, Finding, FindingStatus, Population, Row } from "../core/types.js";
import { addJsonTopLevelKeys, LazyArray, RawJson } from "../evidence/json-stream.js";
import { BATCH_RECORDS, jsonLines } from "./json-lines.js";

/** Items a control holds in memory before it writes its population to the scratch file. */
export const SPILL_ITEMS = 2_000;

/** Characters of JSON lines written to the scratch file at a time. */
const WRITE_CHARS = 1 << 20;

/** Bytes read from the scratch file at a time. */
const READ_BYTES = 1 << 20;

/** The scratch file could not be written: the run fails and no bundle is written. */
export class PopulationWriteError extends Error {
  constructor(path: string, cause: unknown) {
    const reason = (cause as NodeJS.ErrnoException)?.code ?? (cause as Error)?.message ?? String(cause);
    super(`could not write the population scratch file ${path} (${reason}); no bundle was written`, {
      cause,
    });
    this.name = "PopulationWriteError";
  }
}

const noCounts = (): Record<FindingStatus, number> => ({
  pass: 0,
  fail: 0,
  error: 0,
  not_applicable: 0,
  waived: 0,
});

/**
 * What a stored result holds in place of its `findings` / `items` arrays: an array that throws on every
 * read. An empty array there would read as "no findings" to any code that forgets `populationOf` — a
 * population of a million events reported as empty, i.e. a pass. Failing loudly is the fail-closed choice.
 */
export function storedPlaceholder<T>(what: "findings" | "items"): T[] {
  const refuse = (): never => {
    throw new Error(
      `internal error: a stored population's ${what} were read as an array; read them through populationOf(result)`,
    );
  };
  return new Proxy([] as T[], {
    get: refuse,
    has: refuse,
    ownKeys: refuse,
    getOwnPropertyDescriptor: refuse,
    set: refuse,
    defineProperty: refuse,
    deleteProperty: refuse,
  });
}

/** A control's findings and items: the result's own arrays, or its stored population. */
export function populationOf(r: Pick<ControlResult, "findings" | "stored"> & { items?: Row[] }): Population {
  if (r.stored) return r.stored;
  const { findings } = r;
  const items = r.items ?? [];
  const counts = noCounts();
  for (const f of findings) counts[f.status]++;
  return {
    findingCount: findings.length,
    itemCount: items.length,
    counts,
    findings: () => findings,
    items: () => items,
  };
}

/**
 * One block of a control's scratch files: byte ranges [start, end) in the findings and items files, with
 * what the block holds (counts by status, the items' keys). The population's counts are those of the blocks
 * it lays out, so a block written and then dropped (a streamed scope whose later page failed: the scope is
 * `error` and none of its findings count) leaves nothing behind but unread bytes.
 */
export interface PopulationBlock {
  findings: [number, number];
  items: [number, number];
  counts: Readonly<Record<FindingStatus, number>>;
  keys: readonly string[];
  findingCount: number;
  itemCount: number;
}

/** The scratch directory of one run: one sink per control that needs one. */
export class PopulationStore {
  private created = false;
  private next = 0;
  private readonly open = new Set<PopulationSink>();
  private discarded = false;
  /** The first write that failed; every later write is skipped. */
  failure?: PopulationWriteError;

  constructor(
    readonly dir: string,
    /** Items a control holds in memory before it writes its population out (tests lower it). */
    readonly spillItems = SPILL_ITEMS,
  ) {}

  /** The store of a run whose spool is `spoolRoot` (`<out>/.partial-run-*`): `<spoolRoot>.population`. */
  static beside(spoolRoot: string): PopulationStore {
    return new PopulationStore(`${spoolRoot}.population`);
  }

  /** A control's sink; `waive` applies the run's waivers to each finding as it is written. */
  sink(waive?: (f: Finding) => Finding): PopulationSink {
    return new PopulationSink(this, this.next++, waive);
  }

  /** Throws the first failed write: call before anything is made from the results. */
  check(): void {
    if (this.failure) throw this.failure;
  }

  /** Removes the scratch files (idempotent). */
  discard(): void {
    this.discarded = true;
    for (const s of this.open) s.close();
    rmSync(this.dir, { recursive: true, force: true, maxRetries: 3 });
  }

  /** @internal */
  openFiles(sink: PopulationSink, n: number): { findings: string; items: string } | undefined {
    if (this.discarded || this.failure) return undefined;
    try {
      if (!this.created) {
        mkdirSync(this.dir, { recursive: true });
        this.created = true;
      }
    } catch (e) {
      this.failure = new PopulationWriteError(this.dir, e);
      return undefined;
    }
    this.open.add(sink);
    return { findings: join(this.dir, `${n}.findings.ndjson`), items: join(this.dir, `${n}.items.ndjson`) };
  }

  /** @internal */
  closed(sink: PopulationSink): void {
    this.open.delete(sink);
  }

  /** @internal */
  failed(path: string, e: unknown): void {
    this.failure ??= new PopulationWriteError(path, e);
  }
}

/**
 * Where one control's population goes as it is evaluated. `write` appends a block and returns where it is;
 * `population` then lays the blocks out in the result's order. Writes are synchronous: a block is one
 * scope's lines (at most a few MB), the kernel takes it into the page cache, and the caller (the
 * evaluation of a scope) is synchronous too.
 */
export class PopulationSink {
  private paths?: { findings: string; items: string };
  private fds?: { findings: number; items: number };
  private offsets = { findings: 0, items: 0 };

  constructor(
    private readonly store: PopulationStore,
    private readonly n: number,
    private readonly waive?: (f: Finding) => Finding,
  ) {}

  /** Items the control holds in memory before it writes them out. */
  get spillItems(): number {
    return this.store.spillItems;
  }

  /** Appends findings (waivers applied) and their items (items[i] belongs to findings[i]). */
  write(findings: readonly Finding[], items: readonly Row[]): PopulationBlock {
    const counts = noCounts();
    const keys = new Set<string>();
    const block: PopulationBlock = {
      findings: [this.offsets.findings, this.offsets.findings],
      items: [this.offsets.items, this.offsets.items],
      counts,
      keys: [],
      findingCount: findings.length,
      itemCount: items.length,
    };
    // Written ≈ 1 M characters at a time: one scope can be a whole population (100,000 events of one
    // account-region), whose text would otherwise be held whole, twice (string and bytes). Serialised
    // BATCH_RECORDS at a time (json-lines.ts: the same text as one JSON.stringify per record).
    const waive = this.waive;
    const waived = waive ? findings.map((f) => waive(f)) : findings;
    for (const finding of waived) counts[finding.status]++;
    for (const item of items) addJsonTopLevelKeys(item, keys);
    this.appendLines("findings", waived);
    this.appendLines("items", items);
    block.keys = [...keys];
    block.findings[1] = this.offsets.findings;
    block.items[1] = this.offsets.items;
    return block;
  }

  /** Appends the records' JSON lines to the file, ≈ WRITE_CHARS characters at a time. */
  private appendLines(file: "findings" | "items", records: readonly unknown[]): void {
    let text = "";
    for (let from = 0; from < records.length; from += BATCH_RECORDS) {
      text += jsonLines(records, from, Math.min(records.length, from + BATCH_RECORDS));
      if (text.length >= WRITE_CHARS) text = this.append(file, text);
    }
    this.append(file, text);
  }

  /** Appends `text` to the file (unless a write already failed); returns "" for the caller's next text. */
  private append(file: "findings" | "items", text: string): string {
    if (text === "") return "";
    const bytes = Buffer.from(text);
    const start = this.offsets[file];
    this.offsets[file] += bytes.length;
    if (!this.fds) {
      this.paths ??= this.store.openFiles(this, this.n);
      if (!this.paths) return "";
      try {
        const findings = openSync(this.paths.findings, "w");
        try {
          this.fds = { findings, items: openSync(this.paths.items, "w") };
        } catch (e) {
          closeSync(findings);
          throw e;
        }
      } catch (e) {
        this.store.failed(this.paths.findings, e);
        this.paths = undefined;
        return "";
      }
    }
    if (this.store.failure) return "";
    try {
      let done = 0;
      while (done < bytes.length)
        done += writeSync(this.fds[file], bytes, done, bytes.length - done, start + done);
    } catch (e) {
      this.store.failed(this.paths![file], e);
    }
    return "";
  }

  /** The handle over the blocks, in this order (every block written through this sink). */
  population(blocks: readonly PopulationBlock[]): Population {
    this.close();
    const counts = noCounts();
    const keys = new Set<string>();
    let findingCount = 0;
    let itemCount = 0;
    for (const b of blocks) {
      for (const s of Object.keys(counts) as FindingStatus[]) counts[s] += b.counts[s];
      for (const k of b.keys) keys.add(k);
      findingCount += b.findingCount;
      itemCount += b.itemCount;
    }
    return new StoredPopulation(
      this.paths ?? { findings: "", items: "" },
      blocks,
      counts,
      [...keys],
      findingCount,
      itemCount,
    );
  }

  /** Closes the files (written blocks stay readable by path). */
  close(): void {
    if (this.fds) {
      closeSync(this.fds.findings);
      closeSync(this.fds.items);
      this.fds = undefined;
    }
    this.store.closed(this);
  }
}

/** A population read back from its scratch files, block by block in the result's order, a line at a time. */
class StoredPopulation implements Population {
  constructor(
    private readonly paths: { findings: string; items: string },
    private readonly blocks: readonly PopulationBlock[],
    readonly counts: Readonly<Record<FindingStatus, number>>,
    readonly itemKeys: readonly string[],
    readonly findingCount: number,
    readonly itemCount: number,
  ) {}

  findings(): Iterable<Finding> {
    return this.lines<Finding>("findings");
  }

  items(): Iterable<Row> {
    return this.lines<Row>("items");
  }

  /** The items as their JSON text, unparsed (the documents that only serialise them: listedPopulation). */
  rawItems(): Iterable<RawJson> {
    return this.lines<RawJson>("items", (line) => new RawJson(line));
  }

  /** Never part of a document: the documents that list the population read it through the handle. */
  toJSON(): undefined {
    return undefined;
  }

  private *lines<T>(
    file: "findings" | "items",
    read: (line: string) => T = (line) => JSON.parse(line) as T,
  ): Generator<T> {
    const ranges = this.blocks.map((b) => b[file]).filter(([s, e]) => e > s);
    if (ranges.length === 0) return;
    const fd = openSync(this.paths[file], "r");
    try {
      const buffer = Buffer.allocUnsafe(READ_BYTES);
      for (const [start, end] of ranges) {
        let pos = start;
        // The bytes after the last newline read: a line (and maybe a UTF-8 sequence) the next read completes.
        let carry: Buffer[] = [];
        while (pos < end) {
          const n = readSync(fd, buffer, 0, Math.min(READ_BYTES, end - pos), pos);
          if (n === 0) throw new Error(`${this.paths[file]}: ended at byte ${pos} of ${end}`);
          pos += n;
          const last = buffer.lastIndexOf(10, n - 1);
          if (last < 0) {
            carry.push(Buffer.from(buffer.subarray(0, n)));
            continue;
          }
          const head = buffer.subarray(0, last + 1);
          const text = (carry.length > 0 ? Buffer.concat([...carry, head]) : head).toString("utf8");
          carry = last + 1 < n ? [Buffer.from(buffer.subarray(last + 1, n))] : [];
          let from = 0;
          for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", from)) {
            yield read(text.slice(from, nl));
            from = nl + 1;
          }
        }
        if (carry.length > 0) throw new Error(`${this.paths[file]}: a block ends inside a line`);
      }
    } finally {
      closeSync(fd);
    }
  }
}

/**
 * A result (or its summary in the results document) with a stored population listed as arrays made as
 * they are written (`LazyArray`, which `jsonPieces` walks element by element): what the streamed documents
 * serialise. Keys keep their places, so the text is the in-memory result's. Anything else as it is.
 */
export function listedPopulation<T extends Pick<ControlResult, "findings" | "stored"> & { items?: Row[] }>(
  r: T,
): T {
  const stored = r.stored;
  if (!stored) return r;
  const findings = new LazyArray(stored.findingCount, () => stored.findings());
  // Rows are only serialised here: from their stored text, without a parse and a stringify per row.
  const items = new LazyArray<Row | RawJson>(stored.itemCount, () =>
    stored instanceof StoredPopulation ? stored.rawItems() : stored.items(),
  );
  return { ...r, findings, ...("items" in r ? { items } : {}) } as unknown as T;
}
