/**
 * aws.ssoadmin.permissionSetAccess — what each permission set grants in each account it is provisioned to:
 * the administrator and IAM-write verdicts of src/policy/permission-set.ts (the same analysis as for IAM
 * users and roles), with the policy that grants each.
 *
 * Customer managed policy references are resolved in the account, as Identity Center does when it
 * provisions the set: the policy `arn:<partition>:iam::<account>:policy<path><name>` from that account's
 * aws.iam.authorizationDetails (read through the member role in an organization run). A reference that
 * cannot be resolved — the account is not in the run's scope, or its IAM could not be read — leaves the
 * verdicts it could change unknown (null), so the controls reading them are `error` for that item rather
 * than a guess; a reference to a policy that does not exist in the account grants nothing there (Identity
 * Center cannot provision it) and is listed in `missing_policies`.
 */
import { errorMessage } from "../../../core/errors.js";
import type { Row } from "../../../core/types.js";
import { evaluatePermissionSet, type PermissionSetPolicy } from "../../../policy/permission-set.js";
import { defineAwsQuery } from "../../../providers/aws/context.js";
import type { AuthzEntity } from "../iam/authorization-details.js";
import type { PermissionSetRow, PolicyRef } from "./permission-sets.js";

export interface PermissionSetAccessRow {
  access_id: string;
  instance_arn: string;
  permission_set_arn: string;
  permission_set_name: string;
  account_id: string;
  policies: string[];
  is_admin: boolean | null;
  admin_paths: string[];
  can_write_iam: boolean | null;
  iam_write_paths: string[];
  privileged_paths: string[];
  is_privileged: boolean | null;
  other_denies: string[];
  limited_by_boundary: string[];
  permissions_boundary: string | null;
  missing_policies: string[];
  unresolved_policies: string[];
}

const customerArn = (partition: string, account: string, ref: PolicyRef) => {
  const path = ref.path && ref.path !== "" ? ref.path : "/";
  return `arn:${partition}:iam::${account}:policy${path.endsWith("/") ? path : `${path}/`}${ref.name}`;
};

export const ssoPermissionSetAccess = defineAwsQuery({
  id: "aws.ssoadmin.permissionSetAccess",
  scope: "organization",
  title:
    "Identity Center permission sets per account: administrator / IAM-write verdicts with their policies",
  permissions: [
    "sso:ListInstances",
    "sso:ListPermissionSets",
    "sso:DescribePermissionSet",
    "sso:ListManagedPoliciesInPermissionSet",
    "sso:ListCustomerManagedPolicyReferencesInPermissionSet",
    "sso:GetInlinePolicyForPermissionSet",
    "sso:GetPermissionsBoundaryForPermissionSet",
    "sso:ListAccountsForProvisionedPermissionSet",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:GetAccountAuthorizationDetails",
  ],
  calls: [],
  uses: ["aws.ssoadmin.permissionSets", "aws.iam.authorizationDetails"],
  fields: {
    access_id: "string: `<permission set> @ <account>`",
    instance_arn: "string: the Identity Center instance",
    permission_set_arn: "string: the permission set",
    permission_set_name: "string: its name",
    account_id: "string: the account it is provisioned to",
    policies: "list<string>: every policy of the set, e.g. `AWS managed policy ReadOnlyAccess`",
    is_admin: "bool?: grants administrator access in the account (null: unknown, a reference is unresolved)",
    admin_paths: "list<string>: the policies that do, with the statements",
    can_write_iam: "bool?: can change IAM identities or permissions broadly (null: unknown)",
    iam_write_paths: "list<string>: the policies that do, with the grants",
    privileged_paths: "list<string>: admin_paths, or iam_write_paths when the set is not admin",
    is_privileged: "bool?: is_admin or can_write_iam (null: unknown)",
    other_denies: "list<string>: Deny statements that were not subtracted",
    limited_by_boundary: "list<string>: verdicts the permissions boundary removed",
    permissions_boundary: "string?: the boundary, e.g. `customer managed policy DevBoundary`",
    missing_policies: "list<string>: customer managed references with no such policy in the account",
    unresolved_policies: "list<string>: references that could not be resolved, with the reason",
  },
  async fetch(ctx) {
    const sets = (await ctx.query("aws.ssoadmin.permissionSets")) as unknown as PermissionSetRow[];
    const partition = ctx.aws.partition;
    const iamOf = new Map<string, Promise<Map<string, AuthzEntity> | Error>>();
    const accountPolicies = (account: string) => {
      let p = iamOf.get(account);
      if (!p) {
        p = ctx
          .query("aws.iam.authorizationDetails", {}, { unit: account })
          .then(
            (rows) =>
              new Map(
                (rows as unknown as AuthzEntity[]).filter((e) => e.kind === "policy").map((e) => [e.arn, e]),
              ),
          )
          .catch((e: unknown) => new Error(errorMessage(e)));
        iamOf.set(account, p);
      }
      return p;
    };
    const rows: PermissionSetAccessRow[] = [];
    for (const ps of sets) {
      const needsAccount =
        ps.customer_managed_policies.length > 0 || ps.permissions_boundary?.kind === "customer-managed";
      for (const account of ps.provisioned_accounts) {
        const local = needsAccount ? await accountPolicies(account) : new Map<string, AuthzEntity>();
        const missing: string[] = [];
        const unresolved: string[] = [];
        const resolve = (ref: PolicyRef): PermissionSetPolicy | null => {
          const arn = customerArn(partition, account, ref);
          if (local instanceof Error) {
            unresolved.push(`${ref.name}: ${local.message}`);
            return null;
          }
          const e = local.get(arn);
          if (!e?.document) {
            missing.push(arn);
            return null;
          }
          return { kind: "customer-managed", name: ref.name, document: e.document };
        };
        const policies: PermissionSetPolicy[] = [
          ...ps.aws_managed_policies.map(
            (m): PermissionSetPolicy => ({
              kind: "aws-managed",
              name: m.name,
              document: ps.aws_managed_documents[m.arn!],
            }),
          ),
          ...ps.customer_managed_policies.map(resolve).filter((p): p is PermissionSetPolicy => p !== null),
          ...(ps.inline_policy
            ? [{ kind: "inline" as const, name: "inline policy", document: ps.inline_policy }]
            : []),
        ];
        const b = ps.permissions_boundary;
        const boundary: PermissionSetPolicy | null = !b
          ? null
          : b.kind === "aws-managed"
            ? { kind: "aws-managed", name: b.name, document: ps.aws_managed_documents[b.arn!] }
            : resolve(b);
        const v = evaluatePermissionSet(policies, boundary);
        const unknown = unresolved.length > 0;
        const isAdmin = v.is_admin ? true : unknown ? null : false;
        const canWrite = v.can_write_iam ? true : unknown ? null : false;
        rows.push({
          access_id: `${ps.name} @ ${account}`,
          instance_arn: ps.instance_arn,
          permission_set_arn: ps.permission_set_arn,
          permission_set_name: ps.name,
          account_id: account,
          policies: [
            ...ps.aws_managed_policies.map((m) => `AWS managed policy ${m.name}`),
            ...ps.customer_managed_policies.map((c) => `customer managed policy ${c.name}`),
            ...(ps.inline_policy ? ["inline policy"] : []),
          ],
          is_admin: isAdmin,
          admin_paths: v.admin_paths,
          can_write_iam: canWrite,
          iam_write_paths: v.iam_write_paths,
          privileged_paths: v.admin_paths.length > 0 ? v.admin_paths : v.iam_write_paths,
          is_privileged: isAdmin === true || canWrite === true ? true : unknown ? null : false,
          other_denies: v.other_denies,
          limited_by_boundary: v.limited_by_boundary,
          permissions_boundary: b
            ? `${b.kind === "aws-managed" ? "AWS managed" : "customer managed"} policy ${b.name}`
            : null,
          missing_policies: missing,
          unresolved_policies: unresolved,
        });
      }
    }
    return rows as unknown as Row[];
  },
});
