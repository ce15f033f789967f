/**
 * Read-only by declaration. Every AWS client the tool creates carries an allow-list of exact operation
 * names (`Service:Operation`) and refuses, before anything is built or sent, any operation not on it:
 *
 * - a run's clients: the operations the selected queries declare in `calls` (and the queries they `use`),
 *   plus the run's own calls — STS GetCallerIdentity, STS AssumeRole (--role-arn, member accounts),
 *   Organizations ListAccounts (--org) and EC2 DescribeRegions (region discovery) — each only when needed;
 * - the signing client: KMS GetPublicKey and Sign;
 * - the upload client: S3 PutObject, to the named bucket only (src/upload/s3.ts).
 *
 * A name rule alone is not enough (`STS:GetFederationToken` is a `Get*` that mints credentials), so the rule
 * below only decides what a query may *declare*: a read verb or one of the listed exceptions, and never one
 * of the read-named operations that mint credentials or reveal secrets.
 */
const READ_VERBS = /^(Get|List|Describe|Lookup|Search|Batch(Get|Describe))[A-Z]/;

/** Operations outside the read verbs that a query may declare, each with why it is safe. */
export const ALLOWED_NON_READ: Readonly<Record<string, string>> = {
  "IAM:GenerateCredentialReport": "asks IAM to (re)build the credential report; changes no IAM configuration",
};

/** Read-named operations that mint credentials or return secrets: never declarable, never sent. */
export const NEVER_ALLOWED: ReadonlySet<string> = new Set([
  "STS:GetFederationToken",
  "STS:GetSessionToken",
  "STS:GetAccessKeyInfo",
  "SSO:GetRoleCredentials",
  "ECR:GetAuthorizationToken",
  "ECRPUBLIC:GetAuthorizationToken",
  "CodeArtifact:GetAuthorizationToken",
  "Redshift:GetClusterCredentials",
  "Redshift:GetClusterCredentialsWithIAM",
  "RedshiftServerless:GetCredentials",
  "CognitoIdentity:GetCredentialsForIdentity",
  "CognitoIdentity:GetOpenIdToken",
  "CognitoIdentity:GetOpenIdTokenForDeveloperIdentity",
  "SecretsManager:GetSecretValue",
  "SecretsManager:BatchGetSecretValue",
  "SSM:GetParameter",
  "SSM:GetParameters",
  "SSM:GetParametersByPath",
  "EKS:GetToken",
  "RDS:GenerateDbAuthToken",
  "IAM:GetSSHPublicKey",
  "Lightsail:GetInstanceAccessDetails",
  "EC2:GetPasswordData",
]);

/** The run-level operations that are not query declarations (added by the runtime only when used). */
export const RUN_OPERATIONS = {
  callerIdentity: "STS:GetCallerIdentity",
  assumeRole: "STS:AssumeRole",
  listAccounts: "Organizations:ListAccounts",
  describeRegions: "EC2:DescribeRegions",
} as const;

export class ReadOnlyViolation extends Error {
  constructor(service: string, operation: string, why = "it is not on this client's allow-list") {
    super(`refused ${service}:${operation} before sending: ${why} (itgc-validate only sends declared reads)`);
    this.name = "ReadOnlyViolation";
  }
}

/** True when a query may declare the operation: a read verb or a listed exception, never a credential read. */
export function isDeclarableOperation(service: string, operation: string): boolean {
  const id = `${service}:${operation}`;
  if (NEVER_ALLOWED.has(id)) return false;
  return READ_VERBS.test(operation) || id in ALLOWED_NON_READ;
}

/** An exact allow-list of `Service:Operation` names. */
export class OperationAllowList {
  private readonly ops: ReadonlySet<string>;
  constructor(ops: Iterable<string>) {
    this.ops = new Set(ops);
  }

  allows(service: string, operation: string): boolean {
    const id = `${service}:${operation}`;
    return this.ops.has(id) && !NEVER_ALLOWED.has(id);
  }

  /** Throws ReadOnlyViolation unless the operation is on the list. */
  check(service: string, operation: string): void {
    const id = `${service}:${operation}`;
    if (NEVER_ALLOWED.has(id))
      throw new ReadOnlyViolation(service, operation, "it mints credentials or returns secrets");
    if (!this.ops.has(id)) throw new ReadOnlyViolation(service, operation);
  }

  list(): string[] {
    return [...this.ops].sort();
  }
}

/**
 * The allow-list of a run from the operations its queries declare. Throws when a declaration is not a read
 * (a query may not widen the tool's reach by declaring a write).
 */
export function declaredAllowList(
  declared: Iterable<string>,
  run: Iterable<string> = [],
): OperationAllowList {
  const ops: string[] = [];
  for (const id of declared) {
    const [service, operation] = id.split(":") as [string, string | undefined];
    if (!operation || !isDeclarableOperation(service, operation))
      throw new Error(`a query declares ${id}, which is not a read operation`);
    ops.push(id);
  }
  return new OperationAllowList([...ops, ...run]);
}
