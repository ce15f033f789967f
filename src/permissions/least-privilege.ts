/**
 * The least privilege a run needs, computed from the queries the selected controls use: an IAM policy (one
 * Allow statement, sorted unique actions) for AWS, the permission list for GCP and GitHub. Every AWS action
 * is also covered by AWS's SecurityAudit or ViewOnlyAccess managed policies (a test checks it), except
 * sts:AssumeRole, which only the central role needs, on the member roles, and the Identity Center reads named
 * in IDENTITY_CENTER_READ_ACTIONS. Kept apart from the `permissions` command so the CLI loads the query
 * declarations only when that command runs.
 */
import type { Control, Provider } from "../core/types.js";
import { queriesUsedBy } from "../queries/declarations.js";

/** Actions every AWS run needs besides its queries'. */
export const AWS_BASE_ACTIONS = [
  // Who the caller is (needs no permission in practice: GetCallerIdentity cannot be denied).
  "sts:GetCallerIdentity",
  // The account's enabled regions, unless --regions is given.
  "ec2:DescribeRegions",
];

/**
 * Identity Center read actions the Identity Center queries need beyond SecurityAudit and ViewOnlyAccess
 * (SecurityAudit has sso:List* and sso:DescribePermissionSet, but not these Gets, and no identitystore
 * action). All are reads; AWS's AWSSSOReadOnly and AWSSSODirectoryReadOnly managed policies cover them.
 */
export const IDENTITY_CENTER_READ_ACTIONS = [
  "sso:GetInlinePolicyForPermissionSet",
  "sso:GetPermissionsBoundaryForPermissionSet",
  "identitystore:ListUsers",
  "identitystore:ListGroups",
  "identitystore:ListGroupMemberships",
];

/** Actions of an organization run (--org): list the accounts, assume the member role in each. */
export const AWS_ORG_ACTIONS = ["organizations:ListAccounts", "sts:AssumeRole"];

export interface IamPolicy {
  Version: "2012-10-17";
  Statement: [{ Sid: string; Effect: "Allow"; Action: string[]; Resource: "*" }];
}

export function permissionsFor(controls: Control[], provider: Provider): string[] {
  const perms = queriesUsedBy(controls)
    .filter((q) => q.provider === provider)
    .flatMap((q) => q.permissions);
  return [...new Set(perms)].sort();
}

export function awsPolicy(controls: Control[], opts: { org?: boolean } = {}): IamPolicy {
  const actions = new Set([
    ...permissionsFor(controls, "aws"),
    ...AWS_BASE_ACTIONS,
    ...(opts.org === false ? [] : AWS_ORG_ACTIONS),
  ]);
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ItgcValidateReadOnly",
        Effect: "Allow",
        Action: [...actions].sort((a, b) => a.localeCompare(b)),
        Resource: "*",
      },
    ],
  };
}
