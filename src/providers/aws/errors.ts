/** Helpers for AWS SDK errors: recognising them by code, and rebuilding recorded ones for replay. */
import { ServiceException } from "@smithy/smithy-client";
import type { RecordedError } from "../../recording/format.js";

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
