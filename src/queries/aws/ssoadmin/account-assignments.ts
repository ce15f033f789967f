/**
 * aws.ssoadmin.accountAssignments — every account assignment of every permission set: which group or user
 * holds which permission set in which account. One ListAccountAssignments listing per (permission set,
 * account it is provisioned to), so the calls grow with the assignments that exist, not with users ×
 * accounts (an assignment provisions its set to the account, so no assignment is outside these pairs).
 */

import type { Row } from "../../../core/types.js";
import { defineAwsQuery } from "../../../providers/aws/context.js";
import {
  ListAccountAssignmentsCommand,
  SSOAdminClient,
} from "../../../providers/aws/sdk/client-sso-admin.js";
import { paginateAws } from "../paginate.js";
import type { PermissionSetRow } from "./permission-sets.js";

export interface AssignmentRow {
  instance_arn: string;
  account_id: string;
  permission_set_arn: string;
  permission_set_name: string;
  principal_type: "USER" | "GROUP";
  principal_id: string;
}

export const ssoAccountAssignments = defineAwsQuery({
  id: "aws.ssoadmin.accountAssignments",
  scope: "organization",
  title: "Identity Center account assignments: group or user, permission set, account",
  permissions: [
    "sso:ListInstances",
    "sso:ListPermissionSets",
    "sso:DescribePermissionSet",
    "sso:ListAccountsForProvisionedPermissionSet",
    "sso:ListAccountAssignments",
  ],
  calls: ["SSOAdmin:ListAccountAssignments"],
  uses: ["aws.ssoadmin.permissionSets"],
  fields: {
    instance_arn: "string: the Identity Center instance",
    account_id: "string: the account the assignment grants access to",
    permission_set_arn: "string: the permission set",
    permission_set_name: "string: its name",
    principal_type: "string: USER | GROUP",
    principal_id: "string: identity store user or group id",
  },
  async fetch(ctx) {
    const sets = (await ctx.query("aws.ssoadmin.permissionSets")) as unknown as PermissionSetRow[];
    const sso = ctx.aws.client(SSOAdminClient, ctx.aws.homeRegion);
    const pairs = sets.flatMap((ps) => ps.provisioned_accounts.map((account) => ({ ps, account })));
    const lists = await Promise.all(
      pairs.map(async ({ ps, account }) => {
        const input = {
          InstanceArn: ps.instance_arn,
          AccountId: account,
          PermissionSetArn: ps.permission_set_arn,
        };
        const pages = await paginateAws(
          (token) =>
            sso.send(new ListAccountAssignmentsCommand({ ...input, ...(token ? { NextToken: token } : {}) })),
          (p) => p.NextToken,
          "SSOAdmin:ListAccountAssignments",
        );
        return pages
          .flatMap((p) => p.AccountAssignments ?? [])
          .map((a): AssignmentRow => {
            if ((a.PrincipalType !== "USER" && a.PrincipalType !== "GROUP") || !a.PrincipalId)
              throw new Error(
                `ListAccountAssignments (${ps.name}, ${account}) answered an assignment without a USER/GROUP principal`,
              );
            return {
              instance_arn: ps.instance_arn,
              account_id: a.AccountId ?? account,
              permission_set_arn: ps.permission_set_arn,
              permission_set_name: ps.name,
              principal_type: a.PrincipalType,
              principal_id: a.PrincipalId,
            };
          });
      }),
    );
    return lists.flat() as unknown as Row[];
  },
});
