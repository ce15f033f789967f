/**
 * The resource hierarchy a run covers: organization(s) → folders (recursively) → active projects, discovered
 * with Resource Manager v3 (searchOrganizations / getOrganization, listFolders, searchProjects / getProject).
 * Every node knows its parent, so a project's ancestry (for inherited IAM bindings and audit configs) is a
 * walk up the parents. A part of the hierarchy that could not be read becomes a scope gap, never a silent hole.
 */
import { errorMessage } from "../../core/errors.js";
import type { CompletenessCheck, ScopeGap } from "../../core/types.js";
import { countCheck, unavailableCheck } from "../../queries/completeness.js";
import type { GcpCalls } from "./calls.js";

export type NodeType = "organization" | "folder" | "project";

export interface HierarchyNode {
  /** organizations/123, folders/456, projects/789 (projects by number, as the API names them). */
  name: string;
  type: NodeType;
  /** The id findings are reported against: org id, folder id, project id. */
  unit: string;
  displayName: string;
  /** The parent's name, or null for an organization. */
  parent: string | null;
  state: string;
  labels: Record<string, string>;
  /** The API's own answer (for evidence; queries read fields from it). */
  raw: Record<string, unknown>;
}

export interface HierarchyRequest {
  organization?: string;
  folders?: string[];
  projects?: string[];
}

export class GcpHierarchy {
  readonly nodes = new Map<string, HierarchyNode>();
  readonly gaps: ScopeGap[] = [];
  /** Names of the nodes the run covers, by type. */
  readonly organizations: string[] = [];
  readonly folders: string[] = [];
  readonly projects: string[] = [];
  /** The organizations and folders whose direct child projects are in scope (when not named with --project). */
  private projectParents: string[] = [];
  /** The project ids named with --project, when the run was asked for projects. */
  private askedProjects: string[] = [];

  constructor(private readonly calls: GcpCalls) {}

  static unitOf(name: string): string {
    return name.split("/")[1] ?? name;
  }

  /** The node of a project id, a folder id or an organization id. */
  byUnit(type: NodeType, unit: string): HierarchyNode | undefined {
    const names =
      type === "organization" ? this.organizations : type === "folder" ? this.folders : this.projects;
    for (const n of names) {
      const node = this.nodes.get(n);
      if (node?.unit === unit) return node;
    }
    return undefined;
  }

  /**
   * The node and its ancestors, nearest first (project, folder…, organization). Throws when a link is
   * missing: inherited policies cannot be complete without every ancestor.
   */
  ancestry(name: string): HierarchyNode[] {
    const chain: HierarchyNode[] = [];
    let cur: string | null = name;
    while (cur) {
      const node = this.nodes.get(cur);
      if (!node) {
        const gap = this.gaps.find((g) => g.unit === GcpHierarchy.unitOf(cur!));
        throw new Error(
          `the ancestry of ${name} is incomplete: ${cur} could not be read${gap ? ` (${gap.reason})` : ""}`,
        );
      }
      chain.push(node);
      cur = node.parent;
    }
    return chain;
  }

  /** The organization a node belongs to, when the walk reaches one. */
  organizationOf(name: string): HierarchyNode | undefined {
    let cur: string | null = name;
    while (cur) {
      const node = this.nodes.get(cur);
      if (!node) return undefined;
      if (node.type === "organization") return node;
      cur = node.parent;
    }
    return undefined;
  }

  async discover(req: HierarchyRequest): Promise<void> {
    const roots: string[] = [];
    if (req.organization) {
      const org = await this.calls.unary("OrganizationsClient", "getOrganization", req.organization, {
        name: `organizations/${req.organization}`,
      });
      this.addOrganization(org);
      roots.push(`organizations/${req.organization}`);
    }
    for (const f of req.folders ?? []) {
      const name = `folders/${f}`;
      try {
        const folder = await this.calls.unary("FoldersClient", "getFolder", f, { name });
        this.add(nodeFrom("folder", folder));
        this.folders.push(name);
        roots.push(name);
        await this.ancestorsOf(name);
      } catch (e) {
        this.gaps.push({ provider: "gcp", unit: f, reason: `cannot read ${name}: ${errorMessage(e)}` });
      }
    }
    if (!req.organization && !req.folders?.length && !req.projects?.length) {
      const orgs = await this.calls.paged(
        "OrganizationsClient",
        "searchOrganizations",
        "caller",
        {},
        "organizations",
      );
      for (const org of orgs) {
        this.addOrganization(org);
        roots.push(String(org.name));
      }
    }
    for (const root of roots) await this.descend(root);

    if (req.projects?.length) {
      this.askedProjects = [...new Set(req.projects)];
      for (const id of req.projects) {
        try {
          const p = await this.calls.unary("ProjectsClient", "getProject", id, { name: `projects/${id}` });
          const node = nodeFrom("project", p);
          if (node.state !== "ACTIVE") {
            this.gaps.push({ provider: "gcp", unit: id, reason: `project is ${node.state}, not ACTIVE` });
            continue;
          }
          this.add(node);
          this.projects.push(node.name);
          await this.ancestorsOf(node.name);
        } catch (e) {
          this.gaps.push({
            provider: "gcp",
            unit: id,
            reason: `cannot read project ${id}: ${errorMessage(e)}`,
          });
        }
      }
    } else if (roots.length > 0) {
      const inScope = new Set(
        [...this.organizations, ...this.folders].filter((n) => roots.some((r) => this.isUnder(n, r))),
      );
      this.projectParents = [...inScope].sort();
      const found = await this.calls.paged(
        "ProjectsClient",
        "searchProjects",
        "caller",
        { query: "state:ACTIVE" },
        "projects",
      );
      for (const p of found) {
        const node = nodeFrom("project", p);
        if (node.state !== "ACTIVE" || !node.parent || !inScope.has(node.parent)) continue;
        this.add(node);
        this.projects.push(node.name);
      }
    }
    this.projects.sort((a, b) => this.nodes.get(a)!.unit.localeCompare(this.nodes.get(b)!.unit));
  }

  /**
   * The completeness test of the project population (IPE completeness, issue 9): the active projects found
   * (searchProjects, filtered to the organization / folders in scope) against an independent listing — the
   * direct children of every organization and folder in scope (listProjects, strongly consistent and needing
   * resourcemanager.projects.list on the parent, where searchProjects only returns what the search index
   * holds and the caller may get). Both sets must be equal; with --project the reference is the list asked.
   */
  async projectCompleteness(): Promise<CompletenessCheck> {
    const found = new Set(this.projects.map((n) => this.nodes.get(n)!.unit));
    if (this.askedProjects.length > 0) {
      const missing = this.askedProjects.filter((id) => !found.has(id));
      return countCheck({
        population: "projects",
        source: "projects read (ProjectsClient.getProject, ACTIVE)",
        reference: "--project (the projects asked for)",
        found: found.size,
        expected: this.askedProjects.length,
        ...(missing.length ? { detail: `not read: ${missing.join(", ")}` } : {}),
      });
    }
    const spec = {
      population: "projects",
      source: "ProjectsClient.searchProjects (state:ACTIVE, under the organization / folders in scope)",
      reference:
        "ProjectsClient.listProjects (ACTIVE direct children of each organization and folder in scope)",
      found: found.size,
    };
    const listed = new Set<string>();
    try {
      for (const parent of this.projectParents) {
        const children = await this.calls.paged(
          "ProjectsClient",
          "listProjects",
          GcpHierarchy.unitOf(parent),
          { parent, showDeleted: false },
          "projects",
        );
        for (const p of children) {
          const node = nodeFrom("project", p);
          if (node.state === "ACTIVE") listed.add(node.unit);
        }
      }
    } catch (e) {
      return unavailableCheck(spec, e);
    }
    const missing = [...listed].filter((id) => !found.has(id)).sort();
    const extra = [...found].filter((id) => !listed.has(id)).sort();
    const detail = [
      missing.length ? `not returned by searchProjects: ${missing.join(", ")}` : "",
      extra.length ? `not listed under the organization / folders in scope: ${extra.join(", ")}` : "",
    ]
      .filter(Boolean)
      .join("; ");
    const check = countCheck({ ...spec, expected: listed.size, ...(detail ? { detail } : {}) });
    // Equal counts of different projects do not reconcile.
    return detail ? { ...check, outcome: "mismatch", detail } : check;
  }

  private addOrganization(raw: Record<string, unknown>): void {
    const node = nodeFrom("organization", raw);
    if (this.nodes.has(node.name)) return;
    this.add(node);
    this.organizations.push(node.name);
  }

  private add(node: HierarchyNode): void {
    this.nodes.set(node.name, node);
  }

  private isUnder(name: string, root: string): boolean {
    let cur: string | null = name;
    while (cur) {
      if (cur === root) return true;
      cur = this.nodes.get(cur)?.parent ?? null;
    }
    return false;
  }

  /** Folders below `root`, breadth first, every page recorded. A folder that cannot be listed is a gap. */
  private async descend(root: string): Promise<void> {
    const queue = [root];
    while (queue.length > 0) {
      const parent = queue.shift()!;
      try {
        const children = await this.calls.paged(
          "FoldersClient",
          "listFolders",
          GcpHierarchy.unitOf(parent),
          { parent },
          "folders",
        );
        for (const f of children) {
          const node = nodeFrom("folder", f);
          if (node.state !== "ACTIVE" || this.nodes.has(node.name)) continue;
          this.add(node);
          this.folders.push(node.name);
          queue.push(node.name);
        }
      } catch (e) {
        this.gaps.push({
          provider: "gcp",
          unit: GcpHierarchy.unitOf(parent),
          reason: `cannot list the folders under ${parent}: ${errorMessage(e)}`,
        });
      }
    }
  }

  /** Reads the ancestors of a node named with --folder / --project (their IAM policies are inherited). */
  private async ancestorsOf(name: string): Promise<void> {
    let parent = this.nodes.get(name)?.parent ?? null;
    while (parent && !this.nodes.has(parent)) {
      const unit = GcpHierarchy.unitOf(parent);
      try {
        if (parent.startsWith("organizations/")) {
          this.addOrganization(
            await this.calls.unary("OrganizationsClient", "getOrganization", unit, { name: parent }),
          );
          return;
        }
        const f = await this.calls.unary("FoldersClient", "getFolder", unit, { name: parent });
        this.add(nodeFrom("folder", f));
        parent = this.nodes.get(parent)?.parent ?? null;
      } catch (e) {
        this.gaps.push({
          provider: "gcp",
          unit,
          reason: `cannot read ancestor ${parent}: ${errorMessage(e)}`,
        });
        return;
      }
    }
  }
}

function nodeFrom(type: NodeType, raw: Record<string, unknown>): HierarchyNode {
  const name = String(raw.name ?? "");
  if (!name) throw new Error(`a ${type} without a name in the API answer`);
  const unit =
    type === "project" ? String(raw.projectId ?? "") || GcpHierarchy.unitOf(name) : GcpHierarchy.unitOf(name);
  const parent = type === "organization" ? null : String(raw.parent ?? "") || null;
  return {
    name,
    type,
    unit,
    displayName: String(raw.displayName ?? ""),
    parent,
    state: String(raw.state ?? "STATE_UNSPECIFIED"),
    labels: (raw.labels as Record<string, string> | undefined) ?? {},
    raw,
  };
}
