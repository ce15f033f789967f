/**
 * The recorded-call format: one JSON file per API call (per page), used for three things at once —
 * the raw evidence in a bundle, replay (`--replay DIR`), and the test fixtures under fixtures/.
 *
 * Layout under a recording directory:  raw/<account|project>/<region>/<seq>-<Service>.<Operation>.json
 * Values are stored the way the JSON wire formats carry them: timestamps as ISO 8601 strings, blobs
 * (e.g. the IAM credential report's Content) as standard base64. Query modules accept both forms, so a
 * replayed answer and a live one normalise to the same rows.
 */

import type { Provider } from "../core/types.js";
import { scrubSecrets } from "./scrub.js";

export const RECORDED_CALL_FORMAT = "itgc-validate/recorded-call@1";

export interface RecordedError {
  /** The SDK error name, e.g. AccessDenied, NoSuchEntityException, ThrottlingException, PERMISSION_DENIED. */
  name: string;
  message: string;
  /** AWS: client | server. */
  fault?: "client" | "server";
  httpStatusCode?: number;
  /** gRPC status code (GCP). */
  code?: number;
}

export interface RecordedCall {
  format?: string;
  /** Order in the run (1-based); informational for hand-written fixtures, used in file names. */
  seq: number;
  provider: Provider;
  /** AWS: the SDK client name without "Client" (IAM, CloudTrail, ConfigService). GCP: the client (ProjectsClient). */
  service: string;
  /** AWS: command name without "Command". GCP: method name (searchProjects). */
  operation: string;
  /** AWS account id, or GCP project / organization / folder the call was about. */
  account: string;
  /** AWS region the client was configured for, or "global". */
  region: string;
  input: unknown;
  output?: unknown;
  error?: RecordedError;
  requestId?: string;
  /** Attempts the SDK made (1 = no retry). */
  attempts?: number;
  startedAt: string;
  endedAt: string;
}

/** File name of a call inside the recording: raw/<account>/<region>/<seq>-<Service>.<Operation>.json */
export function recordedCallPath(
  call: Pick<RecordedCall, "seq" | "account" | "region" | "service" | "operation">,
): string {
  const seq = String(call.seq).padStart(6, "0");
  return `raw/${safeName(call.account)}/${safeName(call.region)}/${seq}-${safeName(call.service)}.${safeName(call.operation)}.json`;
}

/**
 * The bytes of a recorded call's file: a bundle's data/raw/… and a recording's raw/… are the same bytes,
 * whether the call was kept in memory until the bundle was written or spooled to disk as it completed.
 */
export function recordedCallBytes(call: RecordedCall): Buffer {
  return Buffer.from(recordedCallText(call));
}

/** The text of a recorded call's file (`recordedCallBytes` is its UTF-8). */
export function recordedCallText(call: RecordedCall): string {
  return `${JSON.stringify({ format: RECORDED_CALL_FORMAT, ...call }, null, 2)}\n`;
}

/** Keeps file names to [A-Za-z0-9._-] (BagIt portability). */
export function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, "_") || "_";
}

const REDACTED = "[REDACTED]";
const SECRET_KEYS = new Set([
  "SecretAccessKey",
  "SessionToken",
  "Password",
  "PrivateKey",
  "accessToken",
  "private_key",
]);

/**
 * Converts an SDK output to its stored form: drops $metadata, turns Date into ISO strings and bytes into
 * base64, and redacts secrets: members named like secrets (temporary credentials from AssumeRole never reach
 * the evidence), and every string through the secret scrubber (recording/scrub.ts). Bytes are stored as
 * they came (base64), unscrubbed: they are the API's own payload (the credential report's CSV).
 */
export function toStoredValue(value: unknown, key?: string): unknown {
  if (key && SECRET_KEYS.has(key)) return value === undefined ? undefined : REDACTED;
  if (typeof value === "string") return scrubSecrets(value);
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = toStoredValue(value[i]);
    return out;
  }
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    const record = value as Record<string, unknown>;
    // Object.keys, not Object.entries: the same own keys in the same order, without a pair per member
    // (the recorder copies every member of every answer).
    for (const k of Object.keys(record)) {
      const v = record[k];
      if (k === "$metadata" || v === undefined) continue;
      if (k === "Credentials" && v && typeof v === "object" && "AccessKeyId" in v) {
        const exp = (v as { Expiration?: unknown }).Expiration;
        out[k] = {
          AccessKeyId: REDACTED,
          SecretAccessKey: REDACTED,
          SessionToken: REDACTED,
          Expiration: toStoredValue(exp),
        };
        continue;
      }
      out[k] = toStoredValue(v, k);
    }
    return out;
  }
  if (typeof value === "bigint") return value.toString();
  return value;
}
