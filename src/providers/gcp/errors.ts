/**
 * Google API errors: recognising them by gRPC status, and rebuilding recorded ones for replay. Google's Node
 * clients raise errors carrying the numeric gRPC `code` (7 = PERMISSION_DENIED) and a `details` string; the
 * REST helper raises the same shape from the HTTP error body (`error.status`).
 */
import type { RecordedError } from "../../recording/format.js";

/** gRPC status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html). */
export const GRPC_STATUS: readonly string[] = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
];

export const PERMISSION_DENIED = 7;
export const NOT_FOUND = 5;

/** An error from a Google API (live or replayed): `name` is the gRPC status name, `code` its number. */
export class GcpApiError extends Error {
  readonly code: number;
  readonly details: string;
  constructor(code: number, details: string) {
    const status = GRPC_STATUS[code] ?? "UNKNOWN";
    super(`${code} ${status}: ${details}`);
    this.name = status;
    this.code = code;
    this.details = details;
  }
}

/** The numeric gRPC code of a Google client error, when it has one. */
export function grpcCode(e: unknown): number | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "number" && Number.isInteger(code) ? code : undefined;
}

export function isGcpError(e: unknown, code: number): boolean {
  return grpcCode(e) === code;
}

export function toRecordedError(e: unknown): RecordedError {
  const code = grpcCode(e);
  const err = e as { name?: string; message?: string; details?: string };
  if (code !== undefined) {
    return {
      name: GRPC_STATUS[code] ?? "UNKNOWN",
      message: err.details || err.message || String(e),
      code,
    };
  }
  return { name: err.name ?? "Error", message: err.message ?? String(e) };
}

/** Rebuilds the error a recorded call ended with, so replay raises what the live call raised. */
export function fromRecordedError(r: RecordedError): Error {
  if (r.code !== undefined) return new GcpApiError(r.code, r.message);
  const idx = GRPC_STATUS.indexOf(r.name);
  if (idx > 0) return new GcpApiError(idx, r.message);
  const err = new Error(r.message);
  err.name = r.name;
  return err;
}
