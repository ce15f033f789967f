/**
 * aws.organizations.serviceControlPolicies — the organization's service control policies and which of the
 * required actions (query parameter `actions`, e.g. cloudtrail:StopLogging) they deny at the organization
 * root, so that no account — present or future — can switch off its audit logging. Organization-scoped: asked
 * once, from the caller's account, which must be the management account or a delegated administrator for
 * policy management.
 *
 * Calls: DescribeOrganization; ListRoots (is the SCP policy type enabled at the root?); ListPolicies
 * (SERVICE_CONTROL_POLICY, every page); DescribePolicy and ListTargetsForPolicy (every page) per policy.
 * A statement counts as denying an action when its Effect is Deny, its Action (or NotAction) covers the
 * action (IAM wildcards, case-insensitive) and its Resource is "*". Conditions (e.g. an exemption for a
 * break-glass role) are reported with the policy, not evaluated.
 *
 * An account outside any organization gets one row with in_organization = false. A member account that is
 * refused the listing makes the query fail, saying where to run it; it is never a pass or a fail.
 */

import { errorMessage } from "../../../core/errors.js";
import { defineAwsQuery } from "../../../providers/aws/context.js";
import { isAccessDenied, isAwsError } from "../../../providers/aws/errors.js";
import {
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  ListPoliciesCommand,
  ListRootsCommand,
  ListTargetsForPolicyCommand,
  OrganizationsClient,
} from "../../../providers/aws/sdk/client-organizations.js";
import { parsePolicyDocument } from "../normalise.js";
import { paginateAws } from "../paginate.js";

/** Organizations is a global service answered in one region per partition. */
function organizationsRegion(partition: string): string {
  if (partition === "aws-cn") return "cn-northwest-1";
  if (partition === "aws-us-gov") return "us-gov-west-1";
  return "us-east-1";
}

function globMatches(pattern: string, action: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split("")
      .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
      .join("")}$`,
    "i",
  );
  return re.test(action);
}

const asList = (v: unknown): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)];

/** The actions of `required` that the policy document denies on every resource; and whether a condition applies. */
export function deniedActions(doc: unknown, required: string[]): { denied: string[]; conditional: boolean } {
  const parsed = parsePolicyDocument(doc);
  const statements: unknown[] = parsed ? ([] as unknown[]).concat(parsed.Statement ?? []) : [];
  const denied = new Set<string>();
  let conditional = false;
  for (const raw of statements) {
    const s = raw as Record<string, unknown>;
    if (s.Effect !== "Deny") continue;
    if (s.NotResource !== undefined) continue;
    if (s.Resource !== undefined && !asList(s.Resource).includes("*")) continue;
    for (const action of required) {
      const covered =
        s.Action !== undefined
          ? asList(s.Action).some((p) => globMatches(p, action))
          : s.NotAction !== undefined
            ? !asList(s.NotAction).some((p) => globMatches(p, action))
            : false;
      if (covered) {
        denied.add(action);
        if (s.Condition !== undefined && Object.keys(s.Condition as object).length > 0) conditional = true;
      }
    }
  }
  return { denied: required.filter((a) => denied.has(a)), conditional };
}

export const serviceControlPolicies = defineAwsQuery({
  id: "aws.organizations.serviceControlPolicies",
  scope: "organization",
  title: "Service control policies and the required actions they deny at the organization root",
  permissions: [
    "organizations:DescribeOrganization",
    "organizations:ListRoots",
    "organizations:ListPolicies",
    "organizations:DescribePolicy",
    "organizations:ListTargetsForPolicy",
  ],
  calls: [
    "Organizations:DescribeOrganization",
    "Organizations:ListRoots",
    "Organizations:ListPolicies",
    "Organizations:DescribePolicy",
    "Organizations:ListTargetsForPolicy",
  ],
  paramsSchema: {
    type: "object",
    required: ["actions"],
    additionalProperties: false,
    properties: {
      actions: {
        type: "array",
        minItems: 1,
        items: { type: "string", pattern: "^[a-z0-9-]+:[A-Za-z0-9]+$" },
      },
    },
  },
  fields: {
    subject_arn: "string: the organization's ARN (or the account's root ARN when it is in no organization)",
    in_organization: "bool: the account is in an organization",
    organization_id: "string?: the organization id",
    management_account_id: "string?: the management account",
    is_management_account: "bool: the caller's account is the management account",
    all_features: "bool: the organization has all features (SCPs need it)",
    scp_enabled_at_root: "bool: the SERVICE_CONTROL_POLICY type is ENABLED at the root",
    root_id: "string?: the root's id",
    required_actions: "list<string>: the actions that must be denied",
    denied_at_root: "list<string>: required actions denied by an SCP attached to the root",
    missing_at_root: "list<string>: required actions no root-attached SCP denies",
    policies: "list<map<string, dyn>>: {id, name, aws_managed, targets, denies, conditional} for every SCP",
  },
  async fetch(ctx, params) {
    const required = (params.actions as string[]).map(String);
    const org = ctx.aws.client(OrganizationsClient, organizationsRegion(ctx.aws.partition));
    const described = await org.send(new DescribeOrganizationCommand({})).catch((e) => {
      if (isAwsError(e, "AWSOrganizationsNotInUseException", "AWSOrganizationsNotInUse")) return null;
      throw e;
    });
    if (!described?.Organization) {
      return [
        {
          subject_arn: `arn:${ctx.aws.partition}:iam::${ctx.aws.accountId}:root`,
          in_organization: false,
          organization_id: null,
          management_account_id: null,
          is_management_account: false,
          all_features: false,
          scp_enabled_at_root: false,
          root_id: null,
          required_actions: required,
          denied_at_root: [],
          missing_at_root: required,
          policies: [],
        },
      ];
    }
    const o = described.Organization;
    const isManagement = o.MasterAccountId === ctx.aws.accountId;
    const refused = (e: unknown): never => {
      if (isAccessDenied(e) && !isManagement) {
        throw new Error(
          `account ${ctx.aws.accountId} is a member of organization ${o.Id} and may not read its service control policies (${(e as { name?: string }).name}: ${errorMessage(e)}); evaluate this control from the management account ${o.MasterAccountId} or a delegated administrator for policy management`,
        );
      }
      throw e;
    };
    const roots = (
      await paginateAws(
        (token) => org.send(new ListRootsCommand(token ? { NextToken: token } : {})).catch(refused),
        (page) => page.NextToken,
        "Organizations:ListRoots",
      )
    ).flatMap((page) => page.Roots ?? []);
    const root = roots[0];
    const summaries = (
      await paginateAws(
        (token) =>
          org
            .send(
              new ListPoliciesCommand({
                Filter: "SERVICE_CONTROL_POLICY",
                ...(token ? { NextToken: token } : {}),
              }),
            )
            .catch(refused),
        (page) => page.NextToken,
        "Organizations:ListPolicies",
      )
    ).flatMap((page) => page.Policies ?? []);
    const policies = await Promise.all(
      summaries.map(async (p) => {
        const [detail, targets] = await Promise.all([
          org.send(new DescribePolicyCommand({ PolicyId: p.Id })),
          paginateAws(
            (next) =>
              org.send(
                new ListTargetsForPolicyCommand({ PolicyId: p.Id, ...(next ? { NextToken: next } : {}) }),
              ),
            (page) => page.NextToken,
            `Organizations:ListTargetsForPolicy ${p.Id}`,
          ).then((pages) => pages.flatMap((page) => page.Targets ?? [])),
        ]);
        const { denied, conditional } = deniedActions(detail.Policy?.Content, required);
        return {
          id: p.Id ?? null,
          name: p.Name ?? null,
          aws_managed: p.AwsManaged ?? false,
          targets: targets.map((t) => `${t.Type}:${t.TargetId}${t.Name ? ` (${t.Name})` : ""}`).sort(),
          attached_to_root: targets.some((t) => t.Type === "ROOT"),
          denies: denied,
          conditional,
        };
      }),
    );
    policies.sort((a, b) => String(a.id).localeCompare(String(b.id)));
    const scpEnabled = (root?.PolicyTypes ?? []).some(
      (t) => t.Type === "SERVICE_CONTROL_POLICY" && t.Status === "ENABLED",
    );
    const deniedAtRoot = new Set(policies.filter((p) => p.attached_to_root).flatMap((p) => p.denies));
    const effective = scpEnabled && o.FeatureSet === "ALL";
    return [
      {
        subject_arn:
          o.Arn ?? `arn:${ctx.aws.partition}:organizations::${o.MasterAccountId}:organization/${o.Id}`,
        in_organization: true,
        organization_id: o.Id ?? null,
        management_account_id: o.MasterAccountId ?? null,
        is_management_account: isManagement,
        all_features: o.FeatureSet === "ALL",
        scp_enabled_at_root: scpEnabled,
        root_id: root?.Id ?? null,
        required_actions: required,
        denied_at_root: effective ? required.filter((a) => deniedAtRoot.has(a)) : [],
        missing_at_root: effective ? required.filter((a) => !deniedAtRoot.has(a)) : required,
        policies,
      },
    ];
  },
});
