/**
 * Reading and writing recordings. A recording is a directory holding raw/… call files (see format.ts) and,
 * optionally, run.json (a bundle's run metadata, or a fixture's: at least `startedAt` and `homeRegion`).
 * A bundle directory is accepted too: its recording lives in data/.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { InputError } from "../core/errors.js";
import { canonicalJson } from "../util/canonical-json.js";
import { type RecordedCall, recordedCallBytes, recordedCallPath } from "./format.js";

export interface RecordingMeta {
  /** When the recording was made. */
  startedAt?: string;
  /** The instant the recorded run evaluated at (defaults to startedAt): replay evaluates at the same instant. */
  evaluatedAt?: string;
  homeRegion?: string;
  [key: string]: unknown;
}

export interface LoadedRecording {
  dir: string;
  meta: RecordingMeta;
  calls: RecordedCall[];
}

/** Finds the recording root inside DIR (DIR itself, or DIR/data for a bundle). */
export function recordingRoot(dir: string): string {
  if (existsSync(join(dir, "data", "raw"))) return join(dir, "data");
  if (existsSync(join(dir, "raw"))) return dir;
  throw new InputError({
    file: dir,
    message: "not a recording: expected a raw/ directory (or data/raw/ in a bundle)",
  });
}

export function loadRecording(dir: string): LoadedRecording {
  if (!existsSync(dir)) throw new InputError({ file: dir, message: "no such directory" });
  const root = recordingRoot(dir);
  const metaFile = join(root, "run.json");
  let meta: RecordingMeta = {};
  if (existsSync(metaFile)) meta = parseJsonFile(metaFile) as RecordingMeta;
  const calls: RecordedCall[] = [];
  for (const file of walk(join(root, "raw"))) {
    if (!file.endsWith(".json")) continue;
    const call = parseJsonFile(file) as RecordedCall;
    for (const field of ["provider", "service", "operation", "account", "region"] as const) {
      if (typeof call[field] !== "string") {
        throw new InputError({
          file: relative(process.cwd(), file),
          field,
          message: "missing in recorded call",
        });
      }
    }
    calls.push(call);
  }
  calls.sort((a, b) => a.seq - b.seq);
  return { dir: root, meta, calls };
}

/**
 * Loads several recordings as one (e.g. an AWS and a GCP recording replayed in the same run). Calls are
 * concatenated; the metadata of the first recording wins where they overlap; `dir` names them all.
 */
export function loadRecordings(dirs: string[]): LoadedRecording {
  if (dirs.length === 1) return loadRecording(dirs[0]!);
  const loaded = dirs.map((d) => loadRecording(d));
  const meta: RecordingMeta = {};
  for (const r of [...loaded].reverse()) Object.assign(meta, r.meta);
  return { dir: loaded.map((r) => r.dir).join(","), meta, calls: loaded.flatMap((r) => r.calls) };
}

/** Writes calls under DIR/raw/…; returns the relative paths written, in order. */
export function writeRecordedCalls(dir: string, calls: RecordedCall[]): string[] {
  const written: string[] = [];
  for (const call of calls) {
    const rel = recordedCallPath(call);
    const path = join(dir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, recordedCallBytes(call));
    written.push(rel);
  }
  return written;
}

function parseJsonFile(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new InputError({ file, message: `not valid JSON: ${(e as Error).message}` });
  }
}

/**
 * Every file under `dir`, depth first, in name order. The directory entries' own types spare a `stat` of each
 * of a recording's files (855 in the demo), and `dir` is already normal (join's output, extended here by one
 * name at a time), so no `join` either; a symbolic link is `stat`ed, as before, to follow it.
 */
function* walk(dir: string): Generator<string> {
  if (!existsSync(dir)) return;
  const entries = readdirSync(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = `${dir}${sep}${entry.name}`;
    const isDirectory = entry.isSymbolicLink() ? statSync(path).isDirectory() : entry.isDirectory();
    if (isDirectory) yield* walk(path);
    else yield path;
  }
}

export interface CallKey {
  provider: string;
  service: string;
  operation: string;
  /** Undefined while a session does not yet know its account (before GetCallerIdentity). */
  account: string | undefined;
  region: string;
  input: unknown;
}

export class ReplayMissError extends Error {
  constructor(key: CallKey) {
    super(
      `replay: no recorded answer for ${key.service}.${key.operation} in account ${key.account ?? "?"} region ${key.region} with input ${canonicalJson(key.input ?? {})}`,
    );
    this.name = "ReplayMissError";
  }
}

/**
 * Answers calls from a recording. Strict: a call with no recorded answer is an error naming the call.
 * Identical calls are answered in recorded order (e.g. GenerateCredentialReport: STARTED, then COMPLETE);
 * once the recorded answers are used up, the last one is repeated (the same request, the same answer).
 */
export class ReplayIndex {
  private readonly byKey = new Map<string, { calls: RecordedCall[]; next: number }>();
  private readonly byKeyAnyAccount = new Map<string, Set<string>>();

  constructor(calls: RecordedCall[]) {
    for (const call of calls) {
      // The input's canonical JSON once for both keys (the demo's 855 calls: half the index's work).
      const input = canonicalJson(call.input ?? {});
      const k = replayKeyWith(call, call.account, input);
      let entry = this.byKey.get(k);
      if (!entry) {
        entry = { calls: [], next: 0 };
        this.byKey.set(k, entry);
      }
      entry.calls.push(call);
      const anyK = replayKeyWith(call, "*", input);
      let accounts = this.byKeyAnyAccount.get(anyK);
      if (!accounts) {
        accounts = new Set();
        this.byKeyAnyAccount.set(anyK, accounts);
      }
      accounts.add(call.account);
    }
  }

  take(key: CallKey): RecordedCall {
    let account = key.account;
    if (account === undefined) {
      const accounts = this.byKeyAnyAccount.get(replayKeyOf({ ...key, account: "*" }));
      if (accounts?.size === 1) account = [...accounts][0];
    }
    const entry = account === undefined ? undefined : this.byKey.get(replayKeyOf({ ...key, account }));
    if (!entry) throw new ReplayMissError(key);
    const call = entry.calls[Math.min(entry.next, entry.calls.length - 1)]!;
    entry.next++;
    return call;
  }
}

/** A call's replay key: provider, service, operation, account, region and the canonical input. */
export function replayKeyOf(k: Omit<CallKey, "account"> & { account: string }): string {
  return replayKeyWith(k, k.account, canonicalJson(k.input ?? {}));
}

/** replayKeyOf's key for `account`, given the canonical JSON of the input. */
function replayKeyWith(
  k: Omit<CallKey, "account" | "input">,
  account: string,
  canonicalInput: string,
): string {
  return [k.provider, k.service, k.operation, account, k.region, canonicalInput].join("|");
}
