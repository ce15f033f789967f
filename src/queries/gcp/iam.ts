/**
 * IAM policies at every level of the hierarchy (getIamPolicy with requestedPolicyVersion 3, so conditional
 * bindings keep their conditions) and the rows built from them: one row per (binding, member), each knowing
 * where it was granted. A project's **effective** bindings are its own plus every ancestor's (folders up to
 * the organization), because IAM policies are inherited down the hierarchy.
 */
import type { Row } from "../../core/types.js";
import { defineGcpQuery, type GcpQueryContext } from "../../providers/gcp/context.js";
import type { HierarchyNode } from "../../providers/gcp/hierarchy.js";
import { BASIC_ROLES, conditionExpiry, parseMember, strings } from "./normalise.js";

const CLIENT_OF = {
  organization: "OrganizationsClient",
  folder: "FoldersClient",
  project: "ProjectsClient",
} as const;

export interface IamPolicy {
  version?: number;
  bindings?: {
    role?: string;
    members?: string[];
    condition?: { expression?: string; title?: string; description?: string } | null;
  }[];
  auditConfigs?: { service?: string; auditLogConfigs?: { logType?: string; exemptedMembers?: string[] }[] }[];
  etag?: unknown;
}

/** The IAM policy of a node, fetched once per run however many projects inherit it. */
export function iamPolicyOf(ctx: GcpQueryContext, node: HierarchyNode): Promise<IamPolicy> {
  return ctx.gcp.memo(`iam|${node.name}`, () =>
    ctx.gcp.calls.unary<IamPolicy>(CLIENT_OF[node.type], "getIamPolicy", node.unit, {
      resource: node.name,
      options: { requestedPolicyVersion: 3 },
    }),
  );
}

export const BINDING_FIELDS: Record<string, string> = {
  binding_id:
    "string: granted_on/role/member (plus ?condition=title for a conditional binding): unique per grant",
  granted_on: "string: where the binding is granted: organizations/ID, folders/ID or projects/NUMBER",
  granted_on_type: "string: organization | folder | project",
  granted_on_id: "string: organization id, folder id or project id of granted_on",
  granted_on_name: "string?: display name of granted_on",
  inherited: "bool: granted on an ancestor, not on the scope's own node",
  role: "string: roles/… (predefined) or organizations/…/roles/… / projects/…/roles/… (custom)",
  is_basic_role: "bool: roles/owner, roles/editor or roles/viewer",
  member: "string: the IAM member string (user:…, group:…, serviceAccount:…, domain:…, allUsers, …)",
  member_type:
    "string: user | group | serviceAccount | domain | allUsers | allAuthenticatedUsers | deleted | principal | principalSet | other",
  member_email: "string?: e-mail of a user / group / service account, else null",
  member_domain: "string?: domain of the e-mail or of a domain: member, else null",
  is_service_agent: "bool: a Google-managed service agent",
  conditional: "bool: the binding has an IAM condition",
  condition_title: "string?: the condition's title",
  condition_expression: "string?: CEL expression of the condition",
  condition_expires_at: "timestamp?: from request.time < timestamp(…) in the condition",
  organization_domain:
    "string?: the primary domain of the organization the node belongs to (the Organization resource's displayName); null when no organization is in scope",
};

/** Rows for one node's policy. */
export function bindingRows(
  policy: IamPolicy,
  node: HierarchyNode,
  inherited: boolean,
  organizationDomain: string | null,
): Row[] {
  const rows: Row[] = [];
  for (const b of policy.bindings ?? []) {
    const role = String(b.role ?? "");
    const cond = b.condition && (b.condition.expression || b.condition.title) ? b.condition : null;
    for (const member of strings(b.members)) {
      rows.push({
        binding_id: `${node.name}/${role}/${member}${cond ? `?condition=${cond.title ?? ""}` : ""}`,
        granted_on: node.name,
        granted_on_type: node.type,
        granted_on_id: node.unit,
        granted_on_name: node.displayName || null,
        inherited,
        role,
        is_basic_role: BASIC_ROLES.includes(role),
        member,
        ...parseMember(member),
        conditional: cond !== null,
        condition_title: cond?.title || null,
        condition_expression: cond?.expression || null,
        condition_expires_at: conditionExpiry(cond?.expression),
        organization_domain: organizationDomain,
      });
    }
  }
  return rows;
}

function sortRows(rows: Row[]): Row[] {
  return rows.sort((a, b) => String(a.binding_id).localeCompare(String(b.binding_id)));
}

/** The organization's primary domain: an Organization resource's displayName is its primary domain. */
export function organizationDomain(ctx: GcpQueryContext): string | null {
  return ctx.gcp.hierarchy.organizationOf(ctx.gcp.node.name)?.displayName || null;
}

function ownBindings(ctx: GcpQueryContext): Promise<Row[]> {
  return iamPolicyOf(ctx, ctx.gcp.node).then((p) =>
    sortRows(bindingRows(p, ctx.gcp.node, false, organizationDomain(ctx))),
  );
}

const PERMISSION = {
  organization: "resourcemanager.organizations.getIamPolicy",
  folder: "resourcemanager.folders.getIamPolicy",
  project: "resourcemanager.projects.getIamPolicy",
};

export const organizationBindings = defineGcpQuery({
  id: "gcp.iam.organizationBindings",
  scope: "organization",
  title: "IAM bindings granted on the organization (one row per role and member)",
  permissions: [PERMISSION.organization],
  calls: ["OrganizationsClient:getIamPolicy"],
  fields: BINDING_FIELDS,
  fetch: ownBindings,
});

export const folderBindings = defineGcpQuery({
  id: "gcp.iam.folderBindings",
  scope: "folder",
  title: "IAM bindings granted on each folder (one row per role and member)",
  permissions: [PERMISSION.folder],
  calls: ["FoldersClient:getIamPolicy"],
  fields: BINDING_FIELDS,
  fetch: ownBindings,
});

export const projectBindings = defineGcpQuery({
  id: "gcp.iam.projectBindings",
  scope: "project",
  title: "IAM bindings granted on each project itself (not inherited)",
  permissions: [PERMISSION.project],
  calls: ["ProjectsClient:getIamPolicy"],
  fields: BINDING_FIELDS,
  fetch: ownBindings,
});

/** The project's own bindings plus every ancestor's, nearest first. */
export async function effectiveBindingRows(ctx: GcpQueryContext): Promise<Row[]> {
  const chain = ctx.gcp.hierarchy.ancestry(ctx.gcp.node.name);
  const policies = await Promise.all(chain.map((n) => iamPolicyOf(ctx, n)));
  const rows: Row[] = [];
  const domain = organizationDomain(ctx);
  chain.forEach((n, i) => {
    rows.push(
      ...bindingRows(policies[i]!, n, i > 0, domain).map((r) => ({ project: ctx.gcp.node.unit, ...r })),
    );
  });
  return sortRows(rows);
}

export const effectiveBindings = defineGcpQuery({
  id: "gcp.iam.effectiveBindings",
  scope: "project",
  title:
    "Effective IAM bindings of each project: its own and those inherited from every folder and the organization",
  permissions: [PERMISSION.project, PERMISSION.folder, PERMISSION.organization],
  calls: ["ProjectsClient:getIamPolicy", "FoldersClient:getIamPolicy", "OrganizationsClient:getIamPolicy"],
  fields: { project: "string: the project id", ...BINDING_FIELDS },
  fetch: effectiveBindingRows,
});

export const effectiveMembers = defineGcpQuery({
  id: "gcp.iam.effectiveMembers",
  scope: "project",
  title: "Members with any effective role on each project, with every role they hold and where it is granted",
  permissions: [PERMISSION.project, PERMISSION.folder, PERMISSION.organization],
  calls: ["ProjectsClient:getIamPolicy", "FoldersClient:getIamPolicy", "OrganizationsClient:getIamPolicy"],
  fields: {
    project: "string: the project id",
    member: "string: the IAM member string",
    member_type: "string: as in gcp.iam.effectiveBindings",
    member_email: "string?: e-mail of a user / group / service account, else null",
    member_domain: "string?: domain of the e-mail or of a domain: member, else null",
    is_service_agent: "bool: a Google-managed service agent",
    roles: "list<string>: distinct roles held on the project (own and inherited, unconditional or not)",
    unconditional_roles: "list<string>: roles held through bindings without a condition",
    grants: "list<string>: 'role on granted_on' strings, for the workpaper",
  },
  async fetch(ctx) {
    const by = new Map<
      string,
      Row & { member: string; roles: string[]; unconditional_roles: string[]; grants: string[] }
    >();
    for (const r of await effectiveBindingRows(ctx)) {
      const member = String(r.member);
      let m = by.get(member);
      if (!m) {
        m = {
          project: ctx.gcp.node.unit,
          member,
          member_type: r.member_type,
          member_email: r.member_email,
          member_domain: r.member_domain,
          is_service_agent: r.is_service_agent,
          roles: [],
          unconditional_roles: [],
          grants: [],
        };
        by.set(member, m);
      }
      const role = String(r.role);
      if (!m.roles.includes(role)) m.roles.push(role);
      if (!r.conditional && !m.unconditional_roles.includes(role)) m.unconditional_roles.push(role);
      m.grants.push(`${role} on ${r.granted_on}${r.conditional ? " (conditional)" : ""}`);
    }
    return [...by.values()]
      .map((m) => ({ ...m, roles: m.roles.sort(), unconditional_roles: m.unconditional_roles.sort() }))
      .sort((a, b) => a.member.localeCompare(b.member));
  },
});
