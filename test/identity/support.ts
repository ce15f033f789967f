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

export function authzCalls(a: Authz, account = ACCOUNT): CallSpec[] {
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
        RoleDetailList: a.roles ?? [],
        Policies: a.policies ?? [],
        IsTruncated: false,
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
