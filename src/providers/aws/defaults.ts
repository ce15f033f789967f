/**
 * AWS defaults and flag parsers that the CLI needs to *describe* its options (`--help`), kept apart from the
 * modules that use them so that defining the options loads no AWS SDK.
 */

export const DEFAULT_ROLE_SESSION_NAME = "itgc-validate";
export const DEFAULT_MEMBER_ROLE = "ITGCAuditReadOnly";

/** Per-attempt timeout unless --call-timeout says otherwise. */
export const DEFAULT_CALL_TIMEOUT_MS = 30_000;

export const AWS_DEFAULTS = {
  /**
   * Attempts in flight over the whole run. AWS throttles per account, region and API, which the per-account
   * and per-account/region/operation limits below bound; this one bounds only this process (sockets, memory,
   * CPU). At 64 an organization run waited on it: 120,000 calls at 50 ms need ≥ 94 s at 64 in flight, ≥ 12 s
   * at 512 (docs/performance.md, "Org scale, round 6").
   */
  concurrency: 512,
  accountConcurrency: 16,
  apiConcurrency: 8,
  maxAttempts: 8,
  /** AssumeRole calls in flight while fanning out over an organization. */
  assumeConcurrency: 16,
} as const;

export interface Shard {
  /** 0-based (a Kubernetes Indexed Job's JOB_COMPLETION_INDEX). */
  index: number;
  count: number;
}

export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not I/N (e.g. 0/4)`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count) throw new Error(`"${text}": need 0 <= I < N`);
  return { index, count };
}
