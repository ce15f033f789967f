/**
 * The spool's writer thread (recording/spool.ts starts it; it is not imported anywhere else). It converts
 * each call the main thread hands it — the call's raw parts as the main thread had them when the call ended
 * (`v8.serialize`d there) — into its stored form with the same code as the main thread's (`recordedCall`:
 * stored values, scrubbed of secrets), serialises it (`recordedCallText`), and encodes, hashes and writes
 * the file, while the run goes on on the main thread.
 *
 * A message: `{ calls: [seq, absolute path, serialised parts, …], claims, secrets }`. `secrets` are the
 * secrets registered on the main thread since its previous message (scrub.ts `secretsSince`); they are added
 * before any call of the message is converted, so every secret the main thread knew when a call ended is
 * known here before that call is scrubbed (postMessage keeps the order of messages). `claims` has one slot
 * per call: the main thread may claim a call first (it writes the last ones itself while it waits in
 * `finish`). The answer lists [seq, sha256, size, …] of the files written, and the first failure, after
 * which nothing more is written. `workerData.written` (shared): the bytes of the serialised calls written so
 * far, modulo 2^32 (the main thread's backlog).
 */
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { deserialize } from "node:v8";
import { parentPort, workerData } from "node:worker_threads";
import { recordedCallText } from "./format.js";
import { type CallEnd, type CallStart, recordedCall } from "./recorder.js";
import { addKnownSecrets } from "./scrub.js";

/** A call's raw parts, as the main thread serialises them when it ends (`SpoolRecorder`). */
export interface CallParts {
  seq: number;
  start: CallStart;
  end: CallEnd;
  startedAt: string;
  endedAt: string;
}

/** What the writer thread is sent: see above. */
export interface WriterMessage {
  calls: (number | string | Uint8Array)[];
  claims: Int32Array;
  secrets: string[];
}

export interface WriterAnswer {
  done: (number | string)[];
  failed?: number;
  reason?: string;
}

/** The stored bytes of a call from its serialised parts (the main thread uses it for the calls it claims). */
export function convertedCall(raw: Uint8Array): Buffer {
  const p = deserialize(raw) as CallParts;
  return Buffer.from(recordedCallText(recordedCall(p.seq, p.start, p.end, p.startedAt, p.endedAt)));
}

/** The writer thread answers after every this many bytes of serialised calls written (and at a message's end). */
const ANSWER_BYTES = 2 * 1024 * 1024;

if (parentPort && workerData?.spoolWriter) {
  const port = parentPort;
  const written = workerData.written as Int32Array;
  let failed = false;
  port.on("message", (msg: WriterMessage | "drain") => {
    if (msg === "drain") return port.postMessage("drained");
    const { calls: m, claims, secrets } = msg;
    if (secrets.length > 0) addKnownSecrets(secrets);
    let done: (number | string)[] = [];
    let bytes = 0;
    for (let i = 0; i < m.length && !failed; i += 3) {
      if (Atomics.compareExchange(claims, i / 3, 0, 1) !== 0) continue;
      const raw = m[i + 2] as Uint8Array;
      try {
        const file = convertedCall(raw);
        writeFileSync(m[i + 1] as string, file);
        done.push(m[i] as number, createHash("sha256").update(file).digest("hex"), file.length);
      } catch (e) {
        failed = true;
        port.postMessage({ done, failed: m[i], reason: e instanceof Error ? e.message : String(e) });
        return;
      }
      Atomics.add(written, 0, raw.byteLength);
      bytes += raw.byteLength;
      m[i + 2] = 0;
      // Answers as it goes (a message may hold a turn's hundreds of pages), so the main thread's copies
      // are let go of.
      if (bytes >= ANSWER_BYTES) {
        port.postMessage({ done });
        done = [];
        bytes = 0;
      }
    }
    port.postMessage({ done });
  });
}
