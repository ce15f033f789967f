/**
 * Read-only by construction for Google APIs: every call goes through GcpCalls, which refuses any method
 * that is not a read before anything is sent. Google's read methods are named get*, list*, search* (and
 * batchGet*); the caller-identity lookup is the tool's own pseudo-call.
 */
const READ_METHODS = /^(get|list|search|batchGet)[A-Z]/;

export class GcpReadOnlyViolation extends Error {
  constructor(service: string, operation: string) {
    super(`refused ${service}.${operation}: itgc-validate only sends read operations`);
    this.name = "ReadOnlyViolation";
  }
}

export function isAllowedGcpOperation(_service: string, operation: string): boolean {
  return READ_METHODS.test(operation);
}
