/**
 * Writes a run's evidence bundle: a BagIt 1.0 bag (RFC 8493) with the payload under data/, both manifests,
 * VERIFY.md, and attestation/ (detached signature over tagmanifest-sha256.txt, DSSE envelope of an in-toto
 * Statement over both manifests, the public key and signer.json). See docs/evidence-format.md.
 *
 * Each file is written as it is made into the bundle's temporary directory in the output directory
 * (`.partial-<name>`, or the run's spool), signed last (each signature checked against the public key
 * first), and the directory renamed into place: nothing half-written is ever left where a finished bundle
 * is expected, and a bundle that could not be signed is removed, never renamed. The large documents are
 * streamed: made piece by piece from the run's objects and written a chunk at a time through the secret
 * scrubber, hashed as they go, with the bytes the whole document would have (docs/architecture.md, "The
 * bundle writer streams its documents"). The recorded calls come either from memory (`outcome.calls`) or,
 * for a run recorded with a SpoolRecorder (recording/spool.ts), from the spool: already on disk in the
 * bundle's temporary directory, with their hashes taken as they were written — they are neither read back
 * nor serialised again.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFile as writeFileCallback } from "node:fs";
import { mkdir, open, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import type { ControlResult } from "../core/types.js";
import { paramSourcePath, type RunOutcome } from "../engine/execute-run.js";
import { listedPopulation, populationOf } from "../engine/population-store.js";
import { recordedCallBytes, recordedCallPath, safeName } from "../recording/format.js";
import { scrubSecrets } from "../recording/scrub.js";
import type { SpooledCalls } from "../recording/spool.js";
import { exceptionsCsvPieces, populationCsvPieces } from "../report/csv.js";
import { htmlPieces } from "../report/html.js";
import { oscalPieces } from "../report/oscal.js";
import {
  DSSE_PAYLOAD_TYPE,
  type DsseEnvelope,
  pae,
  STATEMENT_TYPE,
  type Statement,
  serialiseEnvelope,
} from "../signing/dsse.js";
import {
  fingerprint as fingerprintOf,
  publicKeyPem,
  SIGNING_ALGORITHM,
  type Signer,
  signChecked,
} from "../signing/signer.js";
import { bundleSchemaSql } from "../workbench/sql/schema.js";
import {
  BAGIT_TXT,
  formatBagInfo,
  formatManifestOf,
  MANIFEST,
  payloadOxumOf,
  SAFE_PATH,
  sha256Hex,
  TAG_MANIFEST,
} from "./bagit.js";
import { removeOnInterrupt } from "./interrupt.js";
import { jsonPieces, jsonTopLevel, jsonTopLevelKeys } from "./json-stream.js";
import {
  BUNDLE_FORMAT,
  type BundleModel,
  type ControlText,
  type EvidenceFile,
  type ResultRecord,
  type RunJson,
  resultHeaderOf,
  resultRecordOf,
  type SigningStatus,
  shellJoin,
} from "./model.js";
import { ensureOutputDir } from "./output-dir.js";
import { csvContextOf } from "./read-model.js";
import { type ByteSink, CHUNK_CHARS, ScrubbedText } from "./scrubbed-text.js";
import { writeTarGz } from "./tar.js";
import { detectToolCommit } from "./tool-commit.js";
import { renderVerifyMd } from "./verify-md.js";

export const PREDICATE_TYPE = "urn:itgc-validate:predicate:evidence-bundle:v1";
export const SIGNATURE_FILE = "attestation/tagmanifest-sha256.txt.sig";
export const DSSE_FILE = "attestation/evidence.intoto.dsse.json";
export const PUBLIC_KEY_FILE = "attestation/signer.pub.pem";
export const SIGNER_FILE = "attestation/signer.json";
/** Attestation files that cannot be in the tag manifest: they are signatures over it. */
export const UNLISTED_TAG_FILES = [SIGNATURE_FILE, DSSE_FILE] as const;

export interface WriteBundleOptions {
  outDir: string;
  /** null: an unsigned bundle (--no-sign), which says so in every report. */
  signer: Signer | null;
  /** Write DIR/<name>.tar.gz instead of the directory. */
  archive?: boolean;
  /** Bagging-Date and archive timestamps (tests inject a fixed clock). */
  clock?: () => Date;
  /** The tool's git commit; undefined: detect from the package's git checkout; null: none. */
  toolCommit?: string | null;
  /** Characters of a streamed document held before a chunk is written (tests make it tiny). */
  chunkChars?: number;
}

export interface WrittenBundle {
  path: string;
  name: string;
  signing: SigningStatus;
  /** Every file of the bag (spooled calls included) and its manifest entry; the bytes are on disk only. */
  digests: Map<string, Digest>;
}

export interface BuiltBundle {
  name: string;
  /** Every file of the bag but the spooled calls (those are on disk, listed in `spooled`). */
  files: Map<string, Buffer>;
  signing: SigningStatus;
  spooled?: SpooledCalls;
}

/** A file's manifest entry. */
export interface Digest {
  sha256: string;
  size: number;
}

export function bundleName(outcome: RunOutcome): string {
  const run = outcome.document.run;
  const providers = run.providers.map((p) => p.provider).join("+") || "none";
  const units = run.providers.flatMap((p) => p.targets.map((t) => t.unit));
  const scope = units.length === 1 ? units[0]! : `${units.length}-units`;
  const time = run.startedAt.replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return safeName(`itgc-${providers}-${scope}-${time}-${run.id.slice(0, 8)}`);
}

/**
 * How the bundle names its key: KMS keys by their ARN / resource name; a local key file by its file name
 * only (`file:signer.pem`): a local absolute path says nothing to a reviewer and leaks the auditor's
 * machine layout. The fingerprint identifies the key either way.
 */
export function recordedKeyRef(signer: Signer): string {
  if (signer.kind === "file" || signer.kind === "config") return `${signer.kind}:${basename(signer.keyRef)}`;
  return signer.keyRef;
}

export function signingStatus(signer: Signer | null): SigningStatus {
  if (!signer)
    return {
      signed: false,
      statement:
        "This bundle is UNSIGNED (written with --no-sign): its manifests detect accidental damage only; nothing shows who produced it or that it was not altered and re-hashed.",
    };
  const fp = fingerprintOf(signer.publicKey);
  const base = {
    signed: true,
    kind: signer.kind,
    keyRef: recordedKeyRef(signer),
    algorithm: SIGNING_ALGORITHM,
    fingerprint: fp,
  };
  if (signer.kind === "ephemeral")
    return {
      ...base,
      statement:
        "Signed with a throw-away key generated for this demo run: the signature shows the bundle is intact, not who produced it.",
    };
  return {
    ...base,
    statement: `Signed with ECDSA P-256 / SHA-256 by the key with public key fingerprint SHA256:${fp}. Check that fingerprint against one recorded outside this bundle.`,
  };
}

export function buildRunJson(
  outcome: RunOutcome,
  signing: SigningStatus,
  toolCommit: string | undefined,
): RunJson {
  const run = outcome.document.run;
  const aws = run.providers.find((p) => p.provider === "aws");
  return {
    format: BUNDLE_FORMAT,
    ...run,
    tool: { ...run.tool, ...(toolCommit ? { commit: toolCommit } : {}) },
    commandLine: shellJoin(run.command),
    homeRegion: aws?.homeRegion,
    callers: run.providers.flatMap((p) => (p.caller ? [p.caller] : [])),
    scope: {
      covered: run.providers.flatMap((p) =>
        p.targets.map((t) => ({
          provider: t.provider,
          unit: t.unit,
          ...(t.name ? { name: t.name } : {}),
          regions: run.regions[t.unit] ?? t.regions ?? [],
        })),
      ),
      skipped: run.providers.flatMap((p) => p.gaps),
    },
    evidence: { signing },
  };
}

const json = (v: unknown) => Buffer.from(`${JSON.stringify(v, null, 2)}\n`);

/** `json(v)` in pieces. */
function* jsonFilePieces(v: unknown): Generator<string> {
  yield* jsonPieces(v);
  yield "\n";
}

/**
 * Where the bundle's files go as they are made: memory (`buildBundle`, the archive) or the bundle's
 * temporary directory (`writeBundle`).
 */
export interface BundleStore {
  /** A file whose bytes are complete. */
  put(path: string, bytes: Buffer): Promise<void>;
  /** A file written chunk by chunk (its first chunk was too large to hold whole). */
  open(path: string): Promise<ByteSink & { close(): Promise<void> }>;
  /** Every write done (or the first that failed). */
  flush(): Promise<void>;
}

class MemoryStore implements BundleStore {
  readonly files = new Map<string, Buffer>();
  async put(path: string, bytes: Buffer): Promise<void> {
    this.files.set(path, bytes);
  }
  async open(path: string) {
    const chunks: Buffer[] = [];
    return {
      write: (bytes: Buffer) => {
        chunks.push(bytes);
      },
      close: async () => {
        this.files.set(path, Buffer.concat(chunks));
      },
    };
  }
  async flush(): Promise<void> {}
}

/**
 * Files written under `root` (the bundle's `.partial-*` directory). Whole files are written a few dozen at a
 * time: awaiting one small file after another left the process idle most of the time it wrote a
 * demo-sized bundle (≈ 0.75 s of 1,250 files). Everything goes through the asynchronous API, so SIGINT /
 * SIGTERM are handled between two writes. Whole files use `fs.writeFile` with a callback, not
 * `fs/promises`: the promise API's FileHandle (open, write, close, each a promise) cost the main thread
 * ≈ 0.15 ms a file against ≈ 0.04 ms (docs/performance.md, round 8), and a count of writes in flight, not
 * `Promise.race` over them (which added a reaction to each of the 32 pending writes every time).
 */
class DirectoryStore implements BundleStore {
  private static readonly WRITES_IN_FLIGHT = 32;
  private readonly dirs = new Set<string>();
  private inFlight = 0;
  /** Who waits for a write to finish: a put for a free slot, `settle` for none in flight. */
  private waiting: (() => void)[] = [];
  private failure: unknown;

  constructor(private readonly root: string) {}

  private async dirOf(path: string): Promise<string> {
    const abs = join(this.root, path);
    const dir = dirname(abs);
    if (!this.dirs.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.dirs.add(dir);
    }
    return abs;
  }

  /** Resolves on the next write that finishes. */
  private nextDone(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  async put(path: string, bytes: Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    const abs = await this.dirOf(path);
    while (this.inFlight >= DirectoryStore.WRITES_IN_FLIGHT) await this.nextDone();
    this.inFlight++;
    writeFileCallback(abs, bytes, (e) => {
      this.inFlight--;
      if (e) this.failure ??= e;
      const waiting = this.waiting;
      this.waiting = [];
      for (const wake of waiting) wake();
    });
  }

  async open(path: string) {
    if (this.failure) throw this.failure;
    const handle = await open(await this.dirOf(path), "w");
    return {
      write: async (bytes: Buffer) => {
        let done = 0;
        while (done < bytes.length) done += (await handle.write(bytes, done)).bytesWritten;
      },
      close: () => handle.close(),
    };
  }

  async flush(): Promise<void> {
    await this.settle();
    if (this.failure) throw this.failure;
  }

  /** Every write in flight finished (each records its failure, none rejects). */
  async settle(): Promise<void> {
    while (this.inFlight > 0) await this.nextDone();
  }
}

/**
 * Writes a text file given in pieces: scrubbed, hashed and written a chunk at a time (ScrubbedText); a file
 * that fits in one chunk is put whole. The bytes are those of `scrubSecrets(pieces.join(""))`.
 */
async function streamText(
  store: BundleStore,
  path: string,
  pieces: Iterable<string>,
  chunkChars = CHUNK_CHARS,
): Promise<Digest> {
  const text = new ScrubbedText(chunkChars);
  let file: (ByteSink & { close(): Promise<void> }) | undefined;
  try {
    for (const piece of pieces) {
      const bytes = text.add(piece);
      if (!bytes) continue;
      file ??= await store.open(path);
      await file.write(bytes);
    }
    const { bytes, digest } = text.end();
    if (file) {
      if (bytes.length > 0) await file.write(bytes);
    } else {
      await store.put(path, bytes);
    }
    return digest;
  } finally {
    await file?.close();
  }
}

/**
 * Builds every file of the bundle in memory, signed — but spooled calls, which are only hashed into the
 * manifest from what the spool recorded of them. Paths are relative to the bag root.
 */
export async function buildBundle(
  outcome: RunOutcome,
  opts: Pick<WriteBundleOptions, "signer" | "clock" | "toolCommit" | "chunkChars">,
): Promise<BuiltBundle> {
  const store = new MemoryStore();
  const { name, signing } = await assembleBundle(outcome, opts, store);
  return { name, files: store.files, signing, ...(outcome.spooled ? { spooled: outcome.spooled } : {}) };
}

/**
 * Makes every file of the bundle into `store`, in the order the manifests and reports are built from, and
 * signs it. The large documents (the results document, each control's results and population CSV,
 * exceptions.csv, the OSCAL document and the HTML report) are written as they are made, a chunk at a time,
 * from the run's own objects: no document's text, and no JSON copy of a population, is ever held whole
 * (docs/architecture.md, "The bundle writer streams its documents").
 */
export async function assembleBundle(
  outcome: RunOutcome,
  opts: Pick<WriteBundleOptions, "signer" | "clock" | "toolCommit" | "chunkChars">,
  store: BundleStore,
): Promise<{ name: string; signing: SigningStatus; digests: Map<string, Digest> }> {
  const clock = opts.clock ?? (() => new Date());
  const name = bundleName(outcome);
  const signing = signingStatus(opts.signer);
  const commit = opts.toolCommit === undefined ? detectToolCommit() : (opts.toolCommit ?? undefined);
  const runJson = buildRunJson(outcome, signing, commit);
  const document = { ...outcome.document, run: { ...outcome.document.run, tool: runJson.tool } };
  // A population written out during the run is read back from its scratch file for each document that
  // lists it (engine/population-store.ts); the text is the in-memory population's.
  const listed = { ...document, controls: document.controls.map(listedPopulation) };

  // Every file of the bag, spooled or not, in the order it was added: what the manifests list.
  const digests = new Map<string, Digest>();
  const claim = (path: string, digest: Digest) => {
    if (!SAFE_PATH.test(path))
      throw new Error(`refusing to write ${path}: names must stay within [A-Za-z0-9._/-]`);
    if (digests.has(path)) throw new Error(`two bundle files would share the path ${path}`);
    digests.set(path, digest);
  };
  // The manifests' bytes, for the signatures.
  const kept = new Map<string, Buffer>();
  // Every text file passes the secret scrubber before it is hashed. Recorded calls were scrubbed value by
  // value when recorded (their base64 payloads are the API's own bytes); signatures are binary.
  const put = async (path: string, data: Buffer | string, scrub = true) => {
    const raw = typeof data === "string" ? Buffer.from(data) : data;
    const bytes = scrub ? Buffer.from(scrubSecrets(raw.toString("utf8"))) : raw;
    claim(path, { sha256: sha256Hex(bytes), size: bytes.length });
    if (path === MANIFEST || path === TAG_MANIFEST) kept.set(path, bytes);
    await store.put(path, bytes);
  };
  // A document written as it is made: its place in the manifests is taken now, its digest once written.
  const stream = async (path: string, pieces: Iterable<string>) => {
    claim(path, { sha256: "", size: 0 });
    digests.set(path, await streamText(store, path, pieces, opts.chunkChars));
  };

  if (outcome.spooled) {
    if (outcome.calls.length > 0) throw new Error("a run's calls are either spooled or in memory, not both");
    for (const c of outcome.spooled.calls) claim(c.path, { sha256: c.sha256, size: c.size });
  } else {
    for (const call of outcome.calls) {
      const bytes = recordedCallBytes(call);
      claim(`data/${recordedCallPath(call)}`, { sha256: sha256Hex(bytes), size: bytes.length });
      await store.put(`data/${recordedCallPath(call)}`, bytes);
    }
  }
  await put("data/run.json", json(runJson));
  await stream("data/results.json", jsonFilePieces(listed));
  const controls: ControlText[] = [];
  for (const c of outcome.controls) {
    const file = `data/controls/${safeName(c.id)}.yaml`;
    await put(file, c.source.text);
    // The control's own fields are what its YAML says (the loader read them from it), trimmed as the
    // reader's controlText trims them, so the report re-rendered from the bundle is byte-identical.
    controls.push({
      id: c.id,
      title: c.title.trim(),
      objective: c.objective.trim(),
      procedure: c.procedure.trim(),
      remediation: c.remediation.trim(),
      file,
    });
  }
  // The waivers applied, byte for byte, so `reperform` re-applies exactly them and the signature covers them.
  if (outcome.waivers) await put("data/waivers.yaml", outcome.waivers.text);
  // The CSV files the auditor gave list parameters in (e.g. HR's leavers), byte for byte: their parsed lists
  // are run.json's overrides (what reperform uses); the files are the evidence of where those came from.
  for (const s of outcome.paramSources ?? []) await put(paramSourcePath(s), s.text);
  // Each control's record without its items and findings (the reports' headers); the findings are read
  // from the run's result, one at a time, in the form their JSON copy has.
  const results: ResultRecord[] = [];
  const resultOf = new Map<ResultRecord, ControlResult>();
  for (const r of outcome.results) {
    await stream(`data/results/${safeName(r.id)}.json`, jsonFilePieces(resultRecordOf(listedPopulation(r))));
    const population = populationOf(r);
    await stream(
      `data/results/population/${safeName(r.id)}.csv`,
      populationCsvPieces(
        jsonRecords(population.findings()),
        population.items(),
        jsonTopLevel,
        jsonTopLevelKeys,
        population.itemKeys,
      ),
    );
    const header = resultHeaderOf(r);
    results.push(header);
    resultOf.set(header, r);
  }
  const findingsOf = (h: ResultRecord) => {
    const r = resultOf.get(h);
    return jsonRecords(r ? populationOf(r).findings() : h.findings);
  };
  await stream(
    "data/results/exceptions.csv",
    exceptionsCsvPieces(results, csvContextOf(runJson, controls), findingsOf),
  );
  // The SQL views over this bag's own files, so any DuckDB can query it (docs/sql.md).
  await put("data/sql/schema.sql", bundleSchemaSql(runJson.id, [...digests.keys()]));

  const model: BundleModel = { name, run: runJson, document, results, controls, signing, files: [] };
  model.files = evidenceFiles(digests);
  await stream("data/oscal/assessment-results.json", oscalPieces(model));
  model.files = evidenceFiles(digests);
  await stream("data/report.html", htmlPieces(model, findingsOf));
  model.files = [];

  const payload = [...digests].map(([path, d]) => ({ path, ...d }));
  const oxum = payloadOxumOf(payload.map((f) => f.size));
  await put(MANIFEST, formatManifestOf(payload));
  await put("bagit.txt", BAGIT_TXT);
  const bagInfo: [string, string][] = [
    ["Bagging-Date", clock().toISOString().slice(0, 10)],
    ["Bag-Software-Agent", `${runJson.tool.name} ${runJson.tool.version}${commit ? ` (git ${commit})` : ""}`],
    ["External-Identifier", name],
    [
      "External-Description",
      `IT General Controls test evidence: ${document.summary.total} controls (${document.summary.pass} pass, ${document.summary.fail} fail, ${document.summary.error} error, ${document.summary.not_applicable} not applicable), evaluated at ${runJson.evaluatedAt}`,
    ],
    ["Payload-Oxum", oxum],
    ["Evidence-Format", BUNDLE_FORMAT],
    ["Run-Id", runJson.id],
  ];
  if (signing.signed) {
    bagInfo.push(
      ["Signature-Algorithm", `${SIGNING_ALGORITHM} (DER)`],
      ["Signer-Key", signing.keyRef!],
      ["Signer-Fingerprint-SHA256", signing.fingerprint!],
    );
  } else {
    bagInfo.push(["Signature", "none: UNSIGNED bundle (--no-sign)"]);
  }
  await put("bag-info.txt", formatBagInfo(bagInfo));
  await put("VERIFY.md", renderVerifyMd({ name, signing }));
  if (opts.signer) {
    await put(PUBLIC_KEY_FILE, publicKeyPem(opts.signer.publicKey));
    await put(
      SIGNER_FILE,
      json({
        format: "itgc-validate/signer@1",
        keyRef: signing.keyRef,
        kind: signing.kind,
        algorithm: SIGNING_ALGORITHM,
        hash: "SHA-256",
        signatureEncoding: "DER",
        publicKey: PUBLIC_KEY_FILE,
        fingerprint: { sha256: signing.fingerprint, of: "DER SubjectPublicKeyInfo of the public key" },
        signatures: {
          detached: { file: SIGNATURE_FILE, over: TAG_MANIFEST },
          dsse: { file: DSSE_FILE, payloadType: DSSE_PAYLOAD_TYPE, subjects: [MANIFEST, TAG_MANIFEST] },
        },
        statement: signing.statement,
      }),
    );
  }
  const tagFiles = [...digests]
    .filter(([path]) => !path.startsWith("data/"))
    .map(([path, d]) => ({ path, ...d }));
  await put(TAG_MANIFEST, formatManifestOf(tagFiles));

  if (opts.signer) {
    const tagManifest = kept.get(TAG_MANIFEST)!;
    await put(SIGNATURE_FILE, await signChecked(opts.signer, tagManifest), false);
    const statement: Statement = {
      _type: STATEMENT_TYPE,
      subject: [MANIFEST, TAG_MANIFEST].map((n) => ({
        name: n,
        digest: { sha256: sha256Hex(kept.get(n)!) },
      })),
      predicateType: PREDICATE_TYPE,
      predicate: {
        bundle: name,
        runId: runJson.id,
        tool: runJson.tool,
        evaluatedAt: runJson.evaluatedAt,
        payloadOxum: oxum,
        summary: document.summary,
        signer: { keyRef: signing.keyRef, fingerprintSha256: signing.fingerprint },
      },
    };
    const body = Buffer.from(JSON.stringify(statement));
    const sig = await signChecked(opts.signer, pae(DSSE_PAYLOAD_TYPE, body));
    const envelope: DsseEnvelope = {
      payload: body.toString("base64"),
      payloadType: DSSE_PAYLOAD_TYPE,
      signatures: [{ keyid: signing.fingerprint!, sig: sig.toString("base64") }],
    };
    await put(DSSE_FILE, serialiseEnvelope(envelope), false);
  }
  await store.flush();
  return { name, signing, digests };
}

/** Records (findings, population rows) as their JSON copy reads at the top level, one at a time. */
function* jsonRecords<T extends object>(records: Iterable<T>): Generator<T> {
  for (const r of records) yield jsonTopLevel(r);
}

function evidenceFiles(digests: Map<string, Digest>): EvidenceFile[] {
  return [...digests]
    .filter(([p]) => p.startsWith("data/"))
    .map(([path, d]) => ({ path, sha256: d.sha256, size: d.size }))
    .sort((a, b) => (a.path < b.path ? -1 : 1));
}

/**
 * Builds, signs and writes the bundle (directory, or .tar.gz with `archive`); returns where it is. It is
 * written under `.partial-<name>` and renamed when complete; an error, SIGINT or SIGTERM while writing
 * removes the partial copy, so nothing half-written is left behind, and a bundle that could not be signed
 * is never renamed into place. A spooled run's temporary directory is the spool itself (`.partial-run-*` in
 * the output directory, its calls already in data/raw/): the other files are written next to them as they
 * are made and the directory is renamed. With `archive`, the bundle is built in memory (the spooled calls
 * read back into it) and written as one .tar.gz, and the spool is removed. Any failure removes the spool too.
 */
export async function writeBundle(outcome: RunOutcome, opts: WriteBundleOptions): Promise<WrittenBundle> {
  const spool = outcome.spooled?.root;
  if (spool && resolve(dirname(spool)) !== resolve(opts.outDir))
    throw new Error(`the evidence spool ${spool} is not in the output directory ${opts.outDir}`);
  const write = async (): Promise<WrittenBundle> => {
    const name = bundleName(outcome);
    ensureOutputDir(opts.outDir);
    const clock = opts.clock ?? (() => new Date());
    const final = join(opts.outDir, opts.archive ? `${name}.tar.gz` : name);
    if (existsSync(final)) throw new Error(`${final} already exists`);
    const partial = opts.archive
      ? join(opts.outDir, `.partial-${name}.tar.gz`)
      : (spool ?? join(opts.outDir, `.partial-${name}`));
    if (partial !== spool) rmSync(partial, { recursive: true, force: true });
    const written = await removeOnInterrupt(partial, async () => {
      let built: { signing: SigningStatus; digests: Map<string, Digest> };
      if (opts.archive) {
        const store = new MemoryStore();
        built = await assembleBundle(outcome, opts, store);
        const files = withSpooledCalls(store.files, outcome.spooled);
        await writeFile(partial, writeTarGz(tarEntries(name, files), clock()));
      } else {
        if (partial !== spool) await mkdir(partial);
        const store = new DirectoryStore(partial);
        try {
          built = await assembleBundle(outcome, opts, store);
        } catch (e) {
          // Let the writes in flight land before the partial directory is removed (else it is not empty).
          await store.settle();
          throw e;
        }
      }
      renameSync(partial, final);
      return built;
    });
    if (spool && opts.archive) rmSync(spool, { recursive: true, force: true });
    return { path: final, name, signing: written.signing, digests: written.digests };
  };
  return spool ? removeOnInterrupt(spool, write) : write();
}

/** All the bag's files in memory: the built ones and the spooled calls read back (for the archive). */
function withSpooledCalls(
  files: Map<string, Buffer>,
  spooled: SpooledCalls | undefined,
): Map<string, Buffer> {
  if (!spooled) return files;
  const all = new Map(files);
  for (const c of spooled.calls) all.set(c.path, readFileSync(join(spooled.root, c.path)));
  return all;
}

/** Tar entries: the bag directory, its sub-directories, then files, sorted (same input, same archive). */
export function tarEntries(name: string, files: Map<string, Buffer>) {
  const dirs = new Set<string>([name]);
  for (const p of files.keys()) {
    const parts = p.split("/");
    for (let i = 1; i < parts.length; i++) dirs.add(`${name}/${parts.slice(0, i).join("/")}`);
  }
  return [
    ...[...dirs].sort().map((path) => ({ path, type: "dir" as const })),
    ...[...files.keys()]
      .sort()
      .map((p) => ({ path: `${name}/${p}`, type: "file" as const, data: files.get(p)! })),
  ];
}
