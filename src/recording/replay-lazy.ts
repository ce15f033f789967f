/**
 * A replay source that keeps each recorded call as its JSON text and parses it only when the call is
 * replayed (docs/performance.md, "Org scale, round 6").
 *
 * `ReplayIndex` (store.ts) holds every recorded call as objects for the whole run: for an organization that
 * is the largest thing a replay holds besides the run's own state (org-1000: ≈ 600,000 calls, ≈ 430 MB of
 * objects against ≈ 300 MB of text). This index holds the text instead (a JSON line is a flat one-byte
 * string, about a third of the objects' size), builds the same keys, and answers with the same semantics:
 * strict (a call with no recorded answer is a ReplayMissError), identical calls answered in recorded order,
 * the last answer repeated once they are used up. An answer that can never be asked again (an earlier one of
 * several identical calls, once taken) is dropped.
 */
import type { RecordedCall } from "./format.js";
import { type CallKey, ReplayMissError, replayKeyOf } from "./store.js";

interface Entry {
  /** The recorded calls of one key, as JSON text, in recorded order; a taken, never-repeated one is "". */
  texts: string[];
  next: number;
}

export class SerializedReplayIndex {
  private readonly byKey = new Map<string, Entry>();
  /**
   * Key with the account as "*" → the accounts that have it: built on the first call asked without an
   * account (before GetCallerIdentity), from the keys, instead of one more key and set per recorded call.
   */
  private byKeyAnyAccount: Map<string, Set<string>> | undefined;
  private heldChars = 0;

  /** Adds one recorded call given as its JSON text; calls must be added in recorded (seq) order. */
  add(text: string): void {
    const call = JSON.parse(text) as RecordedCall;
    const k = replayKeyOf(call);
    let entry = this.byKey.get(k);
    if (!entry) {
      entry = { texts: [], next: 0 };
      this.byKey.set(k, entry);
    }
    entry.texts.push(text);
    this.heldChars += text.length;
    this.byKeyAnyAccount = undefined;
  }

  /** The accounts with a recorded call of this key, whatever its account. */
  private accountsOf(key: CallKey): Set<string> | undefined {
    if (!this.byKeyAnyAccount) {
      this.byKeyAnyAccount = new Map();
      for (const k of this.byKey.keys()) {
        // provider|service|operation|account|region|input: the account is the fourth field (ids have no "|").
        const parts = k.split("|");
        const any = [...parts.slice(0, 3), "*", ...parts.slice(4)].join("|");
        let accounts = this.byKeyAnyAccount.get(any);
        if (!accounts) {
          accounts = new Set();
          this.byKeyAnyAccount.set(any, accounts);
        }
        accounts.add(parts[3]!);
      }
    }
    return this.byKeyAnyAccount.get(replayKeyOf({ ...key, account: "*" }));
  }

  /** Characters of recorded text still held (a diagnostic: answers taken for good are released). */
  get held(): number {
    return this.heldChars;
  }

  take(key: CallKey): RecordedCall {
    let account = key.account;
    if (account === undefined) {
      const accounts = this.accountsOf(key);
      if (accounts?.size === 1) account = [...accounts][0];
    }
    const entry = account === undefined ? undefined : this.byKey.get(replayKeyOf({ ...key, account }));
    if (!entry) throw new ReplayMissError(key);
    const last = entry.texts.length - 1;
    const i = Math.min(entry.next, last);
    const call = JSON.parse(entry.texts[i]!) as RecordedCall;
    entry.next++;
    // Only the last answer of a key is ever given again (repeated once the others are used up).
    if (i < last) {
      this.heldChars -= entry.texts[i]!.length;
      entry.texts[i] = "";
    }
    return call;
  }
}
