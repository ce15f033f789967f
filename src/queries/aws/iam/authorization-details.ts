/**
 * aws.iam.authorizationDetails — one row per IAM user, group, role and managed policy of the account, from
 * GetAccountAuthorizationDetails: one account-wide call (every page of it, Marker / IsTruncated) instead of
 * N+1 ListUsers / ListAttachedUserPolicies / GetPolicyVersion calls.
 *
 * Policy documents (inline policies, trust policies, the default version of each managed policy) are
 * URL-encoded by IAM and decoded here. Rows have one shape for every kind (fields that do not apply are
 * empty lists or null), so derived queries (aws.iam.principals, aws.iam.policies) and controls can read them
 * uniformly. Fail closed: a page that says it is truncated without a Marker, a managed policy without a
 * default version document, or a document that is not JSON fails the query.
 */
import {
  type AttachedPolicy,
  GetAccountAuthorizationDetailsCommand,
  type GetAccountAuthorizationDetailsCommandOutput,
  IAMClient,
  type PolicyDetail,
  type Tag,
} from "@aws-sdk/client-iam";
import type { Row } from "../../../core/types.js";
import { defineAwsQuery } from "../../../providers/aws/context.js";
import { asDate, parsePolicyDocument } from "../normalise.js";

export type EntityKind = "user" | "group" | "role" | "policy";

/** One row of aws.iam.authorizationDetails (the typed view derived queries use). */
export interface AuthzEntity {
  kind: EntityKind;
  arn: string;
  name: string;
  id: string | null;
  path: string | null;
  create_date: Date | null;
  /** Users: names of their groups. */
  groups: string[];
  /** Users, groups, roles: ARNs of attached managed policies. */
  attached_policy_arns: string[];
  /** Users, groups, roles: inline policies with decoded documents. */
  inline_policies: { name: string; document: Record<string, unknown> }[];
  permissions_boundary_arn: string | null;
  /** Roles: decoded AssumeRolePolicyDocument. */
  trust_policy: Record<string, unknown> | null;
  /** Roles: RoleLastUsed. */
  role_last_used: Date | null;
  role_last_used_region: string | null;
  /** Roles: instance profile ARNs. */
  instance_profiles: string[];
  tags: Record<string, string>;
  /** Policies: AWS managed (arn:<partition>:iam::aws:policy/…). */
  is_aws_managed: boolean;
  default_version_id: string | null;
  attachment_count: number | null;
  permissions_boundary_usage_count: number | null;
  update_date: Date | null;
  /** Policies: decoded document of the default version. */
  document: Record<string, unknown> | null;
}

const MAX_PAGES = 1_000;
/** The largest page IAM allows (default 100): 10,000 users take 11 pages, not 101. */
const PAGE_SIZE = 1000;

function decode(doc: unknown, what: string): Record<string, unknown> {
  let parsed: Record<string, unknown> | null;
  try {
    parsed = parsePolicyDocument(doc);
  } catch (e) {
    throw new Error(`${what}: policy document is not valid JSON (${(e as Error).message})`);
  }
  if (!parsed) throw new Error(`${what}: policy document is missing`);
  return parsed;
}

const need = <T>(v: T | undefined | null, what: string): T => {
  if (v === undefined || v === null) throw new Error(`GetAccountAuthorizationDetails: ${what} is missing`);
  return v;
};

const tagsOf = (tags: Tag[] | undefined): Record<string, string> =>
  Object.fromEntries((tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));

const attachedArns = (list: AttachedPolicy[] | undefined, owner: string): string[] =>
  (list ?? []).map((p) => need(p.PolicyArn, `PolicyArn of a policy attached to ${owner}`));

const inline = (list: PolicyDetail[] | undefined, owner: string): AuthzEntity["inline_policies"] =>
  (list ?? []).map((p) => {
    const name = need(p.PolicyName, `PolicyName of an inline policy of ${owner}`);
    return { name, document: decode(p.PolicyDocument, `inline policy ${name} of ${owner}`) };
  });

function blank(kind: EntityKind, arn: string, name: string): AuthzEntity {
  return {
    kind,
    arn,
    name,
    id: null,
    path: null,
    create_date: null,
    groups: [],
    attached_policy_arns: [],
    inline_policies: [],
    permissions_boundary_arn: null,
    trust_policy: null,
    role_last_used: null,
    role_last_used_region: null,
    instance_profiles: [],
    tags: {},
    is_aws_managed: false,
    default_version_id: null,
    attachment_count: null,
    permissions_boundary_usage_count: null,
    update_date: null,
    document: null,
  };
}

/** Normalises every page of GetAccountAuthorizationDetails into entity rows (users, groups, roles, policies). */
export function normaliseAuthorizationDetails(
  pages: GetAccountAuthorizationDetailsCommandOutput[],
): AuthzEntity[] {
  const out: AuthzEntity[] = [];
  for (const page of pages) {
    for (const u of page.UserDetailList ?? []) {
      const arn = need(u.Arn, "UserDetailList[].Arn");
      out.push({
        ...blank("user", arn, need(u.UserName, `UserName of ${arn}`)),
        id: u.UserId ?? null,
        path: u.Path ?? null,
        create_date: asDate(u.CreateDate),
        groups: u.GroupList ?? [],
        attached_policy_arns: attachedArns(u.AttachedManagedPolicies, arn),
        inline_policies: inline(u.UserPolicyList, arn),
        permissions_boundary_arn: u.PermissionsBoundary?.PermissionsBoundaryArn ?? null,
        tags: tagsOf(u.Tags),
      });
    }
    for (const g of page.GroupDetailList ?? []) {
      const arn = need(g.Arn, "GroupDetailList[].Arn");
      out.push({
        ...blank("group", arn, need(g.GroupName, `GroupName of ${arn}`)),
        id: g.GroupId ?? null,
        path: g.Path ?? null,
        create_date: asDate(g.CreateDate),
        attached_policy_arns: attachedArns(g.AttachedManagedPolicies, arn),
        inline_policies: inline(g.GroupPolicyList, arn),
      });
    }
    for (const r of page.RoleDetailList ?? []) {
      const arn = need(r.Arn, "RoleDetailList[].Arn");
      out.push({
        ...blank("role", arn, need(r.RoleName, `RoleName of ${arn}`)),
        id: r.RoleId ?? null,
        path: r.Path ?? null,
        create_date: asDate(r.CreateDate),
        attached_policy_arns: attachedArns(r.AttachedManagedPolicies, arn),
        inline_policies: inline(r.RolePolicyList, arn),
        permissions_boundary_arn: r.PermissionsBoundary?.PermissionsBoundaryArn ?? null,
        trust_policy: decode(r.AssumeRolePolicyDocument, `trust policy of ${arn}`),
        role_last_used: asDate(r.RoleLastUsed?.LastUsedDate),
        role_last_used_region: r.RoleLastUsed?.Region ?? null,
        instance_profiles: (r.InstanceProfileList ?? []).map((p) => p.Arn ?? p.InstanceProfileName ?? ""),
        tags: tagsOf(r.Tags),
      });
    }
    for (const p of page.Policies ?? []) {
      const arn = need(p.Arn, "Policies[].Arn");
      const defaultVersion = (p.PolicyVersionList ?? []).find((v) => v.IsDefaultVersion === true);
      if (!defaultVersion || (p.DefaultVersionId && defaultVersion.VersionId !== p.DefaultVersionId)) {
        throw new Error(
          `managed policy ${arn}: the default version ${p.DefaultVersionId ?? "?"} is not in PolicyVersionList`,
        );
      }
      out.push({
        ...blank("policy", arn, need(p.PolicyName, `PolicyName of ${arn}`)),
        id: p.PolicyId ?? null,
        path: p.Path ?? null,
        create_date: asDate(p.CreateDate),
        is_aws_managed: /^arn:[^:]+:iam::aws:policy\//.test(arn),
        default_version_id: defaultVersion.VersionId ?? p.DefaultVersionId ?? null,
        attachment_count: p.AttachmentCount ?? null,
        permissions_boundary_usage_count: p.PermissionsBoundaryUsageCount ?? null,
        update_date: asDate(p.UpdateDate),
        document: decode(defaultVersion.Document, `default version of ${arn}`),
      });
    }
  }
  const seen = new Set<string>();
  for (const e of out) {
    if (seen.has(e.arn)) throw new Error(`GetAccountAuthorizationDetails returned ${e.arn} twice`);
    seen.add(e.arn);
  }
  return out;
}

export const authorizationDetails = defineAwsQuery({
  id: "aws.iam.authorizationDetails",
  scope: "account",
  title: "IAM users, groups, roles and managed policies (GetAccountAuthorizationDetails, every page)",
  permissions: ["iam:GetAccountAuthorizationDetails"],
  calls: ["IAM:GetAccountAuthorizationDetails"],
  fields: {
    kind: "string: user | group | role | policy",
    arn: "string: ARN of the entity",
    name: "string: user, group, role or policy name",
    id: "string?: unique id (AIDA…, AGPA…, AROA…, ANPA…)",
    path: "string?: IAM path",
    create_date: "timestamp?: when the entity was created",
    groups: "list<string>: users: group names",
    attached_policy_arns: "list<string>: users, groups, roles: attached managed policy ARNs",
    inline_policies: "list<map<string, dyn>>: users, groups, roles: {name, document} (decoded)",
    permissions_boundary_arn: "string?: users, roles: permissions boundary policy ARN",
    trust_policy: "map<string, dyn>?: roles: decoded trust policy (AssumeRolePolicyDocument)",
    role_last_used: "timestamp?: roles: when the role was last used",
    role_last_used_region: "string?: roles: where the role was last used",
    instance_profiles: "list<string>: roles: instance profile ARNs",
    tags: "map<string, string>: tag key to value",
    is_aws_managed: "bool: policies: an AWS managed policy",
    default_version_id: "string?: policies: v1, v2, …",
    attachment_count: "double?: policies: number of users, groups and roles it is attached to",
    permissions_boundary_usage_count: "double?: policies: number of entities using it as a boundary",
    update_date: "timestamp?: policies: when the policy was last updated",
    document: "map<string, dyn>?: policies: decoded document of the default version",
  },
  async fetch(ctx) {
    const iam = ctx.aws.client(IAMClient, ctx.aws.homeRegion);
    const pages: GetAccountAuthorizationDetailsCommandOutput[] = [];
    const markers = new Set<string>();
    let marker: string | undefined;
    do {
      const page = await iam.send(
        new GetAccountAuthorizationDetailsCommand({
          MaxItems: PAGE_SIZE,
          ...(marker ? { Marker: marker } : {}),
        }),
      );
      pages.push(page);
      if (page.IsTruncated) {
        if (!page.Marker) throw new Error("GetAccountAuthorizationDetails: IsTruncated without a Marker");
        if (markers.has(page.Marker)) throw new Error("GetAccountAuthorizationDetails: Marker repeated");
        markers.add(page.Marker);
        marker = page.Marker;
      } else marker = undefined;
      if (pages.length > MAX_PAGES)
        throw new Error(`GetAccountAuthorizationDetails: more than ${MAX_PAGES} pages`);
    } while (marker);
    return normaliseAuthorizationDetails(pages) as unknown as Row[];
  },
});
