/**
 * aws.iam.principals — one row per IAM user and role, with every policy it holds and the path it holds it by
 * (attached, inline, through a group, or by assuming a role), and the verdicts of src/policy: administrator
 * access, can change IAM, cross-account trust. Derived from aws.iam.authorizationDetails through the run
 * cache: no API call of its own.
 *
 * Role assumption as a path: a user holds what a role holds when the role's trust policy names the user's
 * ARN, or names the account (`<account id>` / `arn:…:root`) and one of the user's own policies allows
 * sts:AssumeRole on the role. Role chaining (role → role) is not followed.
 */
import { errorMessage } from "../../../core/errors.js";
import type { QueryProblem, Row } from "../../../core/types.js";
import { allowsAction, analysePolicy } from "../../../policy/admin.js";
import { evaluatePrincipal, type GrantedPolicy, type PrincipalAccess } from "../../../policy/principal.js";
import { analyseTrustPolicy, type ExternalTrust } from "../../../policy/trust.js";
import { defineAwsQuery } from "../../../providers/aws/context.js";
import type { AuthzEntity } from "./authorization-details.js";

const SUPPORT_POLICY = /^arn:[^:]+:iam::aws:policy\/AWSSupportAccess$/;

export interface PrincipalRow extends PrincipalAccess {
  arn: string;
  name: string;
  kind: "user" | "role";
  id: string | null;
  path: string | null;
  create_date: Date | null;
  is_service_linked: boolean;
  is_sso_role: boolean;
  groups: string[];
  attached_policy_arns: string[];
  inline_policy_names: string[];
  direct_policy_names: string[];
  has_direct_policies: boolean;
  permissions_boundary_arn: string | null;
  has_support_access: boolean;
  trusted_aws_principals: string[];
  trusted_services: string[];
  trusted_federated: string[];
  external_trust: ExternalTrust[];
  external_principals: string[];
  assumable_roles: string[];
  role_last_used: Date | null;
}

/**
 * Every policy each IAM user and role holds (attached, inline, and through its groups), with its document:
 * the input of evaluatePrincipal, and of any question "which principals does an identity policy allow to …"
 * (aws.kms.keyAccess). Throws on a dangling reference (fail closed).
 */
export function policiesHeldBy(entities: AuthzEntity[]): Map<string, GrantedPolicy[]> {
  const { granted } = policyResolver(entities, new Map());
  const out = new Map<string, GrantedPolicy[]>();
  for (const e of entities) if (e.kind === "user" || e.kind === "role") out.set(e.arn, granted(e));
  return out;
}

/**
 * Resolves an entity's managed policies and everything it is granted; throws for a reference that is
 * dangling or names an entity in `unreadable` (key `policy|<arn>` / `group|<name>`, value: why).
 */
function policyResolver(entities: AuthzEntity[], unreadable: Map<string, string>) {
  const policies = new Map(entities.filter((e) => e.kind === "policy").map((e) => [e.arn, e]));
  const groups = new Map(entities.filter((e) => e.kind === "group").map((e) => [e.name, e]));
  const managed = (arn: string, owner: string): AuthzEntity => {
    const p = policies.get(arn);
    const bad = unreadable.get(`policy|${arn}`);
    if (bad) throw new Error(`${owner} has policy ${arn} attached, which could not be read (${bad})`);
    if (!p)
      throw new Error(
        `${owner} has policy ${arn} attached, but its document is not in the authorization details`,
      );
    return p;
  };
  const granted = (e: AuthzEntity): GrantedPolicy[] => {
    const list: GrantedPolicy[] = [];
    for (const arn of e.attached_policy_arns) {
      const p = managed(arn, e.arn);
      list.push({ via: { kind: "attached" }, name: p.name, arn, document: p.document });
    }
    for (const p of e.inline_policies)
      list.push({ via: { kind: "inline" }, name: p.name, arn: null, document: p.document });
    for (const gname of e.groups) {
      const g = groups.get(gname);
      const bad = unreadable.get(`group|${gname}`);
      if (bad) throw new Error(`${e.arn} is in group ${gname}, which could not be read (${bad})`);
      if (!g) throw new Error(`${e.arn} is in group ${gname}, which is not in the authorization details`);
      for (const arn of g.attached_policy_arns) {
        const p = managed(arn, g.arn);
        list.push({ via: { kind: "group-attached", group: gname }, name: p.name, arn, document: p.document });
      }
      for (const p of g.inline_policies)
        list.push({
          via: { kind: "group-inline", group: gname },
          name: p.name,
          arn: null,
          document: p.document,
        });
    }
    return list;
  };

  return { managed, granted };
}

/** Builds the principal rows from authorization-details rows. Throws on the first problem (strict form). */
export function buildPrincipals(entities: AuthzEntity[], account: string): PrincipalRow[] {
  const { rows, problems } = readPrincipals(entities, [], account);
  if (problems.length > 0) throw new Error(problems[0]!.message);
  return rows;
}

/**
 * Builds the principal rows, narrowly: a principal whose own entity, one of its policies or one of its groups
 * could not be read (an item problem of aws.iam.authorizationDetails), or that names a policy or group the
 * answer does not hold, is an item problem of its own (its kind, ARN, name and path are still known); the
 * other principals stand. A role that cannot be evaluated leaves open which users reach it by assuming it:
 * that is a problem for users (`members: {kind: "user"}`). Problems not about one entity pass through.
 */
export function readPrincipals(
  entities: AuthzEntity[],
  upstream: QueryProblem[],
  account: string,
): { rows: PrincipalRow[]; problems: QueryProblem[] } {
  const problems: QueryProblem[] = [];
  const unreadable = new Map<string, string>();
  const upstreamPrincipals: QueryProblem[] = [];
  for (const p of upstream) {
    const kind = p.item?.kind;
    if (kind === "policy" && typeof p.item?.arn === "string")
      unreadable.set(`policy|${p.item.arn}`, p.message);
    else if (kind === "group" && typeof p.item?.name === "string")
      unreadable.set(`group|${p.item.name}`, p.message);
    else if ((kind === "user" || kind === "role") && p.item) upstreamPrincipals.push(p);
    else if (kind !== "policy" && kind !== "group") problems.push(p);
    else problems.push({ ...p, item: undefined, members: {} });
  }
  const { managed, granted } = policyResolver(entities, unreadable);

  const rows: PrincipalRow[] = [];
  const held = new Map<string, GrantedPolicy[]>();
  const itemProblems: QueryProblem[] = upstreamPrincipals.map((p) => ({
    ...p,
    item: principalStandIn(p.item!),
  }));
  for (const e of entities) {
    if (e.kind !== "user" && e.kind !== "role") continue;
    let list: GrantedPolicy[];
    let directNames: string[];
    try {
      list = granted(e);
      directNames = [
        ...e.attached_policy_arns.map((a) => managed(a, e.arn).name),
        ...e.inline_policies.map((p) => p.name),
      ];
    } catch (err) {
      itemProblems.push({ message: errorMessage(err), item: principalStandIn(e as unknown as Row) });
      continue;
    }
    held.set(e.arn, list);
    const trust = e.kind === "role" && e.trust_policy ? analyseTrustPolicy(e.trust_policy, account) : null;
    rows.push({
      arn: e.arn,
      name: e.name,
      kind: e.kind,
      id: e.id,
      path: e.path,
      create_date: e.create_date,
      is_service_linked: e.kind === "role" && (e.path ?? "").startsWith("/aws-service-role/"),
      is_sso_role: e.kind === "role" && (e.path ?? "").startsWith("/aws-reserved/sso.amazonaws.com/"),
      groups: e.groups,
      attached_policy_arns: e.attached_policy_arns,
      inline_policy_names: e.inline_policies.map((p) => p.name),
      direct_policy_names: directNames,
      has_direct_policies: directNames.length > 0,
      permissions_boundary_arn: e.permissions_boundary_arn,
      has_support_access: list.some((p) => p.arn !== null && SUPPORT_POLICY.test(p.arn)),
      trusted_aws_principals: trust?.awsPrincipals ?? [],
      trusted_services: trust?.services ?? [],
      trusted_federated: trust?.federated ?? [],
      external_trust: trust?.external ?? [],
      external_principals: [...new Set((trust?.external ?? []).flatMap((t) => t.principals))],
      assumable_roles: [],
      role_last_used: e.role_last_used,
      ...evaluatePrincipal(list),
    });
  }

  // Users holding a role's access by assuming it.
  const roles = rows.filter((r) => r.kind === "role");
  const trustsAccount = (r: PrincipalRow) =>
    r.trusted_aws_principals.some(
      (p) => p === account || new RegExp(`^arn:[^:]+:iam::${account}:root$`).test(p),
    );
  for (const user of rows.filter((r) => r.kind === "user")) {
    const own = held.get(user.arn) ?? [];
    // A user whose own policies deny everything cannot call sts:AssumeRole either.
    if (own.some((p) => analysePolicy(p.document).deniesEverything)) continue;
    for (const role of roles) {
      const named = role.trusted_aws_principals.includes(user.arn);
      const viaAccount =
        trustsAccount(role) && own.some((p) => allowsAction(p.document, "sts:AssumeRole", role.arn));
      if (!named && !viaAccount) continue;
      user.assumable_roles.push(role.arn);
      if (role.is_admin) {
        for (const path of role.admin_paths) user.admin_paths.push(`assumes role ${role.name}: ${path}`);
        user.is_admin = true;
      }
      if (role.can_write_iam) {
        for (const path of role.iam_write_paths)
          user.iam_write_paths.push(`assumes role ${role.name}: ${path}`);
        user.can_write_iam = true;
      }
    }
  }
  // Which users reach an unreadable role by assuming it (and what it grants them) is unknown.
  for (const p of itemProblems) {
    if (p.item?.kind === "role")
      problems.push({
        message: `role ${String(p.item.arn ?? p.item.name)} could not be evaluated, so the users who can assume it, and what it grants them, are unknown: ${p.message}`,
        members: { kind: "user" },
      });
  }
  return { rows: rows.sort((a, b) => a.arn.localeCompare(b.arn)), problems: [...itemProblems, ...problems] };
}

/** What stays known of a principal that cannot be evaluated: its identity and path-derived facts. */
function principalStandIn(e: Row): Row {
  const path = typeof e.path === "string" ? e.path : undefined;
  const out: Row = { kind: e.kind };
  for (const k of ["arn", "name", "id", "path"]) if (e[k] !== undefined && e[k] !== null) out[k] = e[k];
  if (e.kind === "user" && Array.isArray(e.groups)) out.groups = e.groups;
  if (path !== undefined) {
    out.is_service_linked = e.kind === "role" && path.startsWith("/aws-service-role/");
    out.is_sso_role = e.kind === "role" && path.startsWith("/aws-reserved/sso.amazonaws.com/");
  }
  return out;
}

export const principals = defineAwsQuery({
  id: "aws.iam.principals",
  scope: "account",
  title: "IAM users and roles with the policies they hold, by path, and administrator / IAM-write verdicts",
  permissions: ["iam:GetAccountAuthorizationDetails", "iam:GetAccountSummary"],
  calls: ["IAM:GetAccountAuthorizationDetails", "IAM:GetAccountSummary"],
  uses: ["aws.iam.authorizationDetails", "aws.iam.accountSummary"],
  fields: {
    arn: "string: user or role ARN",
    name: "string: user or role name",
    kind: "string: user | role",
    id: "string?: unique id",
    path: "string?: IAM path",
    create_date: "timestamp?: when the principal was created",
    is_service_linked: "bool: roles: a service-linked role (/aws-service-role/)",
    is_sso_role: "bool: roles: an IAM Identity Center permission-set role (/aws-reserved/sso.amazonaws.com/)",
    groups: "list<string>: users: group names",
    attached_policy_arns: "list<string>: managed policies attached directly",
    inline_policy_names: "list<string>: inline policies of the principal itself",
    direct_policy_names:
      "list<string>: names of the policies attached to or embedded in the principal itself",
    has_direct_policies: "bool: some policy is attached to or embedded in the principal itself",
    permissions_boundary_arn: "string?: the permissions boundary (boundaries are reported, not evaluated)",
    has_support_access: "bool: holds AWS's AWSSupportAccess managed policy",
    trusted_aws_principals: "list<string>: roles: AWS principals in the trust policy",
    trusted_services: "list<string>: roles: service principals in the trust policy",
    trusted_federated:
      "list<string>: roles: federated principals (SAML / OIDC providers) in the trust policy",
    external_trust:
      "list<map<string, dyn>>: roles: {statement, principals, accounts, condition_keys}, one per statement trusting another account",
    external_principals: "list<string>: roles: the AWS principals of other accounts the trust policy names",
    assumable_roles:
      "list<string>: users: ARNs of roles the user can assume (trust names the user, or the account plus an sts:AssumeRole grant)",
    role_last_used: "timestamp?: roles: when the role was last used; null for users and unused roles",
    is_admin: "bool: holds administrator access by some path (see src/policy/admin.ts)",
    admin_paths:
      "list<string>: the paths, e.g. `group Admins: attached policy AdministratorAccess [statement 1]`",
    can_write_iam: "bool: can change IAM identities or permissions broadly",
    iam_write_paths:
      "list<string>: the paths and grants, e.g. `attached policy Deploy [iam:AttachRolePolicy]`",
    other_denies: "list<string>: Deny statements that were not subtracted (narrow or conditional)",
    policies: "list<map<string, dyn>>: every policy held: {via, name, arn, is_admin, can_write_iam}",
  },
  async fetch(ctx) {
    const details = await ctx.queryResult("aws.iam.authorizationDetails");
    const entities = details.rows as unknown as AuthzEntity[];
    const { rows, problems } = readPrincipals(entities, details.problems, ctx.aws.accountId);
    return { rows: rows as unknown as Row[], problems };
  },
});
