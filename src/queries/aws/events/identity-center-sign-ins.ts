/**
 * aws.identitycenter.signInActivity — one row per IAM Identity Center user, with their sign-ins during the
 * audit period, derived from CloudTrail: the Identity Store holds no sign-in time, so the last sign-in is the
 * latest successful `UserAuthentication` event (event source signin.amazonaws.com) attributed to the user —
 * by the Identity Store user id (`onBehalfOf.userId`, current event format) or by user name (older format,
 * `userIdentity.userName`).
 *
 * One Identity Center model: the users are aws.identitystore.users (of the instances aws.ssoadmin.instances
 * finds from the management account or delegated administrator), the same rows the assignment controls
 * expand groups to — so "the users" means the same population for idleness, leavers and access. No instance
 * reachable is an error of those queries (never an empty pass). Sign-in events are recorded in the
 * instance's region (the home region, where the instances query looks) of the account that owns it; they come
 * from aws.cloudtrail.lookupEvents through the run cache, so its coverage check (90 days of event history)
 * applies: a longer period is `error`.
 */
import type { Row } from "../../../core/types.js";
import { defineAwsQuery } from "../../../providers/aws/context.js";
import type { IdentityUserRow } from "../identitystore/users.js";
import type { InstanceRow } from "../ssoadmin/instances.js";

export const identityCenterSignIns = defineAwsQuery({
  id: "aws.identitycenter.signInActivity",
  scope: "organization",
  title: "IAM Identity Center users with their sign-ins during the audit period (from CloudTrail)",
  permissions: ["sso:ListInstances", "identitystore:ListUsers", "cloudtrail:LookupEvents"],
  calls: [],
  uses: ["aws.ssoadmin.instances", "aws.identitystore.users", "aws.cloudtrail.lookupEvents"],
  fields: {
    user_id: "string: the Identity Store user id",
    user_name: "string: the user name (the sign-in name)",
    display_name: "string?: the display name",
    email: "string?: the primary e-mail address",
    emails: "list<string>: every e-mail address of the user",
    identity_store_id: "string: the identity store (d-…)",
    instance_arn: "string: the Identity Center instance",
    region: "string: the instance's region (where its sign-in events are recorded)",
    sign_ins: "double: successful sign-ins during the period",
    last_sign_in: "timestamp?: the latest successful sign-in during the period; null if none",
  },
  async fetch(ctx) {
    const instances = (await ctx.query("aws.ssoadmin.instances")) as unknown as InstanceRow[];
    const users = (await ctx.query("aws.identitystore.users")) as unknown as IdentityUserRow[];
    const region = ctx.aws.homeRegion;
    const events = await ctx.query(
      "aws.cloudtrail.lookupEvents",
      { attribute: "EventName", value: "UserAuthentication" },
      { region },
    );
    const signIns = events.filter((e) => e.event_source === "signin.amazonaws.com" && e.error_code === null);
    const instanceOf = new Map(instances.map((i) => [i.identity_store_id, i.instance_arn]));
    return users.map((u): Row => {
      const mine = signIns.filter((e) =>
        e.sso_user_id
          ? e.sso_user_id === u.user_id
          : e.sso_user === u.user_name || e.user_name === u.user_name,
      );
      const last = mine.map((e) => e.time as Date).sort((a, b) => b.getTime() - a.getTime())[0];
      return {
        user_id: u.user_id,
        user_name: u.user_name,
        display_name: u.display_name,
        email: u.primary_email,
        emails: u.emails,
        identity_store_id: u.identity_store_id,
        instance_arn: instanceOf.get(u.identity_store_id) ?? "",
        region,
        sign_ins: mine.length,
        last_sign_in: last ?? null,
      };
    });
  },
});
