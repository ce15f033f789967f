/**
 * aws.iam.policies — one row per managed policy (AWS and customer managed, default version) and per inline
 * policy (of a user, group or role), with who it is attached to and the verdicts of src/policy/admin.ts.
 * Derived from aws.iam.authorizationDetails through the run cache: no API call of its own.
 */
import type { QueryProblem, Row } from "../../../core/types.js";
import { analysePolicy } from "../../../policy/admin.js";
import { defineAwsQuery } from "../../../providers/aws/context.js";
import type { AuthzEntity } from "./authorization-details.js";

export interface PolicyRow {
  /** The managed policy ARN, or `<owner ARN>#inline-policy/<name>` for an inline policy. */
  id: string;
  arn: string | null;
  name: string;
  type: "aws_managed" | "customer_managed" | "inline";
  owner_arn: string | null;
  default_version_id: string | null;
  attachment_count: number;
  attached_to: string[];
  attached: boolean;
  grants_full_admin: boolean;
  admin_statements: string[];
  can_write_iam: boolean;
  iam_write_grants: string[];
}

export function buildPolicies(entities: AuthzEntity[]): PolicyRow[] {
  const attachedTo = new Map<string, string[]>();
  const rows: PolicyRow[] = [];
  for (const e of entities) {
    for (const arn of e.attached_policy_arns) attachedTo.set(arn, [...(attachedTo.get(arn) ?? []), e.arn]);
    for (const p of e.inline_policies) {
      const a = analysePolicy(p.document);
      rows.push({
        id: `${e.arn}#inline-policy/${p.name}`,
        arn: null,
        name: p.name,
        type: "inline",
        owner_arn: e.arn,
        default_version_id: null,
        attachment_count: 1,
        attached_to: [e.arn],
        attached: true,
        grants_full_admin: a.isAdmin,
        admin_statements: a.adminStatements,
        can_write_iam: a.canWriteIam,
        iam_write_grants: a.iamWriteGrants,
      });
    }
  }
  for (const e of entities) {
    if (e.kind !== "policy") continue;
    const a = analysePolicy(e.document);
    const to = (attachedTo.get(e.arn) ?? []).sort();
    const count = Math.max(e.attachment_count ?? 0, to.length);
    rows.push({
      id: e.arn,
      arn: e.arn,
      name: e.name,
      type: e.is_aws_managed ? "aws_managed" : "customer_managed",
      owner_arn: null,
      default_version_id: e.default_version_id,
      attachment_count: count,
      attached_to: to,
      attached: count > 0,
      grants_full_admin: a.isAdmin,
      admin_statements: a.adminStatements,
      can_write_iam: a.canWriteIam,
      iam_write_grants: a.iamWriteGrants,
    });
  }
  return rows.sort((x, y) => x.id.localeCompare(y.id));
}

/**
 * An authorization-details problem seen from the policy rows: an unreadable managed policy is an item problem
 * for that policy (id = its ARN); an unreadable user, group or role leaves its inline policies unknown
 * (`members: {type: "inline", owner_arn}`); anything else may touch every policy.
 */
export function policyProblem(p: QueryProblem): QueryProblem {
  const item = p.item;
  if (item?.kind === "policy" && typeof item.arn === "string") {
    const known: Row = { id: item.arn, arn: item.arn };
    if (typeof item.name === "string") known.name = item.name;
    if (typeof item.is_aws_managed === "boolean")
      known.type = item.is_aws_managed ? "aws_managed" : "customer_managed";
    if (typeof item.attachment_count === "number" && item.attachment_count > 0) known.attached = true;
    return { message: p.message, item: known, ...(p.region ? { region: p.region } : {}) };
  }
  if (item && typeof item.arn === "string")
    return { message: p.message, members: { type: "inline", owner_arn: item.arn } };
  const { item: _item, ...rest } = p;
  return item ? { ...rest, members: {} } : rest;
}

export const policies = defineAwsQuery({
  id: "aws.iam.policies",
  scope: "account",
  title: "IAM managed policies (default version) and inline policies, with attachments and admin verdicts",
  permissions: ["iam:GetAccountAuthorizationDetails", "iam:GetAccountSummary"],
  calls: ["IAM:GetAccountAuthorizationDetails", "IAM:GetAccountSummary"],
  uses: ["aws.iam.authorizationDetails", "aws.iam.accountSummary"],
  fields: {
    id: "string: managed policy ARN, or `<owner ARN>#inline-policy/<name>`",
    arn: "string?: managed policy ARN; null for inline policies",
    name: "string: policy name",
    type: "string: aws_managed | customer_managed | inline",
    owner_arn: "string?: inline policies: the user, group or role embedding it",
    default_version_id: "string?: managed policies: the default version evaluated",
    attachment_count: "double: users, groups and roles it is attached to (AttachmentCount; 1 for inline)",
    attached_to: "list<string>: ARNs of the users, groups and roles it is attached to",
    attached: "bool: attached to at least one identity",
    grants_full_admin: "bool: an Allow of all actions on all resources, NotAction forms included",
    admin_statements: "list<string>: the statements that grant it",
    can_write_iam: "bool: grants IAM write actions broadly",
    iam_write_grants: "list<string>: the IAM write grants as written",
  },
  async fetch(ctx) {
    const details = await ctx.queryResult("aws.iam.authorizationDetails");
    const rows = buildPolicies(details.rows as unknown as AuthzEntity[]) as unknown as Row[];
    return { rows, problems: details.problems.map(policyProblem) };
  },
});
