/**
 * The resource hierarchy as populations: organizations, folders and projects (from the run's discovery:
 * searchOrganizations / getOrganization, listFolders, searchProjects — every page recorded), and the liens
 * on each project (Cloud Resource Manager v1 liens.list: the Liens API has no v3 / gRPC client, so it is
 * called over REST through the same recording wrapper).
 */
import type { Row } from "../../core/types.js";
import { REST_BASES } from "../../providers/gcp/connection.js";
import { defineGcpQuery } from "../../providers/gcp/context.js";
import { paginate } from "../../util/paginate.js";
import { asTimestamp, strings } from "./normalise.js";

export const organizations = defineGcpQuery({
  id: "gcp.rm.organizations",
  scope: "organization",
  title: "The organization (one row per organization in scope)",
  permissions: ["resourcemanager.organizations.get"],
  calls: ["OrganizationsClient:searchOrganizations", "OrganizationsClient:getOrganization"],
  fields: {
    name: "string: organizations/ID",
    organization_id: "string: numeric id",
    display_name: "string?: the primary domain, e.g. example.com",
    directory_customer_id: "string?: Google Workspace / Cloud Identity customer id",
    state: "string: ACTIVE | DELETE_REQUESTED",
    create_time: "timestamp?: when it was created",
  },
  async fetch(ctx) {
    const n = ctx.gcp.node;
    return [
      {
        name: n.name,
        organization_id: n.unit,
        display_name: n.displayName,
        directory_customer_id: (n.raw.directoryCustomerId as string | undefined) ?? null,
        state: n.state,
        create_time: asTimestamp(n.raw.createTime),
      },
    ];
  },
});

export const projects = defineGcpQuery({
  id: "gcp.rm.projects",
  scope: "project",
  title: "Active projects in scope, with labels and their place in the hierarchy",
  permissions: ["resourcemanager.projects.get", "resourcemanager.folders.get"],
  calls: ["ProjectsClient:searchProjects", "ProjectsClient:getProject", "FoldersClient:listFolders"],
  fields: {
    project_id: "string: the project id",
    project_number: "string?: the project number",
    name: "string: projects/NUMBER",
    display_name: "string?: the project's display name",
    parent: "string?: folders/ID or organizations/ID",
    ancestors: "list<string>: ancestor names, nearest first (folders…, organization)",
    state: "string: ACTIVE",
    labels: "map<string, string>: label key to value",
    create_time: "timestamp?: when it was created",
  },
  async fetch(ctx) {
    const n = ctx.gcp.node;
    const chain = ctx.gcp.hierarchy.ancestry(n.name);
    return [
      projectRow(
        n,
        chain.slice(1).map((a) => a.name),
      ),
    ];
  },
});

function projectRow(
  n: {
    name: string;
    unit: string;
    displayName: string;
    parent: string | null;
    state: string;
    labels: Record<string, string>;
    raw: Record<string, unknown>;
  },
  ancestors: string[],
): Row {
  return {
    project_id: n.unit,
    project_number: n.name.split("/")[1] ?? null,
    name: n.name,
    display_name: n.displayName,
    parent: n.parent,
    ancestors,
    state: n.state,
    labels: { ...n.labels },
    create_time: asTimestamp(n.raw.createTime),
  };
}

export const projectLiens = defineGcpQuery({
  id: "gcp.rm.projectLiens",
  scope: "project",
  title: "Liens on each project (Cloud Resource Manager v1 liens.list), with the project's labels",
  permissions: ["resourcemanager.projects.get"],
  calls: ["ResourceManagerV1:listLiens"],
  fields: {
    project_id: "string: the project id",
    project_number: "string?: the project number",
    labels: "map<string, string>: label key to value",
    liens: "list<map<string, dyn>>: {name, reason, origin, restrictions}",
    lien_count: "double: number of liens",
    has_delete_lien: "bool: a lien restricts resourcemanager.projects.delete",
  },
  async fetch(ctx) {
    const n = ctx.gcp.node;
    const pages = await paginate(
      (pageToken) =>
        ctx.gcp.calls.rest("ResourceManagerV1", "listLiens", n.unit, {
          base: REST_BASES.ResourceManagerV1!,
          path: "/v1/liens",
          query: { parent: n.name, ...(pageToken ? { pageToken } : {}) },
        }),
      (page) => (typeof page.nextPageToken === "string" ? page.nextPageToken : ""),
      "ResourceManagerV1.listLiens",
    );
    const liens: Row[] = pages.flatMap((page) =>
      ((page.liens as Record<string, unknown>[] | undefined) ?? []).map((l) => ({
        name: String(l.name ?? ""),
        reason: String(l.reason ?? ""),
        origin: String(l.origin ?? ""),
        restrictions: strings(l.restrictions),
      })),
    );
    return [
      {
        project_id: n.unit,
        project_number: n.name.split("/")[1] ?? null,
        labels: { ...n.labels },
        liens,
        lien_count: liens.length,
        has_delete_lien: liens.some((l) =>
          (l.restrictions as string[]).includes("resourcemanager.projects.delete"),
        ),
      },
    ];
  },
});
