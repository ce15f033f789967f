/**
 * Records every API call of a run, in order, for the evidence bundle. Providers call `begin` before a call
 * and `end` after it (with the output or the error), so sequence numbers follow the order calls were issued.
 *
 * One interface, two implementations, chosen by the caller of the run:
 * - `MemoryRecorder` keeps every call (tests, replay into memory, reperform, the bench's children);
 * - `SpoolRecorder` (spool.ts) writes each call to disk as it completes and keeps only its path, hash and
 *   size: a run that writes a bundle does not hold 30,000–600,000 answers until the end.
 * Both build a call the same way (`recordedCall`: stored values, scrubbed of secrets), so the bytes that end
 * up in data/raw/… are the same either way.
 */
import type { Provider } from "../core/types.js";
import { type RecordedCall, type RecordedError, toStoredValue } from "./format.js";
import { scrubSecrets } from "./scrub.js";
import type { SpooledCalls } from "./spool.js";

export interface CallStart {
  provider: Provider;
  service: string;
  operation: string;
  account: string | undefined;
  region: string;
  input: unknown;
}

export interface CallEnd {
  output?: unknown;
  error?: RecordedError;
  requestId?: string;
  attempts?: number;
  /** Fills in the account when the session learned it from this very call (GetCallerIdentity). */
  account?: string;
}

export interface RecorderStats {
  calls: number;
  errors: number;
  /** Extra attempts made by the SDK's retry strategy, summed over all calls. */
  retries: number;
  /** Calls that ended in a throttling error (after the SDK's retries). */
  throttled: number;
}

/** What a run's recorder holds once the run is over. */
export interface RecordedCalls {
  /** Every call, in issue order — a MemoryRecorder's; empty when the calls were spooled. */
  calls: RecordedCall[];
  /** A SpoolRecorder's: where the calls' files are, with their hashes. */
  spooled?: SpooledCalls;
}

export interface Recorder {
  /** Called before a call; the returned function is called once when it ends. Never throws from `end`. */
  begin(start: CallStart): (end: CallEnd) => void;
  stats(): RecorderStats;
  /** Waits for whatever is still being recorded; fails if a call could not be recorded. */
  finish(): Promise<RecordedCalls>;
}

const THROTTLE = /thrott|TooManyRequests|RequestLimitExceeded/i;

/**
 * The call as stored: values converted and scrubbed of secrets before they are kept anywhere. `endedAt` is
 * when the call ended (default: now); the spool converts on its writer thread, later, and passes it.
 */
export function recordedCall(
  seq: number,
  start: CallStart,
  end: CallEnd,
  startedAt: string,
  endedAt = new Date().toISOString(),
): RecordedCall {
  return {
    seq,
    provider: start.provider,
    service: start.service,
    operation: start.operation,
    account: recordedAccount(start, end),
    region: start.region,
    input: toStoredValue(start.input ?? {}),
    ...(end.error
      ? { error: { ...end.error, message: scrubSecrets(end.error.message) } }
      : { output: toStoredValue(end.output ?? {}) }),
    ...(end.requestId ? { requestId: scrubSecrets(end.requestId) } : {}),
    ...(end.attempts !== undefined ? { attempts: end.attempts } : {}),
    startedAt,
    endedAt,
  };
}

/** The account a call is recorded under (its file's directory): as `recordedCall` sets it. */
export function recordedAccount(start: CallStart, end: CallEnd): string {
  return end.account ?? start.account ?? "unknown";
}

/** Running totals of the calls recorded (run.json's stats). */
export class CallCounts {
  private readonly counts: RecorderStats = { calls: 0, errors: 0, retries: 0, throttled: 0 };

  add(call: Pick<RecordedCall, "error" | "attempts">): void {
    this.counts.calls++;
    if (call.error) this.counts.errors++;
    if (call.error && THROTTLE.test(call.error.name)) this.counts.throttled++;
    if (call.attempts && call.attempts > 1) this.counts.retries += call.attempts - 1;
  }

  get(): RecorderStats {
    return { ...this.counts };
  }
}

/** Keeps every call in memory. */
export class MemoryRecorder implements Recorder {
  private seq = 0;
  private readonly calls: RecordedCall[] = [];
  private readonly counts = new CallCounts();

  begin(start: CallStart): (end: CallEnd) => void {
    const seq = ++this.seq;
    const startedAt = new Date().toISOString();
    return (end) => {
      const call = recordedCall(seq, start, end, startedAt);
      this.calls.push(call);
      this.counts.add(call);
    };
  }

  /** Calls in issue order. */
  all(): RecordedCall[] {
    return [...this.calls].sort((a, b) => a.seq - b.seq);
  }

  stats(): RecorderStats {
    return this.counts.get();
  }

  async finish(): Promise<RecordedCalls> {
    return { calls: this.all() };
  }
}

/**
 * The in-memory recorder under its first name: `new Recorder()` in tests and tools that keep every call.
 * (The type `Recorder` is the interface above; this is a value.)
 */
export const Recorder = MemoryRecorder;
