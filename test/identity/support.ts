/** Shared pieces of the identity-plane tests: the caller, IAM answers, a denied call in awsJson form. */
import { awsCall, type CallSpec } from "../../fixtures/lib/aws.js";
import { runOnCalls } from "../support/recording.js";

export const ACCOUNT = "111122223333";
export const MEMBER = "444455556666";
export const CALLER = `arn:aws:sts::${ACCOUNT}:assumed-role/ITGCAuditReadOnly/auditor`;
export const NOW = "2026-11-20T09:00:00.000Z";
export const REGION = "us-east-1";

export const identity = (): CallSpec[] => [
  awsCall({
    service: "STS",
    operation: "GetCallerIdentity",
    account: ACCOUNT,
    region: REGION,
    output: { UserId: "AROAYLXQ2EXAMPLE7ROLE:auditor", Account: ACCOUNT, Arn: CALLER },
  }),
];

/** AccessDeniedException as the awsJson services (sso-admin, identitystore, KMS) report it. */
export function jsonDenied(action: string, resource = "*"): CallSpec["error"] {
  return {
    name: "AccessDeniedException",
    message: `User: ${CALLER} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`,
    fault: "client",
    httpStatusCode: 400,
  };
}

export interface Authz {
  users?: unknown[];
  groups?: unknown[];
  roles?: unknown[];
  policies?: unknown[];
}

/**
 * The authorization details of `account`, with what the issue-9 completeness checks reconcile them against
 * (as real AWS answers): GetAccountSummary counting the same users, groups, roles and customer managed
 * policies, and the run's own role (ITGCAuditReadOnly, no policies) among the roles.
 */
export function authzCalls(a: Authz, account = ACCOUNT): CallSpec[] {
  const callerRole = CALLER.split("/")[1]!;
  const roles = (a.roles ?? []) as { RoleName?: string }[];
  const withCaller = roles.some((r) => r.RoleName === callerRole)
    ? roles
    : [
        ...roles,
        {
          Path: "/",
          RoleName: callerRole,
          RoleId: "AROAYLXQ2EXAMPLE7ROLE",
          Arn: `arn:aws:iam::${account}:role/${callerRole}`,
          CreateDate: "2024-01-01T00:00:00Z",
          AssumeRolePolicyDocument: encodeURIComponent(
            JSON.stringify({
              Version: "2012-10-17",
              Statement: [
                {
                  Effect: "Allow",
                  Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
                  Action: "sts:AssumeRole",
                },
              ],
            }),
          ),
          InstanceProfileList: [],
          RolePolicyList: [],
          AttachedManagedPolicies: [],
          Tags: [],
          RoleLastUsed: {},
        },
      ];
  const policies = (a.policies ?? []) as { Arn?: string }[];
  const customer = policies.filter((p) => !String(p.Arn ?? "").startsWith("arn:aws:iam::aws:")).length;
  return [
    awsCall({
      service: "IAM",
      operation: "GetAccountAuthorizationDetails",
      account,
      region: REGION,
      input: { MaxItems: 1000 },
      output: {
        UserDetailList: a.users ?? [],
        GroupDetailList: a.groups ?? [],
        RoleDetailList: withCaller,
        Policies: policies,
        IsTruncated: false,
      },
    }),
    awsCall({
      service: "IAM",
      operation: "GetAccountSummary",
      account,
      region: REGION,
      output: {
        SummaryMap: {
          Users: (a.users ?? []).length,
          Groups: (a.groups ?? []).length,
          Roles: withCaller.length,
          Policies: customer,
          AccountMFAEnabled: 1,
          AccountAccessKeysPresent: 0,
          AccountSigningCertificatesPresent: 0,
        },
      },
    }),
  ];
}

export function run(
  controls: string[],
  calls: CallSpec[],
  params?: Record<string, Record<string, unknown>>,
  regions = [REGION],
) {
  return runOnCalls({ controls, calls: [...identity(), ...calls], now: NOW, regions, params });
}
