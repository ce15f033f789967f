/**
 * Writes a run's evidence bundle: a BagIt 1.0 bag (RFC 8493) with the payload under data/, both manifests,
 * VERIFY.md, and attestation/ (detached signature over tagmanifest-sha256.txt, DSSE envelope of an in-toto
 * Statement over both manifests, the public key and signer.json). See docs/evidence-format.md.
 *
 * Everything but the recorded calls is built in memory, signed (each signature checked against the public
 * key first), then written under a temporary name in the output directory and renamed: nothing half-written
 * is ever left where a finished bundle is expected, and a bundle that could not be signed is not written at
 * all. The recorded calls come either from memory (`outcome.calls`) or, for a run recorded with a
 * SpoolRecorder (recording/spool.ts), from the spool: already on disk in the bundle's temporary directory,
 * with their hashes taken as they were written — they are neither read back nor serialised again.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, renameSync, rmSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { paramSourcePath, type RunOutcome } from "../engine/execute-run.js";
import { recordedCallBytes, recordedCallPath, safeName } from "../recording/format.js";
import { scrubSecrets } from "../recording/scrub.js";
import type { SpooledCalls } from "../recording/spool.js";
import { exceptionsCsv, populationCsv } from "../report/csv.js";
import { renderHtml } from "../report/html.js";
import { renderOscal } from "../report/oscal.js";
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
import { PACKAGE_ROOT } from "../util/paths.js";
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
import {
  BUNDLE_FORMAT,
  type BundleModel,
  type ControlText,
  type EvidenceFile,
  type ResultRecord,
  type RunJson,
  type SigningStatus,
  shellJoin,
  toResultRecord,
} from "./model.js";
import { ensureOutputDir } from "./output-dir.js";
import { csvContextOf } from "./read-model.js";
import { writeTarGz } from "./tar.js";
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
}

export interface WrittenBundle {
  path: string;
  name: string;
  signing: SigningStatus;
  /** The files built in memory: all of them, or all but the recorded calls when those were spooled. */
  files: Map<string, Buffer>;
}

export interface BuiltBundle {
  name: string;
  /** Every file of the bag but the spooled calls (those are on disk, listed in `spooled`). */
  files: Map<string, Buffer>;
  signing: SigningStatus;
  spooled?: SpooledCalls;
}

/** A file's manifest entry. */
interface Digest {
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

/** The git commit of the tool's own checkout, when it runs from one. */
export function detectToolCommit(): string | undefined {
  try {
    const r = spawnSync("git", ["-C", PACKAGE_ROOT, "rev-parse", "HEAD"], {
      encoding: "utf8",
      timeout: 5000,
    });
    const sha = r.status === 0 ? r.stdout.trim() : "";
    return /^[0-9a-f]{40}$/.test(sha) ? sha : undefined;
  } catch {
    return undefined;
  }
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

/**
 * Builds every file of the bundle in memory, signed — but spooled calls, which are only hashed into the
 * manifest from what the spool recorded of them. Paths are relative to the bag root.
 */
export async function buildBundle(
  outcome: RunOutcome,
  opts: Pick<WriteBundleOptions, "signer" | "clock" | "toolCommit">,
): Promise<BuiltBundle> {
  const clock = opts.clock ?? (() => new Date());
  const name = bundleName(outcome);
  const signing = signingStatus(opts.signer);
  const commit = opts.toolCommit === undefined ? detectToolCommit() : (opts.toolCommit ?? undefined);
  const runJson = buildRunJson(outcome, signing, commit);
  const document = { ...outcome.document, run: { ...outcome.document.run, tool: runJson.tool } };

  const files = new Map<string, Buffer>();
  // Every file of the bag, spooled or not, in the order it was added: what the manifests list.
  const digests = new Map<string, Digest>();
  const claim = (path: string, digest: Digest) => {
    if (!SAFE_PATH.test(path))
      throw new Error(`refusing to write ${path}: names must stay within [A-Za-z0-9._/-]`);
    if (digests.has(path)) throw new Error(`two bundle files would share the path ${path}`);
    digests.set(path, digest);
  };
  // Every text file passes the secret scrubber before it is hashed. Recorded calls were scrubbed value by
  // value when recorded (their base64 payloads are the API's own bytes); signatures are binary.
  const put = (path: string, data: Buffer | string, scrub = true) => {
    const raw = typeof data === "string" ? Buffer.from(data) : data;
    const bytes = scrub ? Buffer.from(scrubSecrets(raw.toString("utf8"))) : raw;
    claim(path, { sha256: sha256Hex(bytes), size: bytes.length });
    files.set(path, bytes);
  };

  if (outcome.spooled) {
    if (outcome.calls.length > 0) throw new Error("a run's calls are either spooled or in memory, not both");
    for (const c of outcome.spooled.calls) claim(c.path, { sha256: c.sha256, size: c.size });
  } else {
    for (const call of outcome.calls) put(`data/${recordedCallPath(call)}`, recordedCallBytes(call), false);
  }
  put("data/run.json", json(runJson));
  put("data/results.json", json(document));
  const controls: ControlText[] = [];
  for (const c of outcome.controls) {
    const file = `data/controls/${safeName(c.id)}.yaml`;
    put(file, c.source.text);
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
  if (outcome.waivers) put("data/waivers.yaml", outcome.waivers.text);
  // The CSV files the auditor gave list parameters in (e.g. HR's leavers), byte for byte: their parsed lists
  // are run.json's overrides (what reperform uses); the files are the evidence of where those came from.
  for (const s of outcome.paramSources ?? []) put(paramSourcePath(s), s.text);
  const results: ResultRecord[] = outcome.results.map(toResultRecord);
  for (const r of results) {
    put(`data/results/${safeName(r.id)}.json`, json(r));
    put(`data/results/population/${safeName(r.id)}.csv`, populationCsv(r));
  }
  put("data/results/exceptions.csv", exceptionsCsv(results, csvContextOf(runJson, controls)));
  // The SQL views over this bag's own files, so any DuckDB can query it (docs/sql.md).
  put("data/sql/schema.sql", bundleSchemaSql(runJson.id, [...digests.keys()]));

  const model: BundleModel = { name, run: runJson, document, results, controls, signing, files: [] };
  model.files = evidenceFiles(digests);
  put("data/oscal/assessment-results.json", renderOscal(model));
  model.files = evidenceFiles(digests);
  put("data/report.html", renderHtml(model));

  const payload = [...digests].map(([path, d]) => ({ path, ...d }));
  const oxum = payloadOxumOf(payload.map((f) => f.size));
  put(MANIFEST, formatManifestOf(payload));
  put("bagit.txt", BAGIT_TXT);
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
  put("bag-info.txt", formatBagInfo(bagInfo));
  put("VERIFY.md", renderVerifyMd({ name, signing }));
  if (opts.signer) {
    put(PUBLIC_KEY_FILE, publicKeyPem(opts.signer.publicKey));
    put(
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
  put(TAG_MANIFEST, formatManifestOf(tagFiles));

  if (opts.signer) {
    const tagManifest = files.get(TAG_MANIFEST)!;
    put(SIGNATURE_FILE, await signChecked(opts.signer, tagManifest), false);
    const statement: Statement = {
      _type: STATEMENT_TYPE,
      subject: [MANIFEST, TAG_MANIFEST].map((n) => ({
        name: n,
        digest: { sha256: sha256Hex(files.get(n)!) },
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
    put(DSSE_FILE, serialiseEnvelope(envelope), false);
  }
  return { name, files, signing, ...(outcome.spooled ? { spooled: outcome.spooled } : {}) };
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
 * removes the partial copy, so nothing half-written is left behind. A spooled run's temporary directory is
 * the spool itself (`.partial-run-*` in the output directory, its calls already in data/raw/): the other
 * files are written next to them and the directory is renamed; with `archive`, the calls are read from
 * the spool into the archive and the spool is removed. Any failure removes the spool too.
 */
export async function writeBundle(outcome: RunOutcome, opts: WriteBundleOptions): Promise<WrittenBundle> {
  const spool = outcome.spooled?.root;
  if (spool && resolve(dirname(spool)) !== resolve(opts.outDir))
    throw new Error(`the evidence spool ${spool} is not in the output directory ${opts.outDir}`);
  const write = async (): Promise<WrittenBundle> => {
    const built = await buildBundle(outcome, opts);
    const { name, files, signing } = built;
    ensureOutputDir(opts.outDir);
    const clock = opts.clock ?? (() => new Date());
    const final = join(opts.outDir, opts.archive ? `${name}.tar.gz` : name);
    if (existsSync(final)) throw new Error(`${final} already exists`);
    const partial = opts.archive
      ? join(opts.outDir, `.partial-${name}.tar.gz`)
      : (spool ?? join(opts.outDir, `.partial-${name}`));
    if (partial !== spool) rmSync(partial, { recursive: true, force: true });
    await removeOnInterrupt(partial, async () => {
      if (opts.archive) {
        await writeFile(partial, writeTarGz(tarEntries(name, withSpooledCalls(built)), clock()));
      } else {
        await writeFiles(partial, files);
      }
      renameSync(partial, final);
    });
    if (spool && opts.archive) rmSync(spool, { recursive: true, force: true });
    return { path: final, name, signing, files };
  };
  return spool ? removeOnInterrupt(spool, write) : write();
}

/** All the bag's files in memory: the built ones and the spooled calls read back (for the archive). */
function withSpooledCalls(built: BuiltBundle): Map<string, Buffer> {
  if (!built.spooled) return built.files;
  const all = new Map(built.files);
  for (const c of built.spooled.calls) all.set(c.path, readFileSync(join(built.spooled.root, c.path)));
  return all;
}

/**
 * Writes the bag's files under `root`: each directory once, then the files a few dozen at a time. Awaiting
 * one small file after another left the process idle most of the time it wrote a demo-sized bundle (≈ 0.75 s
 * of 1,250 files); the writes still go through the async API, so SIGINT / SIGTERM can interrupt them.
 */
async function writeFiles(root: string, files: Map<string, Buffer>): Promise<void> {
  const dirs = [...new Set([...files.keys()].map((rel) => dirname(join(root, rel))))].sort();
  for (const dir of dirs) await mkdir(dir, { recursive: true });
  const entries = [...files];
  const WRITES_IN_FLIGHT = 32;
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(WRITES_IN_FLIGHT, entries.length) }, async () => {
      while (next < entries.length) {
        const [rel, data] = entries[next++]!;
        await writeFile(join(root, rel), data);
      }
    }),
  );
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
