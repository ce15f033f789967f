/**
 * aws.ssoadmin.instances — the IAM Identity Center instances visible to the caller (ListInstances, every
 * page): from the organization's management account or its delegated administrator, the organization
 * instance; from a member account, at most an account instance.
 *
 * Fail closed: no instance at all is not an empty population (every Identity Center control would pass
 * without a single assignment read) but an error naming the account, so the run says plainly that Identity
 * Center was not reachable from where it ran.
 */

import type { Row } from "../../../core/types.js";
import { defineAwsQuery } from "../../../providers/aws/context.js";
import { ListInstancesCommand, SSOAdminClient } from "../../../providers/aws/sdk/client-sso-admin.js";
import { asDate } from "../normalise.js";
import { paginateAws } from "../paginate.js";

export interface InstanceRow {
  instance_arn: string;
  identity_store_id: string;
  owner_account_id: string | null;
  name: string | null;
  status: string | null;
  created_date: Date | null;
}

export const ssoInstances = defineAwsQuery({
  id: "aws.ssoadmin.instances",
  scope: "organization",
  title: "IAM Identity Center instances visible from the caller's account (management or delegated admin)",
  permissions: ["sso:ListInstances"],
  calls: ["SSOAdmin:ListInstances"],
  fields: {
    instance_arn: "string: arn:aws:sso:::instance/ssoins-…",
    identity_store_id: "string: the instance's identity store (d-…)",
    owner_account_id:
      "string?: the account that owns the instance (the management account for an organization instance)",
    name: "string?: instance name",
    status: "string?: CREATE_IN_PROGRESS | DELETE_IN_PROGRESS | ACTIVE",
    created_date: "timestamp?: when the instance was created",
  },
  async fetch(ctx) {
    const sso = ctx.aws.client(SSOAdminClient, ctx.aws.homeRegion);
    const pages = await paginateAws(
      (token) => sso.send(new ListInstancesCommand(token ? { NextToken: token } : {})),
      (p) => p.NextToken,
      "SSOAdmin:ListInstances",
    );
    const rows: InstanceRow[] = pages
      .flatMap((p) => p.Instances ?? [])
      .map((i) => {
        if (!i.InstanceArn || !i.IdentityStoreId)
          throw new Error("ListInstances answered an instance without InstanceArn or IdentityStoreId");
        return {
          instance_arn: i.InstanceArn,
          identity_store_id: i.IdentityStoreId,
          owner_account_id: i.OwnerAccountId ?? null,
          name: i.Name ?? null,
          status: i.Status ?? null,
          created_date: asDate(i.CreatedDate),
        };
      });
    if (rows.length === 0) {
      throw new Error(
        `IAM Identity Center is not reachable from account ${ctx.aws.accountId}: ListInstances found no instance. Run from the organization's management account or the Identity Center delegated administrator (sso:ListInstances, identitystore read access)`,
      );
    }
    return rows as unknown as Row[];
  },
});
