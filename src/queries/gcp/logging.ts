/**
 * Logging: Cloud Audit Logs configuration (the `auditConfigs` of IAM policies, which are inherited and
 * unioned down the hierarchy), organization-level log sinks (Logging ConfigServiceV2 listSinks) and the
 * retention of each sink's destination (a Cloud Storage bucket's retention policy / Bucket Lock, over the
 * Storage JSON API; a Logging bucket's retentionDays / locked, over ConfigServiceV2 getBucket).
 */
import type { Row } from "../../core/types.js";
import { REST_BASES } from "../../providers/gcp/connection.js";
import { defineGcpQuery } from "../../providers/gcp/context.js";
import { iamPolicyOf } from "./iam.js";
import { strings } from "./normalise.js";

export const effectiveAuditConfig = defineGcpQuery({
  id: "gcp.logging.effectiveAuditConfig",
  scope: "project",
  title:
    "Effective Cloud Audit Logs configuration of each project (its own and every ancestor's auditConfigs)",
  permissions: [
    "resourcemanager.projects.getIamPolicy",
    "resourcemanager.folders.getIamPolicy",
    "resourcemanager.organizations.getIamPolicy",
  ],
  calls: ["ProjectsClient:getIamPolicy", "FoldersClient:getIamPolicy", "OrganizationsClient:getIamPolicy"],
  fields: {
    project: "string: the project id",
    configs:
      "list<map<string, dyn>>: {configured_on, service, log_type, exempted_members} over the project and its ancestors",
    all_services_log_types:
      "list<string>: log types (ADMIN_READ, DATA_READ, DATA_WRITE) enabled for allServices anywhere above",
    all_services_exempted_members:
      "list<string>: members exempted from allServices audit logging anywhere above",
    configured_on: "list<string>: the nodes with any audit config",
  },
  async fetch(ctx) {
    const chain = ctx.gcp.hierarchy.ancestry(ctx.gcp.node.name);
    const policies = await Promise.all(chain.map((n) => iamPolicyOf(ctx, n)));
    const configs: Row[] = [];
    const types = new Set<string>();
    const exempted = new Set<string>();
    const on = new Set<string>();
    chain.forEach((node, i) => {
      for (const ac of policies[i]!.auditConfigs ?? []) {
        on.add(node.name);
        for (const lc of ac.auditLogConfigs ?? []) {
          const members = strings(lc.exemptedMembers);
          configs.push({
            configured_on: node.name,
            service: ac.service ?? "",
            log_type: lc.logType ?? "",
            exempted_members: members,
          });
          if (ac.service === "allServices") {
            if (lc.logType) types.add(lc.logType);
            for (const m of members) exempted.add(m);
          }
        }
      }
    });
    return [
      {
        project: ctx.gcp.node.unit,
        configs,
        all_services_log_types: [...types].sort(),
        all_services_exempted_members: [...exempted].sort(),
        configured_on: [...on],
      },
    ];
  },
});

interface LogSink {
  name?: string;
  destination?: string;
  filter?: string;
  disabled?: boolean;
  includeChildren?: boolean;
  exclusions?: { name?: string; filter?: string; disabled?: boolean }[];
  writerIdentity?: string;
}

const SINK_FIELDS = {
  sink_name: "string: organizations/ID/sinks/NAME",
  destination:
    "string: e.g. storage.googleapis.com/BUCKET, logging.googleapis.com/projects/P/locations/L/buckets/B",
  destination_type: "string: storage | logging | bigquery | pubsub | other",
  filter: "string: the sink's filter ('' exports everything)",
  include_children: "bool: routes the logs of every folder and project below the organization",
  disabled: "bool: the sink is disabled",
  active_exclusions: "double: number of exclusions that are not disabled",
  exports_all: "bool: enabled, no filter, no active exclusion, includes children",
  writer_identity: "string?: the service account that writes to the destination",
};

function sinkRow(s: LogSink): Row {
  const destination = s.destination ?? "";
  const filter = (s.filter ?? "").trim();
  const active = (s.exclusions ?? []).filter((x) => !x.disabled).length;
  const disabled = s.disabled === true;
  const include_children = s.includeChildren === true;
  return {
    sink_name: s.name ?? "",
    destination,
    destination_type: destinationType(destination),
    filter,
    include_children,
    disabled,
    active_exclusions: active,
    exports_all: !disabled && filter === "" && active === 0 && include_children,
    writer_identity: s.writerIdentity ?? null,
  };
}

function destinationType(d: string): string {
  const host = d.split("/")[0] ?? "";
  if (host === "storage.googleapis.com") return "storage";
  if (host === "logging.googleapis.com") return "logging";
  if (host === "bigquery.googleapis.com") return "bigquery";
  if (host === "pubsub.googleapis.com") return "pubsub";
  return "other";
}

export const organizationSinks = defineGcpQuery({
  id: "gcp.logging.organizationSinks",
  scope: "organization",
  title: "Log sinks defined on the organization",
  permissions: ["logging.sinks.list"],
  calls: ["ConfigServiceV2Client:listSinks"],
  fields: SINK_FIELDS,
  async fetch(ctx) {
    const n = ctx.gcp.node;
    const sinks = await ctx.gcp.calls.paged<LogSink>(
      "ConfigServiceV2Client",
      "listSinks",
      n.unit,
      { parent: n.name },
      "sinks",
    );
    return sinks.map(sinkRow).sort((a, b) => String(a.sink_name).localeCompare(String(b.sink_name)));
  },
});

export const sinkDestinations = defineGcpQuery({
  id: "gcp.logging.sinkDestinations",
  scope: "organization",
  title: "Organization log sinks with their destination's retention (bucket retention policy / lock)",
  permissions: ["logging.sinks.list", "logging.buckets.get", "storage.buckets.get"],
  calls: ["ConfigServiceV2Client:listSinks", "ConfigServiceV2Client:getBucket", "StorageJson:getBucket"],
  uses: ["gcp.logging.organizationSinks"],
  fields: {
    ...SINK_FIELDS,
    retention_days: "double?: the destination's retention in days, or null when it has none",
    retention_locked: "bool: the retention cannot be reduced or removed (Bucket Lock / locked log bucket)",
  },
  async fetch(ctx) {
    const sinks = await ctx.query("gcp.logging.organizationSinks");
    const rows: Row[] = [];
    for (const s of sinks) {
      const dest = String(s.destination);
      let retention_days: number | null = null;
      let retention_locked = false;
      if (s.destination_type === "storage") {
        const bucket = dest.split("/")[1] ?? "";
        const b = await ctx.gcp.memo(`gcs|${bucket}`, () =>
          ctx.gcp.calls.rest("StorageJson", "getBucket", ctx.gcp.node.unit, {
            base: REST_BASES.StorageJson!,
            path: `/storage/v1/b/${encodeURIComponent(bucket)}`,
            query: { fields: "name,retentionPolicy" },
          }),
        );
        const rp = b.retentionPolicy as { retentionPeriod?: string | number; isLocked?: boolean } | undefined;
        if (rp?.retentionPeriod !== undefined) retention_days = Number(rp.retentionPeriod) / 86_400;
        retention_locked = rp?.isLocked === true;
      } else if (s.destination_type === "logging") {
        const name = dest.slice("logging.googleapis.com/".length);
        const b = await ctx.gcp.memo(`logbucket|${name}`, () =>
          ctx.gcp.calls.unary<{ retentionDays?: number; locked?: boolean }>(
            "ConfigServiceV2Client",
            "getBucket",
            ctx.gcp.node.unit,
            { name },
          ),
        );
        retention_days = typeof b.retentionDays === "number" && b.retentionDays > 0 ? b.retentionDays : null;
        retention_locked = b.locked === true;
      }
      rows.push({ ...s, retention_days, retention_locked });
    }
    return rows;
  },
});
