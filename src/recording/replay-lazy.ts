/**
 * A replay source that holds a recording's calls as JSON text — in memory, or only where they are in a file
 * — and parses a call when it is replayed (docs/performance.md, "Org scale, round 6").
 *
 * `ReplayIndex` (store.ts) holds every recorded call as objects, and its keys, for the whole run: for an
 * organization the largest thing a replay holds besides the run's own state (org-50: ≈ 30 MB for 30,000
 * calls; org-1000, ≈ 600,000 calls: ≈ 600 MB). This index keeps per call a digest of its key and either its
 * text (`add`) or its place in a file (`addAt`: offset and length, read back with one positioned read when
 * the call is replayed — ≈ 100 bytes a call in memory). It answers with ReplayIndex's semantics: strict (a
 * call with no recorded answer is a ReplayMissError), identical calls in recorded order, the last answer
 * repeated once they are used up; an answer no call can ask again (an earlier one of identical calls, once
 * taken) is dropped.
 *
 * A call asked before its session knows the account (account undefined) is found when exactly one account
 * has it, as in ReplayIndex — for STS calls, the only ones a session makes before it knows its account
 * (GetCallerIdentity, AssumeRole); any other call without an account is a miss (fails closed).
 */
import { createHash } from "node:crypto";
import { closeSync, openSync, readSync } from "node:fs";
import type { RecordedCall } from "./format.js";
import { type CallKey, ReplayMissError, replayKeyOf } from "./store.js";

/** A recorded call's text, or where it is in the index's file ([offset, byte length]). */
type Answer = string | readonly [number, number];

interface Entry {
  /** The recorded calls of one key, in recorded order; a taken, never-repeated one is "". */
  answers: Answer[];
  next: number;
}

const digest = (key: string) => createHash("sha1").update(key).digest("base64");

export class SerializedReplayIndex {
  private readonly byKey = new Map<string, Entry>();
  /** STS calls only: the key with the account as "*" → the accounts that have it. */
  private readonly stsAnyAccount = new Map<string, Set<string>>();
  private heldChars = 0;
  private fd: number | undefined;

  /** `file`: where the calls added with `addAt` are (opened for reading until `close`). */
  constructor(private readonly file?: string) {}

  /** Adds one recorded call given as its JSON text, held in memory; in recorded (seq) order. */
  add(text: string): void {
    this.index(JSON.parse(text) as RecordedCall, text);
    this.heldChars += text.length;
  }

  /**
   * Adds one recorded call whose JSON text is at `offset` (`bytes` long, UTF-8) in the index's file; only
   * that place is held. `text` is the same call, read once for its key.
   */
  addAt(text: string, offset: number, bytes: number): void {
    if (this.file === undefined) throw new Error("addAt needs the index's file");
    this.index(JSON.parse(text) as RecordedCall, [offset, bytes]);
  }

  /** Number of distinct calls (keys) recorded. */
  get size(): number {
    return this.byKey.size;
  }

  /** Characters of recorded text still held in memory (answers taken for good are released). */
  get held(): number {
    return this.heldChars;
  }

  take(key: CallKey): RecordedCall {
    let account = key.account;
    if (account === undefined && key.service === "STS") {
      const accounts = this.stsAnyAccount.get(digest(replayKeyOf({ ...key, account: "*" })));
      if (accounts?.size === 1) account = [...accounts][0];
    }
    const entry =
      account === undefined ? undefined : this.byKey.get(digest(replayKeyOf({ ...key, account })));
    if (!entry) throw new ReplayMissError(key);
    const last = entry.answers.length - 1;
    const i = Math.min(entry.next, last);
    const answer = entry.answers[i]!;
    const call = JSON.parse(typeof answer === "string" ? answer : this.read(answer)) as RecordedCall;
    entry.next++;
    // Only the last answer of a key is ever given again (repeated once the others are used up).
    if (i < last) {
      if (typeof answer === "string") this.heldChars -= answer.length;
      entry.answers[i] = "";
    }
    return call;
  }

  /** Closes the file (a later replay from it reopens it). */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private index(call: RecordedCall, answer: Answer): void {
    const k = digest(replayKeyOf(call));
    let entry = this.byKey.get(k);
    if (!entry) {
      entry = { answers: [], next: 0 };
      this.byKey.set(k, entry);
    }
    entry.answers.push(answer);
    if (call.service === "STS") {
      const anyK = digest(replayKeyOf({ ...call, account: "*" }));
      let accounts = this.stsAnyAccount.get(anyK);
      if (!accounts) {
        accounts = new Set();
        this.stsAnyAccount.set(anyK, accounts);
      }
      accounts.add(call.account);
    }
  }

  private read([offset, bytes]: readonly [number, number]): string {
    this.fd ??= openSync(this.file!, "r");
    const buf = Buffer.allocUnsafe(bytes);
    let got = 0;
    while (got < bytes) {
      const n = readSync(this.fd, buf, got, bytes - got, offset + got);
      if (n === 0) throw new Error(`replay: ${this.file} ends before the recorded call at byte ${offset}`);
      got += n;
    }
    return buf.toString("utf8");
  }
}
