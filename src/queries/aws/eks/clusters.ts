/**
 * aws.eks.clusters — one row per EKS cluster in the region (ListClusters, every page; DescribeCluster): its
 * control-plane log types and whether they are enabled, and how Kubernetes authenticates AWS principals
 * (accessConfig.authenticationMode). A cluster created before access entries existed has no accessConfig in
 * DescribeCluster: it authenticates through the aws-auth ConfigMap only, reported as CONFIG_MAP.
 */

import { defineAwsQuery } from "../../../providers/aws/context.js";
import {
  DescribeClusterCommand,
  EKSClient,
  ListClustersCommand,
} from "../../../providers/aws/sdk/client-eks.js";
import { asDate } from "../normalise.js";
import { paginateAws } from "../paginate.js";

export const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

export const eksClusters = defineAwsQuery({
  id: "aws.eks.clusters",
  scope: "region",
  title: "EKS clusters: control-plane logging and authentication mode",
  permissions: ["eks:ListClusters", "eks:DescribeCluster"],
  calls: ["EKS:ListClusters", "EKS:DescribeCluster"],
  fields: {
    cluster_name: "string: the cluster's name",
    cluster_arn: "string: the cluster's ARN",
    region: "string: the region",
    status: "string: CREATING | ACTIVE | UPDATING | DELETING | FAILED | PENDING",
    version: "string?: the Kubernetes version",
    created_at: "timestamp?: when the cluster was created",
    enabled_log_types: "list<string>: control-plane log types sent to CloudWatch Logs",
    disabled_log_types: "list<string>: control-plane log types not sent",
    audit_logging: "bool: the audit log type is enabled",
    authenticator_logging: "bool: the authenticator log type is enabled",
    authentication_mode: "string: API | API_AND_CONFIG_MAP | CONFIG_MAP (no accessConfig: CONFIG_MAP)",
    uses_access_entries: "bool: the authentication mode is API or API_AND_CONFIG_MAP",
    bootstrap_creator_admin: "bool?: the creator was made cluster admin through an access entry at creation",
  },
  async fetch(ctx) {
    const eks = ctx.aws.client(EKSClient);
    const names = (
      await paginateAws(
        (token) => eks.send(new ListClustersCommand(token ? { nextToken: token } : {})),
        (page) => page.nextToken,
        "EKS:ListClusters",
      )
    ).flatMap((p) => p.clusters ?? []);
    const rows = await Promise.all(
      [...names].sort().map(async (name) => {
        const c = (await eks.send(new DescribeClusterCommand({ name }))).cluster;
        if (!c?.arn) throw new Error(`DescribeCluster ${name} answered without a cluster ARN`);
        const enabled = new Set<string>();
        for (const setup of c.logging?.clusterLogging ?? [])
          if (setup.enabled === true) for (const t of setup.types ?? []) enabled.add(t);
        const mode = c.accessConfig?.authenticationMode ?? "CONFIG_MAP";
        return {
          cluster_name: name,
          cluster_arn: c.arn,
          region: ctx.aws.region,
          status: c.status ?? "UNKNOWN",
          version: c.version ?? null,
          created_at: asDate(c.createdAt),
          enabled_log_types: CONTROL_PLANE_LOG_TYPES.filter((t) => enabled.has(t)),
          disabled_log_types: CONTROL_PLANE_LOG_TYPES.filter((t) => !enabled.has(t)),
          audit_logging: enabled.has("audit"),
          authenticator_logging: enabled.has("authenticator"),
          authentication_mode: mode,
          uses_access_entries: mode === "API" || mode === "API_AND_CONFIG_MAP",
          bootstrap_creator_admin: c.accessConfig?.bootstrapClusterCreatorAdminPermissions ?? null,
        };
      }),
    );
    return rows;
  },
});
