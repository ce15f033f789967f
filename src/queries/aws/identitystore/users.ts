/**
 * aws.identitystore.users — every user of each Identity Center instance's identity store (ListUsers, every
 * page): the people who can sign in, whatever the source (Identity Center directory, Active Directory, an
 * external IdP through SCIM).
 */

import type { Row } from "../../../core/types.js";
import { defineAwsQuery } from "../../../providers/aws/context.js";
import { IdentitystoreClient, ListUsersCommand } from "../../../providers/aws/sdk/client-identitystore.js";
import { paginateAws } from "../paginate.js";
import type { InstanceRow } from "../ssoadmin/instances.js";

export interface IdentityUserRow {
  identity_store_id: string;
  user_id: string;
  user_name: string;
  display_name: string | null;
  emails: string[];
  primary_email: string | null;
  external_ids: string[];
  status: string | null;
}

export const identityStoreUsers = defineAwsQuery({
  id: "aws.identitystore.users",
  scope: "organization",
  title: "Identity Center users (identity store ListUsers, every page)",
  permissions: ["sso:ListInstances", "identitystore:ListUsers"],
  calls: ["Identitystore:ListUsers"],
  uses: ["aws.ssoadmin.instances"],
  fields: {
    identity_store_id: "string: d-…",
    user_id: "string: identity store user id",
    user_name: "string: the sign-in name",
    display_name: "string?: display name",
    emails: "list<string>: e-mail addresses",
    primary_email: "string?: the primary e-mail address",
    external_ids: "list<string>: issuer:id of the user in the source IdP (SCIM)",
    status: "string?: ENABLED | DISABLED when the store reports it",
  },
  async fetch(ctx) {
    const instances = (await ctx.query("aws.ssoadmin.instances")) as unknown as InstanceRow[];
    const store = ctx.aws.client(IdentitystoreClient, ctx.aws.homeRegion);
    const rows: IdentityUserRow[] = [];
    for (const IdentityStoreId of [...new Set(instances.map((i) => i.identity_store_id))]) {
      const pages = await paginateAws(
        (token) =>
          store.send(new ListUsersCommand({ IdentityStoreId, ...(token ? { NextToken: token } : {}) })),
        (p) => p.NextToken,
        "Identitystore:ListUsers",
      );
      for (const u of pages.flatMap((p) => p.Users ?? [])) {
        if (!u.UserId) throw new Error("ListUsers answered a user without UserId");
        const emails = (u.Emails ?? []).map((e) => e.Value ?? "").filter(Boolean);
        rows.push({
          identity_store_id: IdentityStoreId,
          user_id: u.UserId,
          user_name: u.UserName ?? u.UserId,
          display_name: u.DisplayName ?? null,
          emails,
          primary_email: (u.Emails ?? []).find((e) => e.Primary === true)?.Value ?? emails[0] ?? null,
          external_ids: (u.ExternalIds ?? []).map((x) => `${x.Issuer ?? "?"}:${x.Id ?? "?"}`),
          status: u.UserStatus ?? null,
        });
      }
    }
    return rows.sort((a, b) => a.user_name.localeCompare(b.user_name)) as unknown as Row[];
  },
});
