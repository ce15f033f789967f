/**
 * aws.identitystore.groups — every group of each identity store with its members (ListGroups, then
 * ListGroupMemberships per group, every page): the expansion of a group assignment to the people it
 * reaches. Calls grow with the groups (and pages of members), not with users × accounts.
 */

import type { Row } from "../../../core/types.js";
import { defineAwsQuery } from "../../../providers/aws/context.js";
import {
  IdentitystoreClient,
  ListGroupMembershipsCommand,
  ListGroupsCommand,
} from "../../../providers/aws/sdk/client-identitystore.js";
import { paginateAws } from "../paginate.js";
import type { InstanceRow } from "../ssoadmin/instances.js";

export interface IdentityGroupRow {
  identity_store_id: string;
  group_id: string;
  display_name: string;
  description: string | null;
  member_user_ids: string[];
}

export const identityStoreGroups = defineAwsQuery({
  id: "aws.identitystore.groups",
  scope: "organization",
  title: "Identity Center groups with their member users (ListGroups, ListGroupMemberships)",
  permissions: ["sso:ListInstances", "identitystore:ListGroups", "identitystore:ListGroupMemberships"],
  calls: ["Identitystore:ListGroups", "Identitystore:ListGroupMemberships"],
  uses: ["aws.ssoadmin.instances"],
  fields: {
    identity_store_id: "string: d-…",
    group_id: "string: identity store group id",
    display_name: "string: group name",
    description: "string?: description",
    member_user_ids: "list<string>: user ids of the members",
  },
  async fetch(ctx) {
    const instances = (await ctx.query("aws.ssoadmin.instances")) as unknown as InstanceRow[];
    const store = ctx.aws.client(IdentitystoreClient, ctx.aws.homeRegion);
    const rows: IdentityGroupRow[] = [];
    for (const IdentityStoreId of [...new Set(instances.map((i) => i.identity_store_id))]) {
      const groups = (
        await paginateAws(
          (token) =>
            store.send(new ListGroupsCommand({ IdentityStoreId, ...(token ? { NextToken: token } : {}) })),
          (p) => p.NextToken,
          "Identitystore:ListGroups",
        )
      ).flatMap((p) => p.Groups ?? []);
      const expanded = await Promise.all(
        groups.map(async (g): Promise<IdentityGroupRow> => {
          if (!g.GroupId) throw new Error("ListGroups answered a group without GroupId");
          const GroupId = g.GroupId;
          const pages = await paginateAws(
            (token) =>
              store.send(
                new ListGroupMembershipsCommand({
                  IdentityStoreId,
                  GroupId,
                  ...(token ? { NextToken: token } : {}),
                }),
              ),
            (p) => p.NextToken,
            "Identitystore:ListGroupMemberships",
          );
          const members = pages
            .flatMap((p) => p.GroupMemberships ?? [])
            .map((m) => {
              const id = (m.MemberId as { UserId?: string } | undefined)?.UserId;
              if (!id) throw new Error(`a membership of group ${g.DisplayName ?? GroupId} names no UserId`);
              return id;
            });
          return {
            identity_store_id: IdentityStoreId,
            group_id: GroupId,
            display_name: g.DisplayName ?? GroupId,
            description: g.Description ?? null,
            member_user_ids: [...new Set(members)].sort(),
          };
        }),
      );
      rows.push(...expanded);
    }
    return rows.sort((a, b) => a.display_name.localeCompare(b.display_name)) as unknown as Row[];
  },
});
