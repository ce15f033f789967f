/**
 * The tool is read-only by construction: every AWS client it creates refuses, before anything is sent,
 * any operation that is not a read. The allow-list is by operation name: the read verbs, plus the few
 * non-read operations the tool needs and that change no configuration.
 */
const READ_VERBS = /^(Get|List|Describe|Lookup|Search|Batch(Get|Describe))[A-Z]/;

/** Operations outside the read verbs that the tool may call, each with why it is safe. */
export const ALLOWED_NON_READ: Readonly<Record<string, string>> = {
  "IAM:GenerateCredentialReport": "asks IAM to (re)build the credential report; changes no IAM configuration",
  "STS:AssumeRole": "obtains read-only credentials for a member account; changes nothing",
  "KMS:Sign": "signs the evidence digest with the audit key; changes nothing",
  "S3:PutObject": "only with --upload: stores the finished evidence bundle in the audit bucket",
};

export class ReadOnlyViolation extends Error {
  constructor(service: string, operation: string) {
    super(`refused ${service}:${operation}: itgc-validate only sends read operations`);
    this.name = "ReadOnlyViolation";
  }
}

export function isAllowedOperation(service: string, operation: string): boolean {
  return READ_VERBS.test(operation) || `${service}:${operation}` in ALLOWED_NON_READ;
}
