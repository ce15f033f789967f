/**
 * The lazy replay source (src/recording/replay-lazy.ts) answers exactly as ReplayIndex does — strict, identical
 * calls in recorded order, the last answer repeated, an account-less STS call (before GetCallerIdentity) found
 * when one account has it — while holding the calls as JSON text or only their place in a file, and
 * releasing an answer no call can ask again.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { RecordedCall } from "../../src/recording/format.js";
import { SerializedReplayIndex } from "../../src/recording/replay-lazy.js";
import { ReplayIndex, ReplayMissError } from "../../src/recording/store.js";
import { callKey, recordedCall } from "../support/recorded-calls.js";

const call = (
  seq: number,
  operation: string,
  account: string,
  output: object,
  input: object = {},
  service = "IAM",
): RecordedCall => recordedCall({ seq, operation, account, output, input, service });

// GenerateCredentialReport answers STARTED, then COMPLETE (then COMPLETE again: the last answer repeats).
const calls = [
  call(1, "GenerateCredentialReport", "111111111111", { State: "STARTED" }),
  call(2, "GetCallerIdentity", "111111111111", { Account: "111111111111" }, {}, "STS"),
  call(3, "GenerateCredentialReport", "111111111111", { State: "COMPLETE" }),
  call(4, "ListUsers", "222222222222", { Users: [], IsTruncated: false }, { MaxItems: 1000 }),
];

const key = callKey;

function lazy(): SerializedReplayIndex {
  const index = new SerializedReplayIndex();
  for (const c of calls) index.add(JSON.stringify(c));
  return index;
}

const dir = mkdtempSync(join(tmpdir(), "itgc-replay-lazy-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The same calls, one JSON line each in a file (a non-ASCII name: offsets are bytes), indexed by place. */
function inFile(): SerializedReplayIndex {
  const file = join(dir, "calls.jsonl");
  const lines = calls.map((c) =>
    JSON.stringify({ ...c, output: { ...(c.output as object), Note: "café — ü" } }),
  );
  writeFileSync(file, `${lines.join("\n")}\n`);
  const index = new SerializedReplayIndex(file);
  let offset = 0;
  for (const l of lines) {
    const bytes = Buffer.byteLength(l);
    index.addAt(l, offset, bytes);
    offset += bytes + 1;
  }
  return index;
}

describe("SerializedReplayIndex", () => {
  it.each([
    ["text in memory", lazy],
    ["places in a file", inFile],
  ])("answers the same sequence as ReplayIndex, and misses the same calls (%s)", (_, make) => {
    const eager = new ReplayIndex(calls);
    const text = make();
    const asked = [
      key("GenerateCredentialReport", "111111111111"),
      key("GetCallerIdentity", undefined, {}, "STS"), // account not yet known: the one account that has it
      key("GenerateCredentialReport", "111111111111"),
      key("GenerateCredentialReport", "111111111111"),
      key("ListUsers", "222222222222", { MaxItems: 1000 }),
    ];
    const answers = asked.map((k) => {
      const { Note: _, ...output } = text.take(k).output as { Note?: string };
      return output;
    });
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
    // Only STS calls are looked up without an account; anything else without one is a miss (fails closed).
    expect(() => text.take(key("ListUsers", undefined, { MaxItems: 1000 }))).toThrow(ReplayMissError);
    text.close();
  });

  it("reads a call back from its file byte for byte (UTF-8 beyond ASCII), holding no text", () => {
    const index = inFile();
    expect(index.take(key("GenerateCredentialReport", "111111111111")).output).toEqual({
      State: "STARTED",
      Note: "café — ü",
    });
    expect(index.held).toBe(0);
    index.close();
  });

  it("releases an answer once no call can ask for it again, and keeps the one that repeats", () => {
    const index = lazy();
    const total = calls.reduce((n, c) => n + JSON.stringify(c).length, 0);
    expect(index.held).toBe(total);
    index.take(key("GenerateCredentialReport", "111111111111")); // STARTED: never given again
    expect(index.held).toBe(total - JSON.stringify(calls[0]).length);
    index.take(key("GenerateCredentialReport", "111111111111")); // COMPLETE: the last, repeated from now on
    index.take(key("GetCallerIdentity", "111111111111", {}, "STS"));
    expect(index.held).toBe(total - JSON.stringify(calls[0]).length);
    expect(index.take(key("GenerateCredentialReport", "111111111111")).output).toEqual({ State: "COMPLETE" });
  });
});
