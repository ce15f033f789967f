/**
 * Who holds what through IAM Identity Center, expanded to people:
 *
 * - aws.ssoadmin.assignments — one row per account assignment, with the principal's name, the group's
 *   members, and what the permission set grants in that account (aws.ssoadmin.permissionSetAccess).
 * - aws.ssoadmin.userAccess — one row per (user, account) the user can reach: every permission set the user
 *   holds there, directly or through a group, each with its path (`group Admins → permission set
 *   AdministratorAccess → AWS managed policy AdministratorAccess [statement 1]`), and the verdicts.
 *
 * Fail closed: an assignment to a group the identity store does not list cannot be expanded to people, so
 * it fails the query (naming the group); a user assignment whose user is unknown keeps its row, named by id.
 * A verdict that is unknown for one permission set (an unresolved customer managed policy) stays unknown
 * (null) for the user unless another path already decides it.
 */
import type { Row } from "../../../core/types.js";
import { defineAwsQuery } from "../../../providers/aws/context.js";
import type { IdentityGroupRow } from "../identitystore/groups.js";
import type { IdentityUserRow } from "../identitystore/users.js";
import type { AssignmentRow } from "./account-assignments.js";
import type { PermissionSetAccessRow } from "./permission-set-access.js";

const SSO_READ = [
  "sso:ListInstances",
  "sso:ListPermissionSets",
  "sso:DescribePermissionSet",
  "sso:ListManagedPoliciesInPermissionSet",
  "sso:ListCustomerManagedPolicyReferencesInPermissionSet",
  "sso:GetInlinePolicyForPermissionSet",
  "sso:GetPermissionsBoundaryForPermissionSet",
  "sso:ListAccountsForProvisionedPermissionSet",
  "sso:ListAccountAssignments",
  "identitystore:ListUsers",
  "identitystore:ListGroups",
  "identitystore:ListGroupMemberships",
  "iam:GetPolicy",
  "iam:GetPolicyVersion",
  "iam:GetAccountAuthorizationDetails",
];

interface Inputs {
  assignments: AssignmentRow[];
  access: Map<string, PermissionSetAccessRow>;
  users: Map<string, IdentityUserRow>;
  groups: Map<string, IdentityGroupRow>;
}

async function inputs(ctx: { query(id: string): Promise<Row[]> }): Promise<Inputs> {
  const [assignments, access, users, groups] = await Promise.all([
    ctx.query("aws.ssoadmin.accountAssignments"),
    ctx.query("aws.ssoadmin.permissionSetAccess"),
    ctx.query("aws.identitystore.users"),
    ctx.query("aws.identitystore.groups"),
  ]);
  return {
    assignments: assignments as unknown as AssignmentRow[],
    access: new Map(
      (access as unknown as PermissionSetAccessRow[]).map((a) => [
        `${a.permission_set_arn}|${a.account_id}`,
        a,
      ]),
    ),
    users: new Map((users as unknown as IdentityUserRow[]).map((u) => [u.user_id, u])),
    groups: new Map((groups as unknown as IdentityGroupRow[]).map((g) => [g.group_id, g])),
  };
}

function accessOf(i: Inputs, a: AssignmentRow): PermissionSetAccessRow {
  const v = i.access.get(`${a.permission_set_arn}|${a.account_id}`);
  if (!v)
    throw new Error(
      `permission set ${a.permission_set_name} is assigned in ${a.account_id} but not listed as provisioned there`,
    );
  return v;
}

function groupOf(i: Inputs, a: AssignmentRow): IdentityGroupRow {
  const g = i.groups.get(a.principal_id);
  if (!g)
    throw new Error(
      `permission set ${a.permission_set_name} is assigned in ${a.account_id} to group ${a.principal_id}, which the identity store does not list: its members cannot be established`,
    );
  return g;
}

/** Three-valued or: true wins, then unknown (null), then false. */
const or = (a: boolean | null, b: boolean | null): boolean | null =>
  a === true || b === true ? true : a === null || b === null ? null : false;

export const ssoAssignments = defineAwsQuery({
  id: "aws.ssoadmin.assignments",
  scope: "organization",
  title: "Identity Center account assignments with principal names, group members and the set's verdicts",
  permissions: SSO_READ,
  calls: [],
  uses: [
    "aws.ssoadmin.accountAssignments",
    "aws.ssoadmin.permissionSetAccess",
    "aws.identitystore.users",
    "aws.identitystore.groups",
  ],
  fields: {
    assignment_id: "string: `<principal> → <permission set> @ <account>`",
    account_id: "string: the account",
    permission_set_name: "string: the permission set",
    permission_set_arn: "string: its ARN",
    principal_type: "string: USER | GROUP",
    principal_id: "string: identity store id",
    principal_name: "string: user name or group display name",
    member_user_names: "list<string>: groups: the members' user names; users: the user",
    is_admin: "bool?: the set grants administrator access in the account (null: unknown)",
    can_write_iam: "bool?: the set can change IAM broadly in the account (null: unknown)",
    is_privileged: "bool?: is_admin or can_write_iam (null: unknown)",
  },
  async fetch(ctx) {
    const i = await inputs(ctx);
    return i.assignments
      .map((a) => {
        const v = accessOf(i, a);
        let name: string;
        let members: string[];
        if (a.principal_type === "GROUP") {
          const g = groupOf(i, a);
          name = g.display_name;
          members = g.member_user_ids.map((id) => i.users.get(id)?.user_name ?? id).sort();
        } else {
          name = i.users.get(a.principal_id)?.user_name ?? a.principal_id;
          members = [name];
        }
        return {
          assignment_id: `${a.principal_type === "GROUP" ? "group" : "user"} ${name} → ${a.permission_set_name} @ ${a.account_id}`,
          account_id: a.account_id,
          permission_set_name: a.permission_set_name,
          permission_set_arn: a.permission_set_arn,
          principal_type: a.principal_type,
          principal_id: a.principal_id,
          principal_name: name,
          member_user_names: members,
          is_admin: v.is_admin,
          can_write_iam: v.can_write_iam,
          is_privileged: v.is_privileged,
        };
      })
      .sort((a, b) => a.assignment_id.localeCompare(b.assignment_id)) as unknown as Row[];
  },
});

export interface UserAccessRow {
  user_access_id: string;
  user_id: string;
  user_name: string;
  display_name: string | null;
  emails: string[];
  user_known: boolean;
  account_id: string;
  permission_sets: string[];
  access_paths: string[];
  direct_permission_sets: string[];
  via_groups: string[];
  is_admin: boolean | null;
  admin_paths: string[];
  can_write_iam: boolean | null;
  iam_write_paths: string[];
  is_privileged: boolean | null;
  privileged_paths: string[];
  unresolved_policies: string[];
}

export const ssoUserAccess = defineAwsQuery({
  id: "aws.ssoadmin.userAccess",
  scope: "organization",
  title: "Identity Center users per account they can reach, with permission sets, paths and verdicts",
  permissions: SSO_READ,
  calls: [],
  uses: [
    "aws.ssoadmin.accountAssignments",
    "aws.ssoadmin.permissionSetAccess",
    "aws.identitystore.users",
    "aws.identitystore.groups",
  ],
  fields: {
    user_access_id: "string: `<user name> @ <account>`",
    user_id: "string: identity store user id",
    user_name: "string: user name (the id when the store does not list the user)",
    display_name: "string?: display name",
    emails: "list<string>: e-mail addresses",
    user_known: "bool: the identity store lists the user",
    account_id: "string: the account",
    permission_sets: "list<string>: permission sets the user holds in the account",
    access_paths: "list<string>: `group G → permission set P` or `direct → permission set P`",
    direct_permission_sets: "list<string>: permission sets assigned to the user directly",
    via_groups: "list<string>: groups through which the user holds access in the account",
    is_admin: "bool?: holds administrator access in the account by some path (null: unknown)",
    admin_paths: "list<string>: `group G → permission set P → <policy> [statements]`",
    can_write_iam: "bool?: can change IAM broadly in the account by some path (null: unknown)",
    iam_write_paths: "list<string>: `group G → permission set P → <policy> [grants]`",
    is_privileged: "bool?: is_admin or can_write_iam (null: unknown)",
    privileged_paths: "list<string>: admin_paths, or iam_write_paths when the user is not admin",
    unresolved_policies: "list<string>: customer managed references that could not be resolved",
  },
  async fetch(ctx) {
    const i = await inputs(ctx);
    const rows = new Map<string, UserAccessRow>();
    const rowFor = (userId: string, account: string): UserAccessRow => {
      const key = `${userId}|${account}`;
      let r = rows.get(key);
      if (!r) {
        const u = i.users.get(userId);
        const name = u?.user_name ?? userId;
        r = {
          user_access_id: `${name} @ ${account}`,
          user_id: userId,
          user_name: name,
          display_name: u?.display_name ?? null,
          emails: u?.emails ?? [],
          user_known: u !== undefined,
          account_id: account,
          permission_sets: [],
          access_paths: [],
          direct_permission_sets: [],
          via_groups: [],
          is_admin: false,
          admin_paths: [],
          can_write_iam: false,
          iam_write_paths: [],
          is_privileged: false,
          privileged_paths: [],
          unresolved_policies: [],
        };
        rows.set(key, r);
      }
      return r;
    };
    const addUnique = (list: string[], v: string) => {
      if (!list.includes(v)) list.push(v);
    };
    for (const a of i.assignments) {
      const v = accessOf(i, a);
      const group = a.principal_type === "GROUP" ? groupOf(i, a) : null;
      const via = group ? `group ${group.display_name}` : "direct";
      const members = group ? group.member_user_ids : [a.principal_id];
      for (const userId of members) {
        const r = rowFor(userId, a.account_id);
        const path = `${via} → permission set ${a.permission_set_name}`;
        addUnique(r.permission_sets, a.permission_set_name);
        addUnique(r.access_paths, path);
        if (group) addUnique(r.via_groups, group.display_name);
        else addUnique(r.direct_permission_sets, a.permission_set_name);
        for (const p of v.admin_paths) addUnique(r.admin_paths, `${path} → ${p}`);
        for (const p of v.iam_write_paths) addUnique(r.iam_write_paths, `${path} → ${p}`);
        for (const p of v.unresolved_policies)
          addUnique(r.unresolved_policies, `${a.permission_set_name}: ${p}`);
        r.is_admin = or(r.is_admin, v.is_admin);
        r.can_write_iam = or(r.can_write_iam, v.can_write_iam);
      }
    }
    for (const r of rows.values()) {
      r.is_privileged = or(r.is_admin, r.can_write_iam);
      r.privileged_paths = r.admin_paths.length > 0 ? r.admin_paths : r.iam_write_paths;
      for (const l of [r.permission_sets, r.access_paths, r.direct_permission_sets, r.via_groups]) l.sort();
    }
    return [...rows.values()].sort((a, b) =>
      a.user_access_id.localeCompare(b.user_access_id),
    ) as unknown as Row[];
  },
});
