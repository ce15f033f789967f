/**
 * Recorded AWS calls and replay keys, built by hand for tests of the replay indexes and the replayed clients
 * (test/recording/, test/org/client-*.test.ts): the shape the recorder writes (src/recording/format.ts), at a
 * fixed time, and the key a replayed call asks for.
 */
import type { RecordedCall } from "../../src/recording/format.js";
import type { CallKey } from "../../src/recording/store.js";

export interface AwsCallSpec {
  seq: number;
  operation: string;
  account: string;
  output: object;
  input?: object;
  service?: string;
  region?: string;
}

/** One recorded AWS call (default: IAM, us-east-1, no input), started 2026-11-20T09:00:00Z. */
export function recordedCall(c: AwsCallSpec): RecordedCall {
  return {
    seq: c.seq,
    provider: "aws",
    service: c.service ?? "IAM",
    operation: c.operation,
    account: c.account,
    region: c.region ?? "us-east-1",
    input: c.input ?? {},
    output: c.output,
    startedAt: "2026-11-20T09:00:00.000Z",
    endedAt: "2026-11-20T09:00:00.100Z",
  };
}

/** The key an AWS call asks the replay with (account undefined: not yet known, as before GetCallerIdentity). */
export function callKey(
  operation: string,
  account: string | undefined,
  input: object = {},
  service = "IAM",
  region = "us-east-1",
): CallKey {
  return { provider: "aws", service, operation, account, region, input };
}
