/** Helpers for AWS SDK errors: recognising them by code, and rebuilding recorded ones for replay. */

import type { RecordedError } from "../../recording/format.js";
import { ServiceException } from "./sdk/smithy-client.js";

/**
 * True when `e` is the AWS error `code`, whichever form the SDK gave it: modeled errors are named
 * `<Code>Exception` (NoSuchEntityException), unmodeled ones carry the bare code (AccessDenied).
 */
export function isAwsError(e: unknown, ...codes: string[]): boolean {
  if (!e || typeof e !== "object") return false;
  const name = (e as { name?: string }).name ?? "";
  const code = (e as { Code?: string }).Code;
  return codes.some((c) => name === c || name === `${c}Exception` || code === c);
}

export function isAccessDenied(e: unknown): boolean {
  return isAwsError(
    e,
    "AccessDenied",
    "UnauthorizedOperation",
    "AccessDeniedException",
    "UnrecognizedClientException",
  );
}

export function toRecordedError(e: unknown): RecordedError {
  const err = e as {
    name?: string;
    message?: string;
    $fault?: "client" | "server";
    $metadata?: { httpStatusCode?: number };
  };
  return {
    name: err.name ?? "Error",
    message: err.message ?? String(e),
    ...(err.$fault ? { fault: err.$fault } : {}),
    ...(err.$metadata?.httpStatusCode ? { httpStatusCode: err.$metadata.httpStatusCode } : {}),
  };
}

/** Rebuilds the SDK exception a recorded call ended with, so replay raises what the live call raised. */
export function fromRecordedError(r: RecordedError, requestId?: string): ServiceException {
  const err = new ServiceException({
    name: r.name,
    $fault: r.fault ?? "client",
    $metadata: { httpStatusCode: r.httpStatusCode ?? 400, ...(requestId ? { requestId } : {}) },
    message: r.message,
  });
  (err as unknown as { Code: string }).Code = r.name.replace(/Exception$/, "");
  return err;
}

/** Error codes AWS uses for throttling (the SDK's own list, plus the HTTP 429 status). */
const THROTTLING_CODES = new Set([
  "BandwidthLimitExceeded",
  "EC2ThrottledException",
  "LimitExceededException",
  "PriorRequestNotComplete",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
  "ThrottledException",
  "Throttling",
  "ThrottlingException",
  "TooManyRequestsException",
  "TransactionInProgressException",
]);

export function isThrottling(e: unknown): boolean {
  if (!e || typeof e !== "object") return false;
  const err = e as {
    name?: string;
    $metadata?: { httpStatusCode?: number };
    $retryable?: { throttling?: boolean };
  };
  return (
    THROTTLING_CODES.has(err.name ?? "") ||
    err.$metadata?.httpStatusCode === 429 ||
    err.$retryable?.throttling === true
  );
}

/**
 * Errors meaning "this scope is closed to us": the region is not enabled (opt-in), or a policy (an SCP
 * restricting regions, a permissions boundary) denies the call.
 */
export function isScopeDenied(e: unknown): boolean {
  return (
    isAccessDenied(e) ||
    isAwsError(e, "AuthFailure", "OptInRequired", "InvalidClientTokenId", "UnrecognizedClient")
  );
}

/** What came back on the wire for a failed attempt (captured below the SDK's deserializer). */
export interface WireAnswer {
  status?: number;
  contentType?: string;
  /** The first bytes of the body, as text. */
  preview?: string;
  length?: number;
}

/** Names a body for an error reason: empty, an HTML page, JSON, XML, or something else. */
export function describeBody(a: WireAnswer): string {
  const ct = a.contentType ? a.contentType.split(";")[0]!.trim() : undefined;
  const text = (a.preview ?? "").trimStart();
  if (a.length === 0 || (a.preview !== undefined && text === ""))
    return `an empty body${ct ? ` (${ct})` : ""}`;
  if (/html/i.test(ct ?? "") || /^<(!doctype html|html)/i.test(text))
    return `an HTML page${ct ? ` (${ct})` : ""}, not an AWS answer`;
  if (text.startsWith("{") || /json/i.test(ct ?? "")) return `a JSON body${ct ? ` (${ct})` : ""}`;
  if (text.startsWith("<") || /xml/i.test(ct ?? "")) return `an XML body${ct ? ` (${ct})` : ""}`;
  return `a ${ct ?? "non-AWS"} body`;
}

const OPAQUE_NAMES = new Set(["Unknown", "UnknownError", "Error", "SyntaxError", "TypeError"]);

/**
 * Makes a failed call's error say what happened: the operation, the HTTP status and what the body was.
 * The SDK answers an unparsable error body (an HTML page from a proxy, an empty 503) with the name and
 * message `Unknown`, and a malformed 2xx body with a bare parser message; neither tells an auditor
 * anything. The error object is changed in place (so retry and scope-gap logic keep working on it).
 */
export function explainAwsError(
  e: unknown,
  op: { service: string; operation: string },
  wire?: WireAnswer,
): void {
  if (!e || typeof e !== "object") return;
  const err = e as {
    name?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number; attempts?: number };
    $response?: { statusCode?: number; headers?: Record<string, string> };
  };
  const label = `${op.service}.${op.operation}`;
  const status = wire?.status ?? err.$response?.statusCode ?? err.$metadata?.httpStatusCode;
  const contentType = wire?.contentType ?? headerOf(err.$response?.headers, "content-type");
  const message = err.message ?? "";
  const opaque =
    OPAQUE_NAMES.has(err.name ?? "Error") ||
    message === "" ||
    message === "Unknown" ||
    message === "UnknownError" ||
    /Deserialization error/.test(message);
  const attempts = err.$metadata?.attempts;
  const tries = attempts && attempts > 1 ? ` after ${attempts} attempts` : "";
  if (opaque && status !== undefined) {
    const body = describeBody({ ...wire, contentType });
    const parse = /Deserialization error/.test(message)
      ? `: ${message.split("\n")[0]!.replace(/\s*Deserialization error.*$/, "")}`
      : "";
    const ok = status >= 200 && status < 300;
    err.name = ok ? "MalformedResponse" : status >= 500 ? "ServerError" : "HttpError";
    err.message = ok
      ? `${label} answered HTTP ${status} with ${body} that is not a valid ${op.service} answer${parse}${tries}`
      : `${label} answered HTTP ${status} with ${body}${tries}`;
    return;
  }
  if (!message.includes(label)) {
    const where = status !== undefined ? ` (HTTP ${status})` : "";
    err.message = `${label}${where}${tries}: ${message || err.name}`;
  }
}

function headerOf(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  return undefined;
}

/** Errors that mean the credentials themselves are unusable (exit 2), as opposed to a failing service. */
export function isCredentialError(e: unknown): boolean {
  if (!e || typeof e !== "object") return false;
  const name = (e as { name?: string }).name ?? "";
  if (name === "CredentialsProviderError" || name === "ProviderError" || name === "TokenProviderError")
    return true;
  return isAwsError(
    e,
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "ExpiredTokenException",
    "UnrecognizedClientException",
    "InvalidAccessKeyId",
    "AuthFailure",
    "AccessDenied",
    "IncompleteSignature",
    "MissingAuthenticationToken",
  );
}
