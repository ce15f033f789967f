/**
 * The spool's writer thread converts the calls (src/recording/spool-writer.ts): the main thread hands it each
 * call's raw parts as they were when the call ended, and the file it writes is the one the main thread would
 * have written (the memory recorder's bytes); secrets registered on the main thread reach it before the calls
 * they must be scrubbed from; a call whose parts cannot be handed over is converted on the main thread; a
 * call the writer cannot convert fails the spool.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { recordedCallBytes, recordedCallPath } from "../../src/recording/format.js";
import { type CallEnd, type CallStart, MemoryRecorder } from "../../src/recording/recorder.js";
import { registerSecret } from "../../src/recording/scrub.js";
import { SpoolRecorder, SpoolWriteError } from "../../src/recording/spool.js";
import { tempDir } from "./support.js";

const start = (i: number, input: unknown = { Marker: `m${i}` }): CallStart => ({
  provider: "aws",
  service: "CloudTrail",
  operation: "LookupEvents",
  account: "111122223333",
  region: "eu-west-1",
  input,
});

/** Records the same calls into a MemoryRecorder and a SpoolRecorder (with its writer thread). */
function both(out: string) {
  const memory = new MemoryRecorder();
  const spool = SpoolRecorder.in(out);
  return {
    memory,
    spool,
    call(s: CallStart, end: CallEnd) {
      const a = memory.begin(s);
      const b = spool.begin(s);
      a(end);
      b(end);
    },
  };
}

/** Yields to the event loop until the spool's files number `n` (the writer thread writes them). */
async function filesWritten(root: string, n: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  const count = () => {
    try {
      return readdirSync(join(root, "data/raw/111122223333/eu-west-1")).length;
    } catch {
      return 0;
    }
  };
  while (count() < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  expect(count()).toBe(n);
}

afterEach(() => {
  vi.useRealTimers();
});

describe("the writer thread's conversion", () => {
  it("writes the bytes the main thread would have written, for every shape an answer takes", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: new Date("2026-11-20T09:00:00.000Z") });
    const out = tempDir();
    const { memory, spool, call } = both(out);
    const page = (i: number) => ({
      $metadata: { httpStatusCode: 200, requestId: `req-${i}` },
      Events: Array.from({ length: 20 }, (_, j) => ({
        EventId: `e-${i}-${j}`,
        EventTime: new Date(Date.UTC(2026, 10, 1, 0, j)),
        Username: j % 3 === 0 ? undefined : `user-${j}`,
        Resources: [{ ResourceType: "AWS::IAM::Role", ResourceName: `r-${j}` }],
        CloudTrailEvent: JSON.stringify({ userIdentity: { accessKeyId: "ASIAABCDEFGHIJKLMNOP" }, n: j }),
        Unicode: "é ✓ \u{1F600}",
        Count: j === 0 ? -0 : j / 3,
        Big: 12345678901234567890n,
      })),
      Content: new Uint8Array([0, 1, 2, 250, 255]),
      Buffer: Buffer.from("user,arn\nroot,arn:aws:iam::111122223333:root\n"),
      Credentials: {
        AccessKeyId: "ASIAABCDEFGHIJKLMNOP",
        SecretAccessKey: "k",
        SessionToken: "t",
        Expiration: new Date(0),
      },
      Password: "hunter2",
      Sparse: [1, undefined, null, 3],
      NextToken: `token-${i}`,
    });
    for (let i = 0; i < 50; i++)
      call(start(i), { output: page(i), requestId: `req-${i}`, attempts: 1 + (i % 3) });
    call(start(50), {
      error: { name: "ThrottlingException", message: "Rate exceeded", fault: "client" },
      attempts: 3,
    });
    await filesWritten(spool.root, 51);
    const { spooled } = await spool.finish();
    // Every call was handed to the writer thread (the main thread had nothing left to claim in finish).
    expect(spool.convertedHere).toBe(0);
    const calls = memory.all();
    expect(spooled!.calls).toHaveLength(calls.length);
    for (const [i, c] of calls.entries()) {
      const entry = spooled!.calls[i]!;
      expect(entry.path).toBe(`data/${recordedCallPath(c)}`);
      const expected = recordedCallBytes(c);
      expect(readFileSync(join(spooled!.root, entry.path)).equals(expected), entry.path).toBe(true);
      expect(entry.size).toBe(expected.length);
    }
    expect(spool.stats()).toEqual(memory.stats());
    expect(spool.stats()).toMatchObject({ calls: 51, errors: 1, throttled: 1 });
    await spool.discard();
  });

  it("records the answer as it was when the call ended, not what the caller made of it later", async () => {
    const out = tempDir();
    const spool = SpoolRecorder.in(out);
    const output = { Events: [{ EventId: "e-1", Username: "alice" }] };
    spool.begin(start(1))({ output });
    // The batch is posted at the end of this turn: the caller's change comes before it.
    output.Events[0]!.Username = "mallory";
    output.Events.push({ EventId: "e-2", Username: "eve" });
    const { spooled } = await spool.finish();
    const text = readFileSync(join(spooled!.root, spooled!.calls[0]!.path), "utf8");
    expect(JSON.parse(text).output).toEqual({ Events: [{ EventId: "e-1", Username: "alice" }] });
    await spool.discard();
  });
});

describe("a call whose parts cannot be handed to the writer thread", () => {
  it("is converted on the main thread (a function, a symbol): no crash, no call lost, the same bytes", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: new Date("2026-11-20T09:00:00.000Z") });
    const out = tempDir();
    const { memory, spool, call } = both(out);
    call(start(1), { output: { Users: [{ UserName: "a" }] } });
    call(start(2), { output: { Users: [{ UserName: "b", toString: () => "b" }] } });
    call(start(3), { output: { Kind: Symbol("k"), Users: [] } });
    call(start(4), { output: { Users: [{ UserName: "d" }] } });
    await filesWritten(spool.root, 4);
    const { spooled } = await spool.finish();
    expect(spool.convertedHere).toBe(2);
    expect(spooled!.calls.map((c) => c.seq)).toEqual([1, 2, 3, 4]);
    for (const [i, c] of memory.all().entries()) {
      const bytes = readFileSync(join(spooled!.root, spooled!.calls[i]!.path));
      expect(bytes.equals(recordedCallBytes(c)), String(c.seq)).toBe(true);
    }
    await spool.discard();
  });
});

describe("secrets and the writer thread", () => {
  it("a secret registered after earlier calls were handed over is scrubbed from every later call", async () => {
    const out = tempDir();
    const spool = SpoolRecorder.in(out);
    const early = "eArLy-sEcReT-registered-before-0123";
    registerSecret(early);
    spool.begin(start(1))({ output: { Note: `early ${early}` } });
    // Call 1 is posted and written: the writer thread has had its message (and the secrets of then).
    await filesWritten(spool.root, 1);
    const late = "lAtE-sEcReT-from-an-AssumeRole-4567";
    registerSecret(late);
    spool.begin(start(2))({
      output: { Note: `late ${late} ${encodeURIComponent(`${late}/`)}`, Other: early },
    });
    // Converted by the writer thread (finish would claim an unwritten call for the main thread).
    await filesWritten(spool.root, 2);
    const { spooled } = await spool.finish();
    expect(spool.convertedHere).toBe(0);
    const texts = spooled!.calls.map((c) => readFileSync(join(spooled!.root, c.path), "utf8"));
    for (const text of texts) {
      expect(text).not.toContain(early);
      expect(text).not.toContain(late);
      expect(text).toContain("[REDACTED]");
    }
    await spool.discard();
  });
});

describe("a call the writer thread cannot convert", () => {
  it("fails the spool: finish rejects with it, later calls are refused, discard removes the spool", async () => {
    const out = tempDir();
    const spool = SpoolRecorder.in(out);
    spool.begin(start(1))({ output: { Users: [] } });
    // An invalid date has no ISO form: converting it throws (on any thread).
    spool.begin(start(2))({ output: { Expiration: new Date(Number.NaN) } });
    const finished = spool.finish();
    await expect(finished).rejects.toBeInstanceOf(SpoolWriteError);
    await expect(finished).rejects.toThrow(
      /recorded call data\/raw\/111122223333\/eu-west-1\/000002-CloudTrail.LookupEvents.json .*Invalid time value.*\); no bundle was written/,
    );
    expect(() => spool.begin(start(3))).toThrow(SpoolWriteError);
    await spool.discard();
    expect(readdirSync(out)).toEqual([]);
  });
});
