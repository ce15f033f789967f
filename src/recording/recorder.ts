/**
 * Collects every API call of a run, in order, for the evidence bundle. Providers call `begin` before a call
 * and `end` after it (with the output or the error), so sequence numbers follow the order calls were issued.
 */
import type { Provider } from "../core/types.js";
import { type RecordedCall, type RecordedError, toStoredValue } from "./format.js";
import { scrubSecrets } from "./scrub.js";

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
}

export class Recorder {
  private seq = 0;
  private readonly calls: RecordedCall[] = [];

  begin(start: CallStart): (end: CallEnd) => void {
    const seq = ++this.seq;
    const startedAt = new Date().toISOString();
    return (end) => {
      this.calls.push({
        seq,
        provider: start.provider,
        service: start.service,
        operation: start.operation,
        account: end.account ?? start.account ?? "unknown",
        region: start.region,
        input: toStoredValue(start.input ?? {}),
        ...(end.error
          ? { error: { ...end.error, message: scrubSecrets(end.error.message) } }
          : { output: toStoredValue(end.output ?? {}) }),
        ...(end.requestId ? { requestId: scrubSecrets(end.requestId) } : {}),
        ...(end.attempts !== undefined ? { attempts: end.attempts } : {}),
        startedAt,
        endedAt: new Date().toISOString(),
      });
    };
  }

  /** Calls in issue order. */
  all(): RecordedCall[] {
    return [...this.calls].sort((a, b) => a.seq - b.seq);
  }

  stats(): RecorderStats {
    let errors = 0;
    let retries = 0;
    for (const c of this.calls) {
      if (c.error) errors++;
      if (c.attempts && c.attempts > 1) retries += c.attempts - 1;
    }
    return { calls: this.calls.length, errors, retries };
  }
}
