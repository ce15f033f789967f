/**
 * The lazy replay source (src/recording/replay-lazy.ts) answers exactly as ReplayIndex does — strict, identical
 * calls in recorded order, the last answer repeated, an account-less call (before GetCallerIdentity) found when
 * one account has it — while holding the calls as JSON text, and releasing an answer no call can ask again.
 */
import { describe, expect, it } from "vitest";
import type { RecordedCall } from "../../src/recording/format.js";
import { SerializedReplayIndex } from "../../src/recording/replay-lazy.js";
import { type CallKey, ReplayIndex, ReplayMissError } from "../../src/recording/store.js";

const call = (
  seq: number,
  operation: string,
  account: string,
  output: object,
  input: object = {},
): RecordedCall => ({
  seq,
  provider: "aws",
  service: "IAM",
  operation,
  account,
  region: "us-east-1",
  input,
  output,
  startedAt: "2026-11-20T09:00:00.000Z",
  endedAt: "2026-11-20T09:00:00.100Z",
});

// GenerateCredentialReport answers STARTED, then COMPLETE (then COMPLETE again: the last answer repeats).
const calls = [
  call(1, "GenerateCredentialReport", "111111111111", { State: "STARTED" }),
  call(2, "GetAccountSummary", "111111111111", { SummaryMap: { Users: 1 } }),
  call(3, "GenerateCredentialReport", "111111111111", { State: "COMPLETE" }),
  call(4, "ListUsers", "222222222222", { Users: [], IsTruncated: false }, { MaxItems: 1000 }),
];

const key = (operation: string, account: string | undefined, input: object = {}): CallKey => ({
  provider: "aws",
  service: "IAM",
  operation,
  account,
  region: "us-east-1",
  input,
});

function lazy(): SerializedReplayIndex {
  const index = new SerializedReplayIndex();
  for (const c of calls) index.add(JSON.stringify(c));
  return index;
}

describe("SerializedReplayIndex", () => {
  it("answers the same sequence as ReplayIndex, and misses the same calls", () => {
    const eager = new ReplayIndex(calls);
    const text = lazy();
    const asked = [
      key("GenerateCredentialReport", "111111111111"),
      key("GetAccountSummary", undefined), // account not yet known: the one account that has it
      key("GenerateCredentialReport", "111111111111"),
      key("GenerateCredentialReport", "111111111111"),
      key("ListUsers", "222222222222", { MaxItems: 1000 }),
    ];
    const answers = asked.map((k) => text.take(k).output);
    expect(answers).toEqual(asked.map((k) => eager.take(k).output));
    expect(answers.map((o) => (o as { State?: string }).State)).toEqual([
      "STARTED",
      undefined,
      "COMPLETE",
      "COMPLETE",
      undefined,
    ]);
    for (const miss of [
      key("ListUsers", "222222222222"),
      key("ListUsers", "111111111111", { MaxItems: 1000 }),
    ]) {
      expect(() => text.take(miss)).toThrow(ReplayMissError);
      expect(() => eager.take(miss)).toThrow(ReplayMissError);
    }
  });

  it("releases an answer once no call can ask for it again, and keeps the one that repeats", () => {
    const index = lazy();
    const total = calls.reduce((n, c) => n + JSON.stringify(c).length, 0);
    expect(index.held).toBe(total);
    index.take(key("GenerateCredentialReport", "111111111111")); // STARTED: never given again
    expect(index.held).toBe(total - JSON.stringify(calls[0]).length);
    index.take(key("GenerateCredentialReport", "111111111111")); // COMPLETE: the last, repeated from now on
    index.take(key("GetAccountSummary", "111111111111"));
    expect(index.held).toBe(total - JSON.stringify(calls[0]).length);
    expect(index.take(key("GenerateCredentialReport", "111111111111")).output).toEqual({ State: "COMPLETE" });
  });
});
