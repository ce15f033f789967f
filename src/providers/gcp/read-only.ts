/**
 * Read-only by declaration for Google APIs: every call goes through GcpCalls, which refuses any method not
 * on the run's allow-list — the exact `Client:method` names the selected queries declare in `calls`, plus
 * the runtime's own discovery calls (HIERARCHY_OPERATIONS) — before anything is sent. Only Google's read
 * method names (get*, list*, search*, batchGet*) may be declared at all, and never one that mints
 * credentials (generateAccessToken, signBlob, …: IAM Credentials methods are not reads of configuration).
 */
const READ_METHODS = /^(get|list|search|batchGet)[A-Z]/;

/**
 * Google read methods whose verb is not one of the above, named exactly: Policy Analyzer's
 * `activities.query` is an HTTP GET that reads recorded activity (the last authentication of each key).
 */
const READ_METHODS_BY_NAME: ReadonlySet<string> = new Set(["PolicyAnalyzerV1:queryActivities"]);

/** Read-named methods that mint credentials or return secrets: never declarable, never sent. */
export const NEVER_ALLOWED_GCP: ReadonlySet<string> = new Set([
  "IAMCredentialsClient:generateAccessToken",
  "IAMCredentialsClient:generateIdToken",
  "SecretManagerServiceClient:accessSecretVersion",
  "SecretManagerServiceClient:getSecretVersion",
]);

/** The runtime's own calls: caller identity and the organization / folder / project discovery. */
export const HIERARCHY_OPERATIONS: readonly string[] = [
  "GoogleAuth:getCallerIdentity",
  "OrganizationsClient:getOrganization",
  "OrganizationsClient:searchOrganizations",
  "FoldersClient:getFolder",
  "FoldersClient:listFolders",
  "ProjectsClient:getProject",
  "ProjectsClient:searchProjects",
  // The independent count of the projects in scope (the completeness check of the project population).
  "ProjectsClient:listProjects",
];

export class GcpReadOnlyViolation extends Error {
  constructor(service: string, operation: string, why = "it is not on the run's allow-list") {
    super(`refused ${service}.${operation} before sending: ${why} (itgc-validate only sends declared reads)`);
    this.name = "ReadOnlyViolation";
  }
}

/** True when a query may declare the method: a Google read method name, and no credential method. */
export function isAllowedGcpOperation(service: string, operation: string): boolean {
  if (NEVER_ALLOWED_GCP.has(`${service}:${operation}`)) return false;
  const id = `${service}:${operation}`;
  return (
    READ_METHODS.test(operation) || READ_METHODS_BY_NAME.has(id) || id === "GoogleAuth:getCallerIdentity"
  );
}

/** An exact allow-list of `Client:method` names; throws when one is not a declarable read. */
export class GcpAllowList {
  private readonly ops: ReadonlySet<string>;
  constructor(declared: Iterable<string>) {
    const ops = new Set<string>();
    for (const id of declared) {
      const [service, operation] = id.split(":") as [string, string | undefined];
      if (!operation || !isAllowedGcpOperation(service, operation))
        throw new Error(`a query declares ${id}, which is not a Google read method`);
      ops.add(id);
    }
    this.ops = ops;
  }

  check(service: string, operation: string): void {
    if (!isAllowedGcpOperation(service, operation))
      throw new GcpReadOnlyViolation(service, operation, "it is not a read method");
    if (!this.ops.has(`${service}:${operation}`)) throw new GcpReadOnlyViolation(service, operation);
  }
}
