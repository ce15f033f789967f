/**
 * aws.ssoadmin.permissionSets — every permission set of every Identity Center instance, with everything in
 * it that grants or limits access: the AWS managed policies (with their documents, read once per policy from
 * IAM: GetPolicy → GetPolicyVersion of the default version), the customer managed policy references (names
 * and paths: their documents live in each account the set is provisioned to, and are resolved there by
 * aws.ssoadmin.permissionSetAccess), the inline policy and the permissions boundary, and the accounts the set
 * is provisioned to.
 *
 * GetPermissionsBoundaryForPermissionSet answers ResourceNotFoundException for a set without a boundary;
 * that (and an empty answer) is "no boundary", any other error fails the query.
 */

import type { Row } from "../../../core/types.js";
import { defineAwsQuery } from "../../../providers/aws/context.js";
import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  IAMClient,
} from "../../../providers/aws/sdk/client-iam.js";
import {
  DescribePermissionSetCommand,
  GetInlinePolicyForPermissionSetCommand,
  GetPermissionsBoundaryForPermissionSetCommand,
  ListAccountsForProvisionedPermissionSetCommand,
  ListCustomerManagedPolicyReferencesInPermissionSetCommand,
  ListManagedPoliciesInPermissionSetCommand,
  ListPermissionSetsCommand,
  SSOAdminClient,
} from "../../../providers/aws/sdk/client-sso-admin.js";
import { asDate, parsePolicyDocument } from "../normalise.js";
import { paginateAws } from "../paginate.js";
import type { InstanceRow } from "./instances.js";

export interface PolicyRef {
  name: string;
  /** AWS managed: the ARN; customer managed: null (resolved per account). */
  arn: string | null;
  /** Customer managed: the IAM path (default `/`). */
  path: string | null;
}

export interface BoundaryRef extends PolicyRef {
  kind: "aws-managed" | "customer-managed";
}

export interface PermissionSetRow {
  instance_arn: string;
  identity_store_id: string;
  permission_set_arn: string;
  name: string;
  description: string | null;
  session_duration: string | null;
  created_date: Date | null;
  aws_managed_policies: PolicyRef[];
  customer_managed_policies: PolicyRef[];
  inline_policy: Record<string, unknown> | null;
  permissions_boundary: BoundaryRef | null;
  /** Decoded default-version documents of the AWS managed policies (and an AWS managed boundary), by ARN. */
  aws_managed_documents: Record<string, Record<string, unknown>>;
  provisioned_accounts: string[];
}

const nameOfArn = (arn: string) => arn.split("/").pop() ?? arn;

export const ssoPermissionSets = defineAwsQuery({
  id: "aws.ssoadmin.permissionSets",
  scope: "organization",
  title:
    "Identity Center permission sets with their policies, boundary and the accounts they are provisioned to",
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
  ],
  calls: [
    "SSOAdmin:ListPermissionSets",
    "SSOAdmin:DescribePermissionSet",
    "SSOAdmin:ListManagedPoliciesInPermissionSet",
    "SSOAdmin:ListCustomerManagedPolicyReferencesInPermissionSet",
    "SSOAdmin:GetInlinePolicyForPermissionSet",
    "SSOAdmin:GetPermissionsBoundaryForPermissionSet",
    "SSOAdmin:ListAccountsForProvisionedPermissionSet",
    "IAM:GetPolicy",
    "IAM:GetPolicyVersion",
  ],
  uses: ["aws.ssoadmin.instances"],
  fields: {
    instance_arn: "string: the Identity Center instance",
    identity_store_id: "string: the instance's identity store",
    permission_set_arn: "string: arn:aws:sso:::permissionSet/ssoins-…/ps-…",
    name: "string: permission set name",
    description: "string?: description",
    session_duration: "string?: ISO 8601 duration, e.g. PT8H",
    created_date: "timestamp?: when the set was created",
    aws_managed_policies: "list<dyn>: AWS managed policies, {name, arn}",
    customer_managed_policies: "list<dyn>: customer managed policy references, {name, path}",
    inline_policy: "dyn: the decoded inline policy, or null",
    permissions_boundary: "dyn: {kind, name, arn, path} of the boundary, or null",
    aws_managed_documents: "map<string, dyn>: decoded documents of the AWS managed policies, by ARN",
    provisioned_accounts: "list<string>: accounts the set is provisioned to",
  },
  async fetch(ctx) {
    const instances = (await ctx.query("aws.ssoadmin.instances")) as unknown as InstanceRow[];
    const sso = ctx.aws.client(SSOAdminClient, ctx.aws.homeRegion);
    const iam = ctx.aws.client(IAMClient, ctx.aws.homeRegion);
    const documents = new Map<string, Promise<Record<string, unknown>>>();
    const awsManagedDocument = (arn: string) => {
      let p = documents.get(arn);
      if (!p) {
        p = (async () => {
          const policy = await iam.send(new GetPolicyCommand({ PolicyArn: arn }));
          const version = policy.Policy?.DefaultVersionId;
          if (!version) throw new Error(`GetPolicy ${arn} answered without DefaultVersionId`);
          const out = await iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: version }));
          const doc = parsePolicyDocument(out.PolicyVersion?.Document);
          if (!doc) throw new Error(`GetPolicyVersion ${arn} ${version} answered without a document`);
          return doc;
        })();
        documents.set(arn, p);
      }
      return p;
    };
    const rows: PermissionSetRow[] = [];
    for (const inst of instances) {
      const InstanceArn = inst.instance_arn;
      const arns = (
        await paginateAws(
          (token) =>
            sso.send(new ListPermissionSetsCommand({ InstanceArn, ...(token ? { NextToken: token } : {}) })),
          (p) => p.NextToken,
          "SSOAdmin:ListPermissionSets",
        )
      ).flatMap((p) => p.PermissionSets ?? []);
      const sets = await Promise.all(
        arns.map(async (PermissionSetArn): Promise<PermissionSetRow> => {
          const at = { InstanceArn, PermissionSetArn };
          const paged = <P extends { NextToken?: string }>(op: string, send: (t?: string) => Promise<P>) =>
            paginateAws(send, (p) => p.NextToken, op);
          const [described, managed, customer, inline, boundary, accounts] = await Promise.all([
            sso.send(new DescribePermissionSetCommand(at)),
            paged("SSOAdmin:ListManagedPoliciesInPermissionSet", (t) =>
              sso.send(
                new ListManagedPoliciesInPermissionSetCommand({ ...at, ...(t ? { NextToken: t } : {}) }),
              ),
            ),
            paged("SSOAdmin:ListCustomerManagedPolicyReferencesInPermissionSet", (t) =>
              sso.send(
                new ListCustomerManagedPolicyReferencesInPermissionSetCommand({
                  ...at,
                  ...(t ? { NextToken: t } : {}),
                }),
              ),
            ),
            sso.send(new GetInlinePolicyForPermissionSetCommand(at)),
            sso.send(new GetPermissionsBoundaryForPermissionSetCommand(at)).catch((e: unknown) => {
              if ((e as { name?: string }).name === "ResourceNotFoundException")
                return { PermissionsBoundary: undefined };
              throw e;
            }),
            paged("SSOAdmin:ListAccountsForProvisionedPermissionSet", (t) =>
              sso.send(
                new ListAccountsForProvisionedPermissionSetCommand({ ...at, ...(t ? { NextToken: t } : {}) }),
              ),
            ),
          ]);
          const ps = described.PermissionSet;
          if (!ps?.Name) throw new Error(`DescribePermissionSet ${PermissionSetArn} answered without a Name`);
          const awsManaged = managed
            .flatMap((p) => p.AttachedManagedPolicies ?? [])
            .map((m): PolicyRef => {
              if (!m.Arn) throw new Error(`a managed policy of ${ps.Name} has no Arn`);
              return { name: m.Name ?? nameOfArn(m.Arn), arn: m.Arn, path: null };
            });
          const b = boundary.PermissionsBoundary;
          const boundaryRef: BoundaryRef | null = b?.ManagedPolicyArn
            ? {
                kind: "aws-managed",
                name: nameOfArn(b.ManagedPolicyArn),
                arn: b.ManagedPolicyArn,
                path: null,
              }
            : b?.CustomerManagedPolicyReference?.Name
              ? {
                  kind: "customer-managed",
                  name: b.CustomerManagedPolicyReference.Name,
                  arn: null,
                  path: b.CustomerManagedPolicyReference.Path ?? "/",
                }
              : null;
          const docArns = [...awsManaged.map((m) => m.arn!), ...(boundaryRef?.arn ? [boundaryRef.arn] : [])];
          const docs = await Promise.all(docArns.map(async (a) => [a, await awsManagedDocument(a)] as const));
          let inlineDoc: Record<string, unknown> | null;
          try {
            inlineDoc = parsePolicyDocument(inline.InlinePolicy);
          } catch (e) {
            throw new Error(
              `the inline policy of permission set ${ps.Name} is not JSON: ${(e as Error).message}`,
            );
          }
          return {
            instance_arn: InstanceArn,
            identity_store_id: inst.identity_store_id,
            permission_set_arn: PermissionSetArn,
            name: ps.Name,
            description: ps.Description ?? null,
            session_duration: ps.SessionDuration ?? null,
            created_date: asDate(ps.CreatedDate),
            aws_managed_policies: awsManaged,
            customer_managed_policies: customer
              .flatMap((p) => p.CustomerManagedPolicyReferences ?? [])
              .map((c) => ({ name: String(c.Name), arn: null, path: c.Path ?? "/" })),
            inline_policy: inlineDoc,
            permissions_boundary: boundaryRef,
            aws_managed_documents: Object.fromEntries(docs),
            provisioned_accounts: [...new Set(accounts.flatMap((p) => p.AccountIds ?? []))].sort(),
          };
        }),
      );
      rows.push(...sets);
    }
    return rows.sort((a, b) => a.name.localeCompare(b.name)) as unknown as Row[];
  },
});
