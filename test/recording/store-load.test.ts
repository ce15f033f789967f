/**
 * loadRecording reads every recorded call under raw/, however the directories are laid out: nested
 * directories, a directory reached through a symbolic link (followed, as `stat` follows it), files that are not
 * calls (skipped), names that sort differently from their sequence numbers (calls come back in `seq` order).
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { recordedCallPath, recordedCallText } from "../../src/recording/format.js";
import { loadRecording, ReplayIndex } from "../../src/recording/store.js";
import { callKey, recordedCall } from "../support/recorded-calls.js";

const root = mkdtempSync(join(tmpdir(), "itgc-store-load-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const calls = [
  recordedCall({ seq: 3, operation: "ListUsers", account: "111111111111", output: { Users: [] } }),
  recordedCall({
    seq: 1,
    operation: "GetAccountSummary",
    account: "111111111111",
    output: { SummaryMap: {} },
  }),
  recordedCall({ seq: 2, operation: "ListRoles", account: "222222222222", output: { Roles: [] } }),
  recordedCall({
    seq: 10,
    operation: "ListUsers",
    account: "222222222222",
    output: { Users: [{ UserName: "a" }] },
  }),
];

function write(dir: string, call: (typeof calls)[number]) {
  const file = join(dir, recordedCallPath(call));
  mkdirSync(join(file, ".."), { recursive: true });
  writeFileSync(file, recordedCallText(call));
}

describe("loadRecording", () => {
  it("reads nested and symbolically linked directories, skips other files, orders by seq", () => {
    const recording = join(root, "rec");
    const elsewhere = join(root, "elsewhere");
    for (const c of calls.slice(0, 2)) write(recording, c);
    // The second account's calls live in another directory, linked into raw/ under the account's name.
    for (const c of calls.slice(2)) write(elsewhere, c);
    symlinkSync(join(elsewhere, "raw", "222222222222"), join(recording, "raw", "222222222222"));
    writeFileSync(join(recording, "raw", "README.txt"), "not a call\n");
    writeFileSync(join(recording, "run.json"), JSON.stringify({ mode: "live" }));

    const loaded = loadRecording(recording);
    expect(loaded.calls.map((c) => c.seq)).toEqual([1, 2, 3, 10]);
    expect(loaded.calls).toMatchObject([...calls].sort((a, b) => a.seq - b.seq));
    expect(loaded.meta).toEqual({ mode: "live" });
    // And the index built from them answers each call (one canonical input per call for both of its keys).
    const index = new ReplayIndex(loaded.calls);
    for (const c of calls)
      expect(
        index.take(callKey(c.operation, c.account, c.input as object, c.service, c.region)),
      ).toMatchObject(c);
  });
});
