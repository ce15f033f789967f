/**
 * aws.eks.accessEntries — one row per access entry of every EKS cluster in the region that uses the
 * access-entry API (ListAccessEntries, every page; ListAssociatedAccessPolicies per entry, every page): the
 * AWS principal and the EKS access policies associated with it, with their scope. Clusters in CONFIG_MAP mode
 * have no access entries (their admins live in the aws-auth ConfigMap, which the EKS API does not expose): they
 * are not in this population — the access-entry control reports them.
 */

import type { Row } from "../../../core/types.js";
import { defineAwsQuery } from "../../../providers/aws/context.js";
import {
  EKSClient,
  ListAccessEntriesCommand,
  ListAssociatedAccessPoliciesCommand,
} from "../../../providers/aws/sdk/client-eks.js";
import { paginateAws } from "../paginate.js";

export const CLUSTER_ADMIN_POLICY = "AmazonEKSClusterAdminPolicy";

export const eksAccessEntries = defineAwsQuery({
  id: "aws.eks.accessEntries",
  scope: "region",
  title: "EKS access entries with their associated access policies",
  permissions: [
    "eks:ListClusters",
    "eks:DescribeCluster",
    "eks:ListAccessEntries",
    "eks:ListAssociatedAccessPolicies",
  ],
  calls: ["EKS:ListAccessEntries", "EKS:ListAssociatedAccessPolicies"],
  uses: ["aws.eks.clusters"],
  fields: {
    entry_id: "string: <cluster ARN>/<principal ARN>, unique per access entry",
    cluster_name: "string: the cluster's name",
    cluster_arn: "string: the cluster's ARN",
    region: "string: the region",
    principal_arn: "string: the IAM role or user the entry maps",
    access_policies: "list<string>: names of the associated EKS access policies (e.g. AmazonEKSViewPolicy)",
    cluster_scoped_policies: "list<string>: those associated with accessScope type cluster",
    cluster_admin: "bool: AmazonEKSClusterAdminPolicy is associated at cluster scope",
    associations: "list<map<string, dyn>>: every association: policy, scope type, namespaces",
  },
  async fetch(ctx) {
    const clusters = (await ctx.query("aws.eks.clusters")).filter((c) => c.uses_access_entries === true);
    const eks = ctx.aws.client(EKSClient);
    const rows: Row[] = [];
    for (const c of clusters) {
      const clusterName = String(c.cluster_name);
      const principals = (
        await paginateAws(
          (token) =>
            eks.send(new ListAccessEntriesCommand({ clusterName, ...(token ? { nextToken: token } : {}) })),
          (page) => page.nextToken,
          `EKS:ListAccessEntries ${clusterName}`,
        )
      ).flatMap((p) => p.accessEntries ?? []);
      for (const principalArn of [...principals].sort()) {
        const associations = (
          await paginateAws(
            (token) =>
              eks.send(
                new ListAssociatedAccessPoliciesCommand({
                  clusterName,
                  principalArn,
                  ...(token ? { nextToken: token } : {}),
                }),
              ),
            (page) => page.nextToken,
            `EKS:ListAssociatedAccessPolicies ${clusterName} ${principalArn}`,
          )
        ).flatMap((p) => p.associatedAccessPolicies ?? []);
        const list = associations.map((a) => ({
          policy:
            String(a.policyArn ?? "")
              .split("/")
              .pop() ?? "",
          policy_arn: a.policyArn ?? null,
          scope: a.accessScope?.type ?? null,
          namespaces: a.accessScope?.namespaces ?? [],
        }));
        const clusterScoped = list.filter((a) => a.scope === "cluster").map((a) => a.policy);
        rows.push({
          entry_id: `${c.cluster_arn}/${principalArn}`,
          cluster_name: clusterName,
          cluster_arn: c.cluster_arn,
          region: ctx.aws.region,
          principal_arn: principalArn,
          access_policies: [...new Set(list.map((a) => a.policy))].sort(),
          cluster_scoped_policies: [...new Set(clusterScoped)].sort(),
          cluster_admin: clusterScoped.includes(CLUSTER_ADMIN_POLICY),
          associations: list,
        });
      }
    }
    return rows;
  },
});
