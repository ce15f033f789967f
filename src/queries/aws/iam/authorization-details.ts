/**
 * aws.iam.authorizationDetails — one row per IAM user, group, role and managed policy of the account, from
 * GetAccountAuthorizationDetails: one account-wide call (every page of it, Marker / IsTruncated) instead of
 * N+1 ListUsers / ListAttachedUserPolicies / GetPolicyVersion calls.
 *
 * Policy documents (inline policies, trust policies, the default version of each managed policy) are
 * URL-encoded by IAM and decoded here. Rows have one shape for every kind (fields that do not apply are
 * empty lists or null), so derived queries (aws.iam.principals, aws.iam.policies) and controls can read them
 * uniformly. Fail closed, narrowly: a page that says it is truncated without a Marker, or a paging cycle,
 * fails the query; an entity that cannot be read (a managed policy without a default version document, a
 * document that is not JSON, no ARN) is an item problem for that entity alone. Completeness: every kind is
 * reconciled with GetAccountSummary, and the run's own principal must be in the answer.
 */
import type {
  AttachedPolicy,
  GetAccountAuthorizationDetailsCommandOutput,
  PolicyDetail,
  Tag,
} from "@aws-sdk/client-iam";
import { errorMessage } from "../../../core/errors.js";
import type { CompletenessCheck, QueryProblem, Row } from "../../../core/types.js";
import { type AwsQueryContext, defineAwsQuery } from "../../../providers/aws/context.js";
import { GetAccountAuthorizationDetailsCommand, IAMClient } from "../../../providers/aws/sdk/client-iam.js";
import { countCheck, presenceCheck, unavailableCheck } from "../../completeness.js";
import { asDate, parsePolicyDocument } from "../normalise.js";
import { paginateAws } from "../paginate.js";

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

/** The result of reading the pages: the entities established, and one problem per entity that was not. */
export interface AuthorizationDetailsRead {
  entities: AuthzEntity[];
  problems: QueryProblem[];
}

/** The policy name from a managed policy ARN (arn:aws:iam::aws:policy/service-role/Name → Name). */
export function policyNameFromArn(arn: string): string | null {
  const m = /^arn:[^:]+:iam::[^:]*:policy\/(?:.*\/)?([^/]+)$/.exec(arn);
  return m ? m[1]! : null;
}

/**
 * Normalises every page of GetAccountAuthorizationDetails into entity rows (users, groups, roles,
 * policies), one entity at a time: an entity that cannot be read (no ARN, a document that is not JSON, no
 * default version) becomes an item problem carrying what is known of it (kind, ARN, name, path), and the
 * other entities stand. A managed policy without `PolicyName` is named from its ARN (the name is its last
 * path segment).
 */
export function readAuthorizationDetails(
  pages: GetAccountAuthorizationDetailsCommandOutput[],
): AuthorizationDetailsRead {
  const out: AuthzEntity[] = [];
  const problems: QueryProblem[] = [];
  const each = <T>(
    kind: EntityKind,
    list: T[] | undefined,
    known: (x: T) => Row,
    read: (x: T) => AuthzEntity,
  ) => {
    for (const x of list ?? []) {
      try {
        out.push(read(x));
      } catch (e) {
        const item: Row = { kind, ...known(x) };
        problems.push({
          item,
          message: `${kind} ${item.arn ?? item.name ?? "(no ARN)"}: ${errorMessage(e)}`,
        });
      }
    }
  };
  const knownOf = (arn: string | undefined, name: string | undefined, path: string | undefined): Row => ({
    ...(arn ? { arn } : {}),
    ...(name ? { name } : {}),
    ...(path ? { path } : {}),
  });
  for (const page of pages) {
    each(
      "user",
      page.UserDetailList,
      (u) => ({ ...knownOf(u.Arn, u.UserName, u.Path), ...(u.GroupList ? { groups: u.GroupList } : {}) }),
      (u) => {
        const arn = need(u.Arn, "UserDetailList[].Arn");
        return {
          ...blank("user", arn, need(u.UserName, `UserName of ${arn}`)),
          id: u.UserId ?? null,
          path: u.Path ?? null,
          create_date: asDate(u.CreateDate),
          groups: u.GroupList ?? [],
          attached_policy_arns: attachedArns(u.AttachedManagedPolicies, arn),
          inline_policies: inline(u.UserPolicyList, arn),
          permissions_boundary_arn: u.PermissionsBoundary?.PermissionsBoundaryArn ?? null,
          tags: tagsOf(u.Tags),
        };
      },
    );
    each(
      "group",
      page.GroupDetailList,
      (g) => knownOf(g.Arn, g.GroupName, g.Path),
      (g) => {
        const arn = need(g.Arn, "GroupDetailList[].Arn");
        return {
          ...blank("group", arn, need(g.GroupName, `GroupName of ${arn}`)),
          id: g.GroupId ?? null,
          path: g.Path ?? null,
          create_date: asDate(g.CreateDate),
          attached_policy_arns: attachedArns(g.AttachedManagedPolicies, arn),
          inline_policies: inline(g.GroupPolicyList, arn),
        };
      },
    );
    each(
      "role",
      page.RoleDetailList,
      (r) => knownOf(r.Arn, r.RoleName, r.Path),
      (r) => {
        const arn = need(r.Arn, "RoleDetailList[].Arn");
        return {
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
        };
      },
    );
    each(
      "policy",
      page.Policies,
      (p) => ({
        ...knownOf(
          p.Arn,
          p.PolicyName ?? (p.Arn ? (policyNameFromArn(p.Arn) ?? undefined) : undefined),
          p.Path,
        ),
        ...(p.Arn ? { is_aws_managed: isAwsManaged(p.Arn) } : {}),
        ...(typeof p.AttachmentCount === "number" ? { attachment_count: p.AttachmentCount } : {}),
      }),
      (p) => {
        const arn = need(p.Arn, "Policies[].Arn");
        const defaultVersion = (p.PolicyVersionList ?? []).find((v) => v.IsDefaultVersion === true);
        if (!defaultVersion || (p.DefaultVersionId && defaultVersion.VersionId !== p.DefaultVersionId)) {
          throw new Error(
            `managed policy ${arn}: the default version ${p.DefaultVersionId ?? "?"} is not in PolicyVersionList`,
          );
        }
        // Some answers (emulators, new AWS managed policies) omit PolicyName; the ARN carries it.
        const name = p.PolicyName ?? policyNameFromArn(arn);
        return {
          ...blank("policy", arn, need(name, `PolicyName of ${arn} (and the ARN names none)`)),
          id: p.PolicyId ?? null,
          path: p.Path ?? null,
          create_date: asDate(p.CreateDate),
          is_aws_managed: isAwsManaged(arn),
          default_version_id: defaultVersion.VersionId ?? p.DefaultVersionId ?? null,
          attachment_count: p.AttachmentCount ?? null,
          permissions_boundary_usage_count: p.PermissionsBoundaryUsageCount ?? null,
          update_date: asDate(p.UpdateDate),
          document: decode(defaultVersion.Document, `default version of ${arn}`),
        };
      },
    );
  }
  // An ARN answered twice (a page repeated by a faulty pager) is not one entity: neither copy is trusted.
  const count = new Map<string, number>();
  for (const e of out) count.set(e.arn, (count.get(e.arn) ?? 0) + 1);
  const entities: AuthzEntity[] = [];
  for (const e of out) {
    if (count.get(e.arn) === 1) entities.push(e);
    else if (count.get(e.arn)! > 1) {
      count.set(e.arn, 0);
      problems.push({
        item: { kind: e.kind, arn: e.arn, name: e.name, ...(e.path ? { path: e.path } : {}) },
        message: `GetAccountAuthorizationDetails returned ${e.arn} twice`,
      });
    }
  }
  return { entities, problems };
}

/** The strict form (tests, tools): every entity, or the first problem thrown. */
export function normaliseAuthorizationDetails(
  pages: GetAccountAuthorizationDetailsCommandOutput[],
): AuthzEntity[] {
  const { entities, problems } = readAuthorizationDetails(pages);
  if (problems.length > 0) throw new Error(problems[0]!.message);
  return entities;
}

const isAwsManaged = (arn: string) => /^arn:[^:]+:iam::aws:policy\//.test(arn);

export const authorizationDetails = defineAwsQuery({
  id: "aws.iam.authorizationDetails",
  scope: "account",
  title: "IAM users, groups, roles and managed policies (GetAccountAuthorizationDetails, every page)",
  permissions: ["iam:GetAccountAuthorizationDetails", "iam:GetAccountSummary"],
  calls: ["IAM:GetAccountAuthorizationDetails", "IAM:GetAccountSummary"],
  uses: ["aws.iam.accountSummary"],
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
    const pages = await paginateAws(
      (marker) =>
        iam.send(
          new GetAccountAuthorizationDetailsCommand({
            MaxItems: PAGE_SIZE,
            ...(marker ? { Marker: marker } : {}),
          }),
        ),
      (page) => {
        if (!page.IsTruncated) return undefined;
        if (!page.Marker) throw new Error("GetAccountAuthorizationDetails: IsTruncated without a Marker");
        return page.Marker;
      },
      "IAM:GetAccountAuthorizationDetails",
      MAX_PAGES,
    );
    const { entities, problems } = readAuthorizationDetails(pages);
    return {
      rows: entities as unknown as Row[],
      problems,
      completeness: await authorizationCompleteness(ctx, entities, problems),
    };
  },
});

/**
 * The completeness tests of the entity population: each kind's count against GetAccountSummary (Users,
 * Groups, Roles, and Policies = customer managed policies), and the caller's own principal, which must be
 * in it (an empty or truncated answer cannot hold it). Entities that could not be read still count: they
 * were in the answer, as item problems.
 */
async function authorizationCompleteness(
  ctx: AwsQueryContext,
  entities: AuthzEntity[],
  problems: QueryProblem[],
): Promise<CompletenessCheck[]> {
  const known = [
    ...entities.map((e) => ({ kind: e.kind, arn: e.arn, name: e.name, aws: e.is_aws_managed })),
    ...problems.flatMap((p) =>
      p.item
        ? [{ kind: p.item.kind, arn: p.item.arn, name: p.item.name, aws: p.item.is_aws_managed === true }]
        : [],
    ),
  ];
  const source = "IAM:GetAccountAuthorizationDetails";
  const kinds = [
    { kind: "user", key: "users", label: "IAM users", summary: "Users", members: { kind: "user" } },
    { kind: "group", key: "groups", label: "IAM groups", summary: "Groups", members: { kind: "group" } },
    { kind: "role", key: "roles", label: "IAM roles", summary: "Roles", members: { kind: "role" } },
    {
      kind: "policy",
      key: "policies",
      label: "customer managed policies",
      summary: "Policies",
      members: { kind: "policy", is_aws_managed: false },
    },
  ] as const;
  const checks: CompletenessCheck[] = [];
  let summary: Row | undefined;
  let failure: unknown;
  try {
    const r = await ctx.queryResult("aws.iam.accountSummary");
    summary = r.rows.length === 1 ? r.rows[0] : undefined;
    if (!summary) failure = new Error("aws.iam.accountSummary did not return one row");
  } catch (e) {
    failure = e;
  }
  for (const k of kinds) {
    const found = known.filter((e) => e.kind === k.kind && (k.kind !== "policy" || !e.aws)).length;
    const spec = {
      population: k.label,
      source,
      reference: `IAM:GetAccountSummary SummaryMap.${k.summary}`,
      found,
      members: { ...k.members },
    };
    checks.push(
      summary
        ? countCheck({ ...spec, expected: summary[k.key] as number | null })
        : unavailableCheck(spec, failure),
    );
  }
  const caller = callerPrincipal(ctx.aws.principal, ctx.aws.accountId);
  if (caller) {
    const present = known.some((e) =>
      caller.kind === "user"
        ? e.kind === "user" && e.arn === caller.arn
        : e.kind === "role" && e.name === caller.name,
    );
    checks.push(
      presenceCheck({
        population: "IAM users and roles",
        source,
        reference: "STS:GetCallerIdentity (the run's own principal)",
        present,
        detail: present
          ? `the caller ${ctx.aws.principal} is ${caller.kind} ${caller.name}, present`
          : `the caller ${ctx.aws.principal} is ${caller.kind} ${caller.name}, which the answer does not hold: the principal population is incomplete`,
      }),
    );
  }
  return checks;
}

/** The IAM user or role a caller ARN acts as in `account`; undefined for root, federated users, others. */
export function callerPrincipal(
  arn: string | undefined,
  account: string,
): { kind: "user" | "role"; name: string; arn: string } | undefined {
  if (!arn) return undefined;
  const assumed = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(arn);
  if (assumed && assumed[2] === account) return { kind: "role", name: assumed[3]!, arn };
  const iam = /^arn:([^:]+):iam::(\d{12}):(user|role)\/(?:.*\/)?([^/]+)$/.exec(arn);
  if (iam && iam[2] === account) return { kind: iam[3] as "user" | "role", name: iam[4]!, arn };
  return undefined;
}
