/**
 * aws.identitycenter.signInActivity — one row per IAM Identity Center user (Identity Store ListUsers of the
 * instance found by SSOAdmin ListInstances in this region), with their sign-ins during the audit period,
 * derived from CloudTrail: the Identity Store holds no sign-in time, so the last sign-in is the latest
 * successful `UserAuthentication` event (event source signin.amazonaws.com, recorded in the instance's
 * region) attributed to the user — by the Identity Store user id (`onBehalfOf.userId`, current event format)
 * or by user name (older format, `userIdentity.userName`).
 *
 * Regions without an instance return no rows. The events come from aws.cloudtrail.lookupEvents through the
 * run cache, so the period's coverage check (90 days of event history) applies: a longer period is `error`.
 */
import type { User } from "@aws-sdk/client-identitystore";
import type { Row } from "../../../core/types.js";
import { defineAwsQuery } from "../../../providers/aws/context.js";
import { IdentitystoreClient, ListUsersCommand } from "../../../providers/aws/sdk/client-identitystore.js";
import { ListInstancesCommand, SSOAdminClient } from "../../../providers/aws/sdk/client-sso-admin.js";
import { paginateAws } from "../paginate.js";

export const identityCenterSignIns = defineAwsQuery({
  id: "aws.identitycenter.signInActivity",
  scope: "region",
  title: "IAM Identity Center users with their sign-ins during the audit period (from CloudTrail)",
  permissions: ["sso:ListInstances", "identitystore:ListUsers", "cloudtrail:LookupEvents"],
  calls: ["SSOAdmin:ListInstances", "Identitystore:ListUsers", "CloudTrail:LookupEvents"],
  uses: ["aws.cloudtrail.lookupEvents"],
  fields: {
    user_id: "string: the Identity Store user id",
    user_name: "string: the user name (usually the e-mail address)",
    display_name: "string?: the display name",
    email: "string?: the primary e-mail address",
    identity_store_id: "string: the identity store (d-…)",
    instance_arn: "string: the Identity Center instance",
    region: "string: the instance's region",
    sign_ins: "double: successful sign-ins during the period",
    last_sign_in: "timestamp?: the latest successful sign-in during the period; null if none",
  },
  async fetch(ctx) {
    const sso = ctx.aws.client(SSOAdminClient);
    const instances = (
      await paginateAws(
        (NextToken) => sso.send(new ListInstancesCommand(NextToken ? { NextToken } : {})),
        (p) => p.NextToken,
        "SSOAdmin:ListInstances",
      )
    ).flatMap((p) => p.Instances ?? []);
    if (instances.length === 0) return [];
    const events = await ctx.query("aws.cloudtrail.lookupEvents", {
      attribute: "EventName",
      value: "UserAuthentication",
    });
    const signIns = events.filter((e) => e.event_source === "signin.amazonaws.com" && e.error_code === null);
    const store = ctx.aws.client(IdentitystoreClient);
    const rows: Row[] = [];
    for (const inst of instances) {
      const identityStoreId = String(inst.IdentityStoreId);
      const users: User[] = (
        await paginateAws(
          (NextToken) =>
            store.send(
              new ListUsersCommand({ IdentityStoreId: identityStoreId, ...(NextToken ? { NextToken } : {}) }),
            ),
          (p) => p.NextToken,
          "Identitystore:ListUsers",
        )
      ).flatMap((p) => p.Users ?? []);
      for (const u of users) {
        const mine = signIns.filter((e) =>
          e.sso_user_id
            ? e.sso_user_id === u.UserId
            : e.sso_user === u.UserName || e.user_name === u.UserName,
        );
        const last = mine.map((e) => e.time as Date).sort((a, b) => b.getTime() - a.getTime())[0];
        rows.push({
          user_id: u.UserId ?? "",
          user_name: u.UserName ?? "",
          display_name: u.DisplayName ?? null,
          email: u.Emails?.find((m) => m.Primary)?.Value ?? u.Emails?.[0]?.Value ?? null,
          identity_store_id: identityStoreId,
          instance_arn: String(inst.InstanceArn),
          region: ctx.aws.region,
          sign_ins: mine.length,
          last_sign_in: last ?? null,
        });
      }
    }
    return rows;
  },
});
